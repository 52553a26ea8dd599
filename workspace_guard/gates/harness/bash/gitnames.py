"""``git NAME`` with NAME no git builtin: reported for the gate to resolve.

git runs a builtin, else a ``git-NAME`` program, else the alias ``alias.NAME``; which one is only
known with the file system and git's settings, so the analysis reports the call
(:data:`GIT_COMMAND`) and the gate (``gates/harness/git_commands.py``) analyses what git would run
in its place. ``git -c alias.NAME=…`` aliases are expanded by the analysis itself (``git.py``).
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.options import _opts
from workspace_guard.gates.harness.bash.refs import GIT_DIR_VAR, _literal
from workspace_guard.gates.harness.bash.syntax import GIT_COMMAND, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

# `git NAME ARGS` with NAME no git subcommand runs an alias or a `git-NAME` program: the gate
# resolves which at gate time and judges what it runs (``gates/harness/git_commands.py``).
MAX_ALIASES = 8  # git refuses alias loops; this bounds the expansion of nested aliases
RUNTIME_ARG = "\0runtime"  # an argument only known at run time
# what makes the gate's answer about NAME differ from git's at run time: where git finds
# programs and settings (set in this command), another repository
GIT_ENV = _opts(
    "PATH HOME XDG_CONFIG_HOME GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM GIT_CONFIG_NOSYSTEM"
    " GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_EXEC_PATH GIT_DIR GIT_COMMON_DIR"
)


def git_command(env: _Env, sub: str, options: list[_Word], args: list[_Word], aliases: int) -> None:
    """``git [OPTIONS] NAME ARGS`` with NAME no git subcommand: a :data:`GIT_COMMAND` finding
    the gate resolves (``args``: NAME, whether the environment may differ at run time, how many
    option words follow, the options, the arguments; a run-time word is :data:`RUNTIME_ARG`)."""
    words = " ".join(["git", *(w.text for w in options), sub, *(w.text for w in args)])
    changed = bool(env.out.assigned & GIT_ENV) or any(
        env.ctx.vars.get(n) for n in (GIT_DIR_VAR, "GIT_DIR", "GIT_COMMON_DIR")
    )
    changed = changed or not all(_literal(w) is not None for w in options)
    changed = changed or any(w.text.startswith("--exec-path") for w in options)
    texts = [RUNTIME_ARG if t is None else t for t in map(_literal, [*options, *args])]
    found = (sub, "changed" if changed else "", str(len(options)), str(aliases), *texts)
    env.out.find(GIT_COMMAND, words, env.ctx.cwd, found)
