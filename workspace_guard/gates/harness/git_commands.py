"""``git NAME`` with NAME no git builtin: what git would run, resolved at gate time and judged.

Why: git runs, in this order, a builtin, a ``git-NAME`` program (its exec path, then ``PATH``),
then the alias ``alias.NAME`` from any of its configuration files (includes followed). An alias
or a program can do anything a typed command can: ``alias.c = commit --no-verify``, ``alias.x =
!sed -i … app/main.py``, ``alias.u = update-ref``, ``alias.r = checkout --``. The analysis
(``bash/refs.git_command``) reports such a call as a ``git-command`` finding; here it is replaced
by the analysis of what git would run, so every effect — file writes, hook bypasses, settings
kept, ref moves, restores — is judged exactly as if the command had been typed out:

* an alias ``alias.NAME = WORDS``: ``git OPTIONS WORDS ARGS`` (nested aliases expanded again, at
  most :data:`MAX_ALIASES` deep: git itself refuses loops);
* a shell alias ``alias.NAME = !TEXT``: ``TEXT ARGS`` as Bash, from the top of the work tree
  (where git runs it);
* ``git-lfs``: the analysis's own reading of ``git-lfs`` (``bash/gitlfs.py``);
* anything else is code the gate cannot read — every file and any ref, with the reason said:
  another ``git-NAME`` program; a name git finds nothing for here (the shell that runs the
  command may have another ``PATH`` or settings, and ``help.autocorrect`` runs a near name); a
  command that changes where git finds programs or settings (``PATH``, ``HOME``,
  ``GIT_CONFIG_*``, ``GIT_DIR``, a file git reads its settings from) before it runs.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash import Analysis
    from workspace_guard.gates.harness.bash.syntax import Finding
    from workspace_guard.repo import Repo

KNOWN_PROGRAMS = frozenset({"lfs"})  # `git-NAME` programs the analysis reads (bash/gitlfs.py)
_RUNTIME_WORD = '"${WG_RUNTIME_ARGUMENT}"'  # an argument only known at run time


def expand(repo: Repo, analysis: Analysis) -> tuple[Analysis, list[str]]:
    """``analysis`` with each ``git NAME`` replaced by what git would run; notes for the answer."""
    from workspace_guard.gates.harness.bash.syntax import GIT_COMMAND

    if not analysis.of_kind(GIT_COMMAND):
        return analysis, []
    notes: list[str] = []
    return _expand(repo, analysis, analysis, notes, 0), notes


def _expand(
    repo: Repo, analysis: Analysis, whole: Analysis, notes: list[str], depth: int
) -> Analysis:
    from workspace_guard.gates.harness.bash import Analysis
    from workspace_guard.gates.harness.bash.syntax import GIT_COMMAND

    found = analysis.of_kind(GIT_COMMAND)
    if not found:
        return analysis
    targets = list(analysis.targets)
    findings = [f for f in analysis.findings if f.kind != GIT_COMMAND]
    for finding in found:
        sub = _resolve(repo, finding, whole, notes, depth)
        targets += sub.targets
        findings += sub.findings
    return Analysis(
        tuple(dict.fromkeys(targets)),
        analysis.parse_error,
        analysis.read_only and not targets and not findings,
        tuple(dict.fromkeys(findings)),
    )


def _resolve(
    repo: Repo, finding: Finding, whole: Analysis, notes: list[str], depth: int
) -> Analysis:
    """The analysis of what ``finding``'s ``git NAME`` runs (see the module docstring)."""
    from workspace_guard.gates.harness.bash import analyze
    from workspace_guard.gates.harness.bash.git import split_alias
    from workspace_guard.gates.harness.bash.gitnames import MAX_ALIASES, RUNTIME_ARG
    from workspace_guard.i18n import _

    name, changed, count, inline = finding.args[:4]
    options = list(finding.args[4 : 4 + int(count)])
    args = list(finding.args[4 + int(count) :])
    where = finding.cwd if finding.cwd and os.path.isdir(finding.cwd) else repo.info.root or ""
    if depth + int(inline) >= MAX_ALIASES or "/" in name or not name:
        return _unknown(finding, notes, _("an alias loop, or a name git cannot run"))
    if changed or RUNTIME_ARG in options or not where or _settings_written(whole, where, options):
        return _unknown(
            finding,
            notes,
            _(
                "the command changes, before git runs, where git finds its programs or settings "
                "(PATH, HOME, GIT_CONFIG_*, GIT_DIR, a configuration file), so what it runs is "
                "not known here"
            ),
        )
    program = _program(name, where, options)
    words = [_RUNTIME_WORD if a == RUNTIME_ARG else _quote(a) for a in args]
    if program and name not in KNOWN_PROGRAMS:
        return _unknown(
            finding,
            notes,
            _("git runs the program {program}, which the gate cannot read").format(program=program),
        )
    if program:
        text = " ".join([_quote("git-" + name), *words])
    else:
        alias = _alias(name, where, options)
        if alias is None:
            return _unknown(
                finding,
                notes,
                _(
                    "git finds no command, alias or git-{name} program for it here, and the "
                    "shell that runs it may (another PATH or settings, help.autocorrect)"
                ).format(name=name),
            )
        if alias.startswith("!"):
            where = _top(where)
            text = " ".join([alias[1:], *words])
        else:
            split = split_alias(alias)
            if split is None or not split:
                return _unknown(finding, notes, _("an alias loop, or a name git cannot run"))
            text = " ".join(["git", *map(_quote, [*options, *split]), *words])
    sub = analyze(text, where)
    if sub.parse_error:
        return _unknown(finding, notes, _("an alias loop, or a name git cannot run"))
    return _expand(repo, sub, whole, notes, depth + 1)


def _unknown(finding: Finding, notes: list[str], reason: str) -> Analysis:
    """Code the gate cannot read: every file (``git-exec``, under ``harness: unknown_code``)
    and any ref."""
    from workspace_guard.gates.harness.bash import ANY_PATH, Analysis, Target
    from workspace_guard.gates.harness.bash.refs import ANY_REF
    from workspace_guard.gates.harness.bash.syntax import REF_WRITE, UNKNOWN_CODE, Finding
    from workspace_guard.i18n import _

    detail = f"{finding.detail[:120]}: {reason}"
    notes.append(
        _(
            "(`{command}`: {reason}; it counts as code that may write any file or move any ref)"
        ).format(command=finding.detail[:120], reason=reason)
    )
    return Analysis(
        (Target(ANY_PATH, "git-exec", False, True),),
        None,
        False,
        (
            Finding(UNKNOWN_CODE, detail),
            Finding(REF_WRITE, finding.detail, finding.cwd, (ANY_REF,)),
        ),
    )


def _quote(word: str) -> str:
    import shlex

    return shlex.quote(word)


def _config_options(options: list[str]) -> list[str]:
    """The options that change which settings ``git config`` reads: ``-c``, ``--git-dir``."""
    out: list[str] = []
    for k, word in enumerate(options):
        if word in ("-c", "--git-dir") and k + 1 < len(options):
            out += [word, options[k + 1]]
        elif word.startswith("--git-dir="):
            out.append(word)
    return out


def _alias(name: str, where: str, options: list[str]) -> str | None:
    """``alias.NAME`` as git reads it there (every file, includes followed); None: no alias."""
    from workspace_guard import git

    args = [*_config_options(options), "config", "--get", f"alias.{name}"]
    proc = git.run(args, where, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip() or None


_EXEC_PATH: dict[str, str] = {}


def _program(name: str, where: str, options: list[str]) -> str | None:
    """The ``git-NAME`` program git would run (its exec path first, then ``PATH``), or None."""
    import shutil

    from workspace_guard import git

    exec_path = next((o.partition("=")[2] for o in options if o.startswith("--exec-path=")), "")
    if not exec_path:
        if "" not in _EXEC_PATH:
            proc = git.run(["--exec-path"], where, check=False)
            _EXEC_PATH[""] = proc.stdout.decode("utf-8", "replace").strip()
        exec_path = _EXEC_PATH[""]
    search = os.pathsep.join(p for p in (exec_path, os.environ.get("PATH", "")) if p)
    return shutil.which("git-" + name, path=search)


def _top(where: str) -> str:
    """The top of the work tree (git runs a shell alias there), else ``where``."""
    from workspace_guard import git

    proc = git.run(["rev-parse", "--show-toplevel"], where, check=False)
    top = proc.stdout.decode("utf-8", "replace").strip()
    return top if proc.returncode == 0 and top else where


def _settings_written(whole: Analysis, where: str, options: list[str]) -> bool:
    """Whether the command may write one of the files git reads its settings from there."""
    from workspace_guard import git
    from workspace_guard.gates.harness.bash import ANY_PATH, could_write

    targets = [t for t in whole.targets if t.path != ANY_PATH]
    if not targets:
        return False
    args = [*_config_options(options), "config", "--list", "--show-origin"]
    proc = git.run(args, where, check=False)
    files: set[str] = set()
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        origin = line.partition("\t")[0]
        if origin.startswith("file:"):
            files.add(os.path.normpath(os.path.join(where, origin[len("file:") :])))
    return any(could_write(t, f) for t in targets for f in files)
