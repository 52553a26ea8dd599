"""Variables that make programs load code (ATTACK F48): ``PATH``, ``LD_PRELOAD``, ``BASH_ENV``,
``PYTHONPATH``, ``NODE_OPTIONS``, ``LESSOPEN``…

Why: ``PYTHONPATH=office python3 -m json.tool README.md`` imports ``office/sitecustomize.py``,
``LD_PRELOAD=office/x.so cat README.md`` runs a library the agent built, ``PATH=office:$PATH;
cat app/main.py`` runs an ``office/cat`` shim: a command the tables call read-only runs code the
analysis cannot read. A command that sets one of these variables anywhere — a prefix, ``env``,
``export``, ``declare -x``, an assignment (the variable may already be exported), ``read`` — runs
every later program under it, so each program it names is unknown code whose path-like
arguments may be written (``cat app/main.py`` is then a write of ``app/main.py``). Shell
builtins (``echo``, ``cd``, ``printf``…) are not programs and stay as they are. Where the value is
shell text a program runs (``LESSOPEN='|sh x %s'``, ``MANPAGER``), it is analysed as Bash too.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.options import _opts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env
    from workspace_guard.gates.harness.bash.syntax import _Word

# variables naming code (a library, a module path, a start-up file, options that load modules)
CODE_VARS = _opts(
    "PATH BASH_ENV LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT LD_PROFILE GCONV_PATH"
    " PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE PYTHONEXECUTABLE PYTHONBREAKPOINT"
    " PYTHONINSPECT NODE_OPTIONS NODE_PATH PERL5OPT PERL5LIB PERLLIB PERL5DB RUBYOPT RUBYLIB"
    " LESSOPEN LESSCLOSE LESSKEYIN LESSKEY MANPAGER MANOPT MANPATH BAT_PAGER SYSTEMD_PAGER"
    " TAR_OPTIONS RIPGREP_CONFIG_PATH JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS"
    " CLASSPATH GEM_HOME GEM_PATH LUA_PATH LUA_CPATH LUA_INIT TCLLIBPATH R_PROFILE"
    " R_PROFILE_USER R_LIBS R_LIBS_USER JULIA_LOAD_PATH JULIA_DEPOT_PATH PHPRC PHP_INI_SCAN_DIR"
    " FZF_DEFAULT_COMMAND FZF_DEFAULT_OPTS VIMINIT EXINIT MYVIMRC GVIMINIT"
    " PROMPT_COMMAND SHELL RSYNC_RSH CVS_RSH SUDO_ASKPASS SUDO_EDITOR SSH_ASKPASS ZDOTDIR"
    " MYPYPATH PYLINTRC"
)
# read by interactive shells only: counts for shells
SHELL_ONLY_VARS = _opts("ENV")
# variables whose value is shell text a program runs (`|` and `%s` of LESSOPEN)
SHELL_TEXT_VARS = _opts(
    "LESSOPEN LESSCLOSE MANPAGER BAT_PAGER SYSTEMD_PAGER FZF_DEFAULT_COMMAND RSYNC_RSH CVS_RSH"
    " SUDO_ASKPASS SUDO_EDITOR PROMPT_COMMAND"
)
# shell builtins and keywords: not programs, never found through PATH or loaded libraries
BUILTINS = _opts(
    "echo printf test [ cd pwd true false : read set shopt export declare typeset local readonly"
    " unset let exit return break continue shift getopts type hash alias unalias jobs wait kill"
    " umask ulimit trap history fc enable times mapfile readarray dirs pushd popd disown bg fg"
    " help logout caller compgen complete compopt suspend builtin command exec eval source ."
)
_SHELLS = _opts("bash sh zsh dash ksh mksh ash fish")


def environment_code(env: _Env, name: str, args: list[_Word]) -> None:
    """A program run in a command that sets a code-loading variable: unknown code, and its
    path-like arguments may be written (``PATH=office:$PATH; cat app/main.py``)."""
    loaded = env.out.assigned & CODE_VARS
    if name in _SHELLS:
        loaded |= env.out.assigned & SHELL_ONLY_VARS
    if not loaded or name in BUILTINS:
        return
    from workspace_guard.gates.harness.bash.mentions import _unknown

    names = ", ".join(sorted(loaded))
    env.unknown_code(f"{name} runs with {names} set by the command: it may load code from there")
    _unknown(env, args)


def shell_text(env: _Env, name: str, value: str) -> None:
    """``LESSOPEN='|sh x %s'``, ``MANPAGER='sh x'``: the value runs as shell text."""
    text = value.strip().lstrip("|").lstrip("-").replace("%s", "FILE")
    if text.strip():
        env.out.find("unknown-code", f"{name}: a program run from this variable")
        env.analyze_text(text)
