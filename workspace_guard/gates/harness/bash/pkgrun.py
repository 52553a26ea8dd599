"""Package runners: ``npx``, ``bunx``, ``npm exec``, ``pnpm dlx``, ``yarn exec``, ``uv run``.

Why: ``npx -c 'CMD'``, ``npx --call=CMD``, ``npm exec --cal CMD`` run CMD in a shell (ATTACK
F108), ``pnpm dlx -c`` and ``yarn exec`` run their words as a shell command line: that text is
analysed; the package a runner fetches or finds is code the analysis cannot read. npm's option
reader takes an unknown option as one word, so the table is loose (getopt.py).
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _join
from workspace_guard.gates.harness.bash.getopt import OptSpec, getopt
from workspace_guard.gates.harness.bash.syntax import _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

_NPX = OptSpec(
    "-c|--call= -p|--package= -y|--yes --no -q|--quiet --no-install --ignore-existing"
    " -w|--workspace= --workspaces --include-workspace-root --prefix= --registry= --cache="
    " --userconfig= --loglevel= -s|--silent --shell= --shell-auto-fallback -n|--node-arg=",
    loose=True,
)
_PNPM = OptSpec(
    "-c|--shell-mode --package= -r|--recursive --parallel --filter= -C|--dir= -s|--silent"
    " --reporter= -w|--workspace-root --resume-from= --report-summary --no-bail --bail"
    " --reverse --sort --no-sort --stream",
    loose=True,
)

_UV_RUN = OptSpec(
    "--with= --with-editable= --with-requirements= --extra= --group= --only-group= --no-group="
    " --package= -p|--python= --directory= --project= --env-file= --index= --default-index="
    " -i|--index-url= --extra-index-url= -f|--find-links= --index-strategy= --keyring-provider="
    " --resolution= --prerelease= --fork-strategy= --exclude-newer= -C|--config-setting="
    " --no-build-isolation-package= --link-mode= --refresh-package= --reinstall-package="
    " -P|--upgrade-package= --no-binary-package= --no-build-package= --cache-dir= --color="
    " --config-file= --allow-insecure-host= --python-preference=",
    loose=True,
)


def npx(env: _Env, name: str, args: list[_Word]) -> None:
    """``npx [OPTS] PKG ARGS…`` (and ``npm exec``, ``bunx``): ``-c``/``--call`` is shell text."""
    parsed = getopt(args, _NPX)
    for opt, value, _ in parsed.opts:
        if opt == "-c" and value is not None:
            env.unknown_code(f"{name} --call: runs in a shell with the packages on its PATH")
            env.analyze_text(value)
    if parsed.rest:
        env.unknown_code(f"{name} {parsed.rest[0].text}: a package's code")
        env.dispatch(parsed.rest)


def run_wrapped(env: _Env, name: str, sub: str, args: list[_Word]) -> None:
    """``npm exec``/``npm x`` as npx; ``pnpm dlx -c``/``pnpm exec -c`` and ``yarn exec``: the
    words are one shell command line; ``uv run [opts] CMD``: CMD is analysed as given (a skipped
    option value stays a word)."""
    if name == "npm" and sub in ("exec", "x"):
        npx(env, f"{name} {sub}", args)
        return
    if name == "pnpm" and sub in ("dlx", "exec"):
        parsed = getopt(args, _PNPM)
        if any(opt == "-c" for opt, _, _ in parsed.opts) and parsed.rest:
            env.unknown_code(f"{name} {sub} -c: a shell command line")
            env.analyze_text(" ".join(w.text for w in parsed.rest))
        elif parsed.rest:
            env.unknown_code(f"{name} {sub} {parsed.rest[0].text}: a package's code")
            env.dispatch(parsed.rest)
        return
    if name == "uv" and sub == "run":
        parsed = getopt(args, _UV_RUN)
        for opt, value, _ in parsed.opts:
            if opt == "--directory" and value is not None:  # uv changes to it first
                env = env.at(_join(env.ctx.cwd, value.text))
        args = parsed.rest
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        i += 1
    if name == "yarn" and sub == "exec" and args[i:]:  # yarn runs the words in its shell
        env.unknown_code(f"{name} {sub}: a shell command line")
        env.analyze_text(" ".join(w.text for w in args[i:]))
    elif i < len(args):
        env.unknown_code(f"{args[i].text}: run through a package manager")
        env.dispatch(args[i:])
