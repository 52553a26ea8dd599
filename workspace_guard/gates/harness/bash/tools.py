"""Tools whose writes we know: package managers, formatters, docker, wrappers, shell builtins."""

from __future__ import annotations

import posixpath
import re

from workspace_guard.gates.harness.bash.env import _ASSIGN, _assign, _Env, _join
from workspace_guard.gates.harness.bash.files import _remote
from workspace_guard.gates.harness.bash.links import cd_lands
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.pkgrun import run_wrapped as _run_wrapped
from workspace_guard.gates.harness.bash.syntax import _lit, _Part, _suffix, _Word

_MANIFESTS = {
    "npm": (
        "package.json package-lock.json",
        "install i add remove rm uninstall un update up upgrade pkg version init",
    ),
    "yarn": ("package.json yarn.lock", "add remove upgrade up install init"),
    "pnpm": ("package.json pnpm-lock.yaml", "add remove rm install i update up init"),
    "bun": ("package.json bun.lockb bun.lock", "add remove rm install i update init"),
    "poetry": ("pyproject.toml poetry.lock", "add remove lock update install init"),
    "uv": ("pyproject.toml uv.lock", "add remove lock sync init"),
    "cargo": ("Cargo.toml Cargo.lock", "add remove rm update init"),
    "go": ("go.mod go.sum", "get mod"),
    "bundle": ("Gemfile Gemfile.lock", "add remove install update lock"),
    "composer": ("composer.json composer.lock", "require remove update install"),
    "pipenv": ("Pipfile Pipfile.lock", "install uninstall lock update"),
}
_RUN_WRAPPERS = _opts("run exec x dlx")


def _package_manager(env: _Env, name: str, args: list[_Word]) -> None:
    """Adding a dependency rewrites the manifest and lock file; ``uv run X`` wraps X."""
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        text, i = args[i].text, i + 1
        if text in _PM_DIR_OPTIONS and i < len(args):
            env, i = env.at(_join(env.ctx.cwd, args[i].text)), i + 1
        elif text.partition("=")[0] in _PM_DIR_OPTIONS and "=" in text:
            env = env.at(_join(env.ctx.cwd, text.partition("=")[2]))
    if i >= len(args):
        return
    files, subs = _MANIFESTS[name]
    sub = args[i].text
    if sub in _RUN_WRAPPERS:
        _run_wrapped(env, name, sub, args[i + 1 :])
    elif sub == "fmt" and name in ("go", "cargo"):
        env.add_under(None, "format")
    elif sub in _opts(subs):
        for file in files.split():
            env.add_rel(file, "package")
    else:
        env.unknown_code(f"{name} {sub}: runs project scripts or build steps")


_PM_DIR_OPTIONS = _opts("--prefix -C --cwd --directory --dir")


# Agent CLIs, as commands and as the basenames of their packages (`npx @openai/codex`): a harness
# started from a tool call runs hooks of its own, its main thread acting as `harness: main_agent`
# or as the agent its `--agent` flag names, so starting one needs a superuser (shell.py).
HARNESS_CLIS = _opts(
    "claude claude-code codex gemini gemini-cli cursor-agent cline qwen qwen-code opencode aider"
)


def _harness_cli(env: _Env, name: str, args: list[_Word]) -> None:
    from workspace_guard.gates.harness.bash.syntax import HARNESS_CLI

    env.out.find(HARNESS_CLI, name)
    env.unknown_code(f"{name}: an agent harness")


# name: (writes unless one of these flags | writes only with one of these flags, default-writes?)
_FORMATTERS = {
    "black": ("--check --diff", True),
    "isort": ("--check --check-only -c --diff --df", True),
    "rustfmt": ("--check", True),
    "stylua": ("--check", True),
    "autopep8": ("-i --in-place", False),
    "yapf": ("-i --in-place", False),
    "prettier": ("--write -w", False),
    "eslint": ("--fix", False),
    "gofmt": ("-w", False),
    "goimports": ("-w", False),
    "clang-format": ("-i", False),
    "shfmt": ("-w --write", False),
    "standard": ("--fix", False),
    "biome": ("--write --apply --fix", False),
}


def _formatter(env: _Env, name: str, args: list[_Word]) -> None:
    """black, prettier --write, gofmt -w…: the files (or the cwd) are rewritten."""
    toggles, default_writes = _FORMATTERS[name]
    pos, _, flags = _split(args, _opts("--config -l --line-length --ignore-path --plugin --ext"))
    if bool((flags | {w.text for w in args}) & _opts(toggles)) == default_writes:
        return
    _format_targets(env, [w for w in pos if w.text != "-"])


def _format_targets(env: _Env, files: list[_Word]) -> None:
    for word in files:
        env.add(word, "format")
    if not files:
        env.add_under(None, "format")


def _ruff(env: _Env, name: str, args: list[_Word]) -> None:
    """``ruff format`` writes unless --check/--diff; ``ruff check`` only with --fix."""
    takes = (
        "--config --select --ignore --extend-select --line-length --target-version --output-file -o"
    )
    pos, values, flags = _split(args, _opts(takes))
    sub = pos[0].text if pos else "check"
    if sub in ("check", "format"):
        pos = pos[1:]
    elif sub in ("rule", "config", "linter", "clean", "version", "server", "analyze", "help"):
        return
    else:
        sub = "check"
    if sub == "format":
        writes = not flags & {"--check", "--diff"}
    else:
        writes = bool(flags & {"--fix", "--unsafe-fixes", "--fix-only"}) and "--no-fix" not in flags
    for key in ("--output-file", "-o"):
        if key in values:
            env.add(values[key], "ruff")
    if writes:
        _format_targets(env, pos)


def _pre_commit(env: _Env, name: str, args: list[_Word]) -> None:
    pos, _, flags = _split(args, _opts("--hook-stage --from-ref --to-ref -c --config"))
    sub = pos[0].text if pos else "run"
    if sub == "autoupdate":
        env.add_rel(".pre-commit-config.yaml", "pre-commit")
    elif sub == "run":
        env.unknown_code("pre-commit run: the configured hooks run")
        files = [w for w in pos[1:] if "--files" in flags]
        for word in files:
            env.add(word, "pre-commit", certain=False)
        if not files:
            env.add_under(None, "pre-commit")  # fixer hooks may rewrite any file


def _docker(env: _Env, name: str, args: list[_Word]) -> None:
    """docker cp to a local path, and host directories mounted read-write into a container."""
    pos, _, _ = _split(
        args, _opts("-v --volume --mount -e --env -w --workdir -p -f --name --network -u")
    )
    env.not_read_only()
    if pos and pos[0].text == "cp" and len(pos) > 2 and not _remote(pos[-1].text):
        env.add(pos[-1], "docker-cp")
    if not pos or pos[0].text not in ("run", "create", "exec"):
        return
    for word in args:
        text = word.text
        m = _MOUNT_SOURCE.search(text) if "=" in text else None
        if m and "readonly" not in text:
            env.add_under(
                _suffix(word, m.start(1)) if "," not in text[m.start(1) :] else _lit(m.group(1)),
                "docker",
            )
        elif ":" in text and text.startswith(("/", ".", "~", "$")) and not text.endswith(":ro"):
            env.add_under(
                _prefix(word, text.index(":", 1 if text.startswith("$(") else 0)), "docker"
            )


_MOUNT_SOURCE = re.compile(r"(?:^|,)(?:source|src)=([^,]+)")


def _prefix(word: _Word, keep: int) -> _Word:
    """The word's first ``keep`` characters (the host side of ``-v HOST:CONTAINER``)."""
    parts: list[_Part] = []
    for part in word.parts:
        if keep <= 0:
            break
        parts.append(_Part(part.text[:keep], part.kind) if len(part.text) > keep else part)
        keep -= len(part.text)
    return _Word(parts, word.subs)


def _cd(env: _Env, name: str, args: list[_Word]) -> None:
    """cd/pushd/popd change what later relative paths mean (within this shell)."""
    pos = [w for w in args if not (w.text.startswith("-") and w.text != "-" and w.literal)]
    ctx = env.ctx
    if name == "popd":
        ctx.cwd = ctx.dirs.pop() if ctx.dirs else "$OLDPWD"
        return
    if name == "pushd":
        ctx.dirs.append(ctx.cwd)
    if not pos:
        ctx.cwd = env.home()
    elif pos[0].text == "-" and pos[0].literal:
        ctx.cwd = "$OLDPWD"
    else:
        paths = env.paths(pos[0])
        ctx.cwd = cd_lands(env, args, ctx.chdir(paths[0][0])) if len(paths) == 1 else "$CDPATH"
        cdpath = env.cdpath()
        if cdpath and len(paths) == 1 and _searched(pos[0].text):  # `CDPATH=app; cd core`
            found = {posixpath.normpath(posixpath.join(d, pos[0].text)) for d in cdpath}
            if found | {posixpath.normpath(ctx.cwd)} != {posixpath.normpath(ctx.cwd)}:
                ctx.cwd = "$CDPATH"


def _searched(text: str) -> bool:
    """Whether bash looks a ``cd`` operand up in CDPATH (not absolute, not ``.``/``..`` first)."""
    first = text.split("/", 1)[0]
    return not text.startswith(("/", "~", "$")) and first not in (".", "..")


def _declare(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        if _ASSIGN.match(word.text):
            _assign(env, word)
        elif not word.literal and not word.text.startswith("-"):  # `export $(cat .env)`
            from workspace_guard.gates.harness.bash.codevars import CODE_VARS

            env.unknown_code(f"{name} {word.text}: variables named at run time (PATH, LD_PRELOAD…)")
            env.out.assigned |= CODE_VARS  # every later program may load code (codevars.py)


def _unset(env: _Env, name: str, args: list[_Word]) -> None:
    for word in args:
        env.ctx.vars.pop(word.text, None)


def _read(env: _Env, name: str, args: list[_Word]) -> None:
    pos, values, _ = _split(args, _opts("-a -d -i -n -N -p -t -u -v"))
    for word in [*pos, *(v for k, v in values.items() if k in ("-a", "-v"))]:
        env.ctx.vars.pop(word.text, None)
