"""The command tables: which commands only read, which run code, which handler judges each."""

from __future__ import annotations

from workspace_guard.gates.harness.bash.editors import _cmake, _editor
from workspace_guard.gates.harness.bash.files import (
    _chattr,
    _chmod,
    _compress,
    _copy,
    _curl,
    _dd,
    _each,
    _find,
    _output_option,
    _patch,
    _rsync,
    _sed,
    _sort,
    _split_cmd,
    _tar,
    _uniq,
    _unzip,
    _wget,
    _yq,
)
from workspace_guard.gates.harness.bash.git import _git
from workspace_guard.gates.harness.bash.gitlfs import git_lfs
from workspace_guard.gates.harness.bash.interpreters import (
    _INTERPS,
    _awk_code,
    _bun,
    _deno,
    _eval,
    _first_arg_is_shell,
    _gdb,
    _interpreter,
    _pwsh,
    _shell,
    _source,
)
from workspace_guard.gates.harness.bash.launchers import LAUNCHERS
from workspace_guard.gates.harness.bash.links import set_builtin
from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.outputs import (
    OUTPUTS,
    checker,
    enable,
    fc,
    hash_cmd,
    history,
    output_options,
    runner,
)
from workspace_guard.gates.harness.bash.parallel import parallel, xargs
from workspace_guard.gates.harness.bash.pkgrun import npx as _npx
from workspace_guard.gates.harness.bash.programs import PROGRAMS
from workspace_guard.gates.harness.bash.runners import _coverage, _pip, _pytest, _tox
from workspace_guard.gates.harness.bash.sqlite import sqlite3
from workspace_guard.gates.harness.bash.stdinlang import STDIN_LANGUAGES, stdin_language
from workspace_guard.gates.harness.bash.tools import (
    _FORMATTERS,
    _MANIFESTS,
    HARNESS_CLIS,
    _cd,
    _declare,
    _docker,
    _formatter,
    _harness_cli,
    _package_manager,
    _pre_commit,
    _read,
    _ruff,
    _unset,
)
from workspace_guard.gates.harness.bash.wrappers import WRAPPERS, sudo
from workspace_guard.gates.harness.bash.wrapping import _WRAPPERS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env, _Handler
    from workspace_guard.gates.harness.bash.syntax import _Word

# Commands that never write a file named by their arguments (their redirections still count).
_READ_ONLY = _opts(
    "cat tac more most head tail grep egrep fgrep zgrep ag ack ls ll la dir stat file"
    " wc diff cmp comm cut tr echo printf jq column nl fold fmt rev od hexdump strings base64"
    " base32 md5sum sha1sum sha256sum sha512sum shasum cksum b2sum du df locate which whereis type"
    " realpath readlink dirname basename pwd date cal printenv whoami id groups uname hostname true"
    " false : test [ expr seq sleep yes ps top htop pgrep pidof lsof free uptime vmstat iostat"
    " help info alias jobs wait exa eza paste join look numfmt"
    " nproc lscpu lsblk zcat bzcat xzcat envsubst pyright"
    " pycodestyle pydocstyle vulture pyflakes shellcheck hadolint yamllint jsonlint"
    " ping dig host nslookup shopt ulimit umask exit return"
    " break continue shift getopts let clear reset tput stty kill pkill killall disown bg fg logout"
    " json_pp py_compile compileall platform sysconfig site mktemp"
)
# Commands that run code we cannot see but whose arguments are not files they write.
_RUNNERS = _opts(
    "make gmake cmake ninja meson gradle gradlew mvn ant bazel bazelisk sbt lein mocha"
    " playwright cypress karma ava gh hub glab helm minikube kind"
    " docker-compose podman-compose apt apt-get brew yum dnf apk pacman snap port systemctl"
    " service journalctl launchctl uvicorn gunicorn hypercorn flask celery redis-cli psql mysql"
    " mongosh mosh nc netcat telnet webpack vite next nuxt rollup parcel turbo nx"
    " lerna alembic terraform packer vagrant ansible ansible-playbook pipx conda mamba micromamba"
    " pydoc pydoc3 doctest timeit sphinx-build mkdocs stylelint xdg-open open tldr"
)


def _aliases(spec: str) -> dict[str, str]:
    """``"sed: gsed; awk: gawk mawk"`` → ``{"gsed": "sed", "gawk": "awk", "mawk": "awk"}``."""
    out = {}
    for group in spec.split(";"):
        name, _, others = group.partition(":")
        out.update(dict.fromkeys(others.split(), name.strip()))
    return out


_ALIASES = _aliases(
    "sed: gsed; awk: gawk mawk nawk; tar: gtar bsdtar; find: gfind; xargs: gxargs;"
    " timeout: gtimeout; node: nodejs; vim: vi nvim gvim mvim view rview vimdiff nvimdiff rvim"
    " gview evim vim.basic vim.tiny vim.nox nvi; ed: red;"
    " pytest: py.test pytest-3;"
    " zcat: gzcat; .: source; bash: sh zsh dash ksh mksh ash fish;"
    " declare: typeset local export readonly"
)
_RUNNER_TOOLS = _opts("tsc jest vitest")  # runners whose output options outputs.py knows
_EDITORS = "vim nano pico emacs emacsclient code cursor subl micro hx kak gedit kate ed ex joe"
_COMPRESSORS = (
    "gzip gunzip bzip2 bunzip2 xz unxz zstd unzstd compress uncompress lzma unlzma brotli lzip"
    " lunzip lzop pigz unpigz pbzip2 lbzip2 plzip"
)

_HANDLERS: dict[str, _Handler] = {
    **_WRAPPERS,
    **dict.fromkeys(_EDITORS.split(), _editor),
    "cmake": _cmake,
    **dict.fromkeys(_COMPRESSORS.split(), _compress),
    **dict.fromkeys(("chmod", "chown", "chgrp"), _chmod),
    **dict.fromkeys(_INTERPS, _interpreter),
    **dict.fromkeys(_MANIFESTS, _package_manager),
    **dict.fromkeys(_FORMATTERS, _formatter),
    **dict.fromkeys(("trap", "watch"), _first_arg_is_shell),
    **dict.fromkeys(("cd", "pushd", "popd"), _cd),
    "rm": _each("rm"),
    "unlink": _each("rm"),
    "rmdir": _each("rmdir"),
    "shred": _each("rm", "-n -s --iterations --size --random-source"),
    "touch": _each("touch", "-d -t -r --date --reference"),
    "truncate": _each("truncate", "-s -r --size --reference"),
    "mkdir": _each("mkdir", "-m --mode --context"),
    "mkfifo": _each("mkdir", "-m --mode"),
    "sponge": _each("tee"),
    "tee": _each("tee"),
    "setfacl": _each("chmod", "-m -x -M -X --modify --remove"),
    "chattr": _chattr,
    "cp": _copy("cp", "-S --suffix --backup --reflink --sparse --preserve"),
    "mv": _copy("mv", "-S --suffix --backup", sources_written=True),
    "ln": _copy("ln", "-S --suffix --backup"),
    "link": _copy("ln", ""),
    "install": _copy("install", "-m -o -g -S --mode --owner --group --suffix --strip-program"),
    "rsync": _rsync,
    "scp": _rsync,
    "dd": _dd,
    "sed": _sed,
    "awk": _awk_code,
    "sort": _sort,
    "uniq": _uniq,
    "split": _split_cmd,
    "csplit": _split_cmd,
    "iconv": _output_option("-o", "--output", takes="-f -t --from-code --to-code"),
    "yq": _yq,
    "patch": _patch,
    "tar": _tar,
    "unzip": _unzip,
    "curl": _curl,
    "wget": _wget,
    "find": _find,
    "xargs": xargs,
    "parallel": parallel,
    "sem": parallel,
    "bash": _shell,
    "eval": _eval,
    ".": _source,
    "git": _git,
    **dict.fromkeys(HARNESS_CLIS, _harness_cli),
    "git-lfs": git_lfs,
    "npx": _npx,
    "bunx": _npx,
    "ruff": _ruff,
    "pre-commit": _pre_commit,
    "docker": _docker,
    "podman": _docker,
    "kubectl": _docker,
    "declare": _declare,
    "unset": _unset,
    "read": _read,
    "pytest": _pytest,
    "coverage": _coverage,
    "tox": _tox,
    "nox": _tox,
    "unittest": _tox,
    "pip": _pip,
    "history": history,
    "fc": fc,
    "enable": enable,
    "hash": hash_cmd,
    # the second tables (ATTACK F51-F55, F71): programs.py, launchers.py, interpreters.py
    **PROGRAMS,
    **LAUNCHERS,
    **WRAPPERS,
    "sudo": sudo,
    "pwsh": _pwsh,
    "powershell": _pwsh,
    "deno": _deno,
    "bun": _bun,
    "gdb": _gdb,
    "sqlite3": sqlite3,
    "set": set_builtin,  # `set -P`: where a later `cd ..` lands (links.py)
}


def _with_outputs(handler: _Handler) -> _Handler:
    """The tool's own handler, then its output options (outputs.py): a write of each value."""

    def run(env: _Env, name: str, args: list[_Word]) -> None:
        handler(env, name, args)
        output_options(env, name, args)

    return run


for _name in OUTPUTS:
    _known = _HANDLERS.get(_name)
    _HANDLERS[_name] = (
        _with_outputs(_known) if _known else (runner if _name in _RUNNER_TOOLS else checker)
    )


def _config_code(handler: _Handler) -> _Handler:
    """A checker whose configuration, read from the work tree, can load code (ATTACK F63): mypy
    and pylint plugins, flake8 local plugins, eslint/prettier JavaScript configs, coverage
    plugins. Unknown code, then the checker's own judgement."""

    def run(env: _Env, name: str, args: list[_Word]) -> None:
        env.unknown_code(f"{name}: its configuration in the work tree can load code (plugins)")
        handler(env, name, args)

    return run


for _name in ("mypy", "dmypy", "pylint", "flake8", "eslint", "prettier", "coverage"):
    _HANDLERS[_name] = _config_code(_HANDLERS[_name])


for _name in STDIN_LANGUAGES:  # commands on stdin (ATTACK F79): stdinlang.py
    _HANDLERS[_name] = stdin_language(_HANDLERS.get(_name), split=_name not in _RUNNERS)
