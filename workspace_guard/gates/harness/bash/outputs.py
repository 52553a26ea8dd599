"""Shell builtins that write files, and the output options of tools that otherwise only read.

Why (ATTACK F12): ``history -w`` writes the shell's history list to ``$HISTFILE`` (the agent's
text, verbatim), ``enable -f`` loads a shared object (code), and "read-only" checkers write
where an option says (``mypy --junit-xml FILE``, ``--*-report DIR``, ``tsc --outDir DIR``). The
class rule: an option naming an output file or directory is a write of its value, whether given
as ``--opt VALUE``, ``--opt=VALUE``, ``-oVALUE`` or an abbreviation of the long option
(argparse and optparse accept unambiguous prefixes; unsure means a write).
"""

from __future__ import annotations

import fnmatch
import re

from workspace_guard.gates.harness.bash.env import _Env
from workspace_guard.gates.harness.bash.syntax import _lit, _suffix, _Word

# tool: (options naming a FILE written, options naming a DIRECTORY written into). A `*` is a
# pattern (`--*-report`); tools marked case-insensitive take `--outdir` for `--outDir`.
OUTPUTS: dict[str, tuple[str, str]] = {
    "mypy": ("--junit-xml", "--cache-dir --*-report"),
    "dmypy": ("--junit-xml", "--cache-dir --*-report"),
    "ruff": ("-o --output-file", "--cache-dir"),
    "flake8": ("--output-file", ""),
    "pylint": ("--output", ""),
    "bandit": ("-o --output", ""),
    "markdownlint": ("-o --output", ""),
    "eslint": ("-o --output-file --cache-location", ""),
    "prettier": ("--cache-location", ""),
    "tsc": ("--outFile --out --tsBuildInfoFile", "--outDir --declarationDir"),
    "go": (
        "-o -coverprofile -cpuprofile -memprofile -blockprofile -mutexprofile -trace"
        " --o --coverprofile --cpuprofile --memprofile --blockprofile --mutexprofile --trace",
        "-outputdir --outputdir",
    ),
    "cargo": ("", "--target-dir --artifact-dir --out-dir"),
    "jest": ("--outputFile", "--coverageDirectory --cacheDirectory"),
    "vitest": ("--outputFile", ""),
    "coverage": ("-o --data-file", "-d --directory"),
    # logs and side files of network tools (ATTACK F74)
    "curl": ("--stderr --libcurl --etag-save --hsts --alt-svc", ""),
    "ssh": ("-E", ""),
    "pip": ("--log --log-file --report", ""),
    "pip3": ("--log --log-file --report", ""),
    "rsync": ("--write-batch --only-write-batch --log-file", ""),
    "tar": ("--index-file", ""),
}
_REPORT_PREFIX = re.compile(r"--\w[\w-]*-rep(?:o(?:r(?:t)?)?)?")
_CASELESS = frozenset({"tsc"})
_SINGLE_DASH_LONG = frozenset({"go"})  # `-coverprofile`, not a cluster of short flags


def output_options(env: _Env, name: str, args: list[_Word]) -> None:
    """Each output option's value is written (a directory: the directory and what is below)."""
    files, dirs = (spec.split() for spec in OUTPUTS[name])
    caseless = name in _CASELESS
    i = 0
    while i < len(args):
        word, text = args[i], args[i].text
        i += 1
        if text == "--" and word.literal:
            break
        if not word.literal or not text.startswith("-") or text == "-":
            continue
        opt, eq, _ = text.partition("=")
        value: _Word | None = _suffix(word, len(opt) + 1) if eq else None
        if not text.startswith("--") and name not in _SINGLE_DASH_LONG and len(opt) > 2:
            opt, value = text[:2], _suffix(word, 2)  # `-oFILE`
        kind = _which(opt, files, dirs, caseless)
        if kind is None:
            continue
        if value is None:
            if i >= len(args):
                break
            value, i = args[i], i + 1
        env.add(value, name)
        if kind == "dir":
            env.add_under(value, name)


def _which(opt: str, files: list[str], dirs: list[str], caseless: bool) -> str | None:
    """ "file", "dir" or None: the output option ``opt`` names, exactly or abbreviated."""
    key = opt.lower() if caseless else opt
    for kind, specs in (("file", files), ("dir", dirs)):
        for written in specs:
            spec = written.lower() if caseless else written
            if key == spec or ("*" in spec and fnmatch.fnmatchcase(key, spec)):
                return kind
            if key.startswith("--") and len(key) >= 5 and spec.startswith(key):
                return kind  # an abbreviation (argparse, optparse)
            if "*" in spec and _REPORT_PREFIX.fullmatch(key):
                return kind  # `--html-rep`: an abbreviated `--*-report`
    return None


def checker(env: _Env, name: str, args: list[_Word]) -> None:
    """A checker that only reads but for its output options (mypy, flake8, pylint…)."""
    output_options(env, name, args)


def runner(env: _Env, name: str, args: list[_Word]) -> None:
    """A known runner (tsc, jest…): unknown code, path-like arguments, and its output options."""
    from workspace_guard.gates.harness.bash.mentions import _unknown

    env.unknown_code(f"{name}: runs project code or build steps")
    _unknown(env, args, split=False)
    output_options(env, name, args)


# --------------------------------------------------------------------------- builtins


def _histfile(env: _Env) -> _Word | None:
    """Where ``history -w`` writes: ``$HISTFILE`` as set here, else the default; None when the
    command sets it to something not known here."""
    value = env.ctx.vars.get("HISTFILE")
    if value is not None:
        return _lit(value, "q")
    if "HISTFILE" in env.out.assigned:
        return None
    return _lit("~/.bash_history", "q")


def history(env: _Env, name: str, args: list[_Word]) -> None:
    """``history -w/-a [FILE]`` writes FILE or ``$HISTFILE``; listing and ``-s``/``-c`` do not."""
    flags = {c for w in args if w.text.startswith("-") and w.literal for c in w.text[1:]}
    if not flags & set("wa"):
        return
    files = [w for w in args if not (w.text.startswith("-") and w.literal)]
    target = files[0] if files else _histfile(env)
    if target is None:
        env.add_any("dynamic-output")
    else:
        env.add(target, "history")


def fc(env: _Env, name: str, args: list[_Word]) -> None:
    """``fc`` runs commands from the history list (text the analysis may not have seen), or an
    editor on them; only ``fc -l`` lists. zsh's ``fc -W/-A FILE`` writes FILE."""
    if any(w.text.startswith("-") and "l" in w.text[1:] for w in args[:1]):
        return
    env.unknown_code("fc: runs commands from the shell's history")
    env.add_any("dynamic-output")


def enable(env: _Env, name: str, args: list[_Word]) -> None:
    """``enable -f LIB NAME`` loads a shared object into the shell: code of any kind."""
    if any(w.text.startswith("-") and "f" in w.text[1:] for w in args):
        env.unknown_code("enable -f: loads a shared object into the shell")
        env.add_any("dynamic-output")


def hash_cmd(env: _Env, name: str, args: list[_Word]) -> None:
    """``hash -p PATH NAME`` makes NAME run PATH: later commands are not what they read."""
    if any(w.text.startswith("-") and "p" in w.text[1:] for w in args):
        env.unknown_code("hash -p: a command name bound to another program")
        env.add_any("dynamic-output")
