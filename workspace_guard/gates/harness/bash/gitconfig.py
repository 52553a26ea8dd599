"""git settings that run commands or skip the hooks: ``-c``, ``git config``, ``GIT_*`` variables.

Why: ``git -c alias.x='!sed -i … app/main.py' x`` or ``git -c core.editor=… commit`` runs any
command through a git invocation that otherwise only reads, and ``--no-verify`` or
``core.hooksPath`` skips the commit hooks that check ownership. The first is code the analysis
cannot see (a write of everything it could reach, plus an ``unknown-code`` finding, and the value
is analysed as shell text where it is one); the second is a ``bypass`` the gate refuses outright.
"""

from __future__ import annotations

import re

from workspace_guard.core.gitconfig_keys import ALWAYS, BY_VALUE, enforcement_key, matches
from workspace_guard.gates.harness.bash.codevars import SHELL_TEXT_VARS, shell_text
from workspace_guard.gates.harness.bash.syntax import BYPASS, REF_WRITE, UNKNOWN_CODE, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

HOOKS_PATH = re.compile(r"core\.hookspath", re.I)
_TRACE_TARGET = re.compile(r"trace2\.(?:normal|perf|event)target", re.I)
# Keys whose value is a command git runs (or a file that may hold such keys).
EXEC_KEY = re.compile(
    r"alias\..+|core\.(?:fsmonitor|editor|pager|sshcommand|askpass|gitproxy|attributesfile"
    r"|worktree)|sequence\.editor|diff\.external|pager\..+|gpg\.(?:.+\.)?program"
    r"|credential\.(?:.+\.)?helper|uploadpack\.packobjectshook|protocol\..+\.allow"
    r"|include\.path|includeif\..+\.path|init\.templatedir|interactive\.difffilter|web\.browser"
    r"|(?:diff|merge|filter|remote|browser|man|mergetool|difftool)\..+\."
    r"(?:command|textconv|driver|clean|smudge|process|uploadpack|receivepack|cmd|path)",
    re.I,
)
# Variables that name a command git runs.
EXEC_VARS = frozenset(
    {
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "GIT_PAGER",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_EXTERNAL_DIFF",
        "GIT_ASKPASS",
        "GIT_PROXY_COMMAND",
        "GIT_EXEC_PATH",
        "GIT_TEMPLATE_DIR",
        "EDITOR",  # git's editor when GIT_EDITOR and core.editor are unset
        "VISUAL",
        "PAGER",
        "BROWSER",
        "SSH_ASKPASS",
    }
)
EDITOR_VARS = frozenset({"GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "EDITOR", "VISUAL"})
# Editors that leave the file as it is: git's non-interactive idiom (`GIT_EDITOR=true`).
NO_OP_EDITORS = frozenset({"true", ":", "cat", "/bin/true", "/usr/bin/true", "/bin/cat"})
NO_VERIFY_SUBS = frozenset(
    ["commit", "merge", "am", "rebase", "push", "pull", "cherry-pick", "revert"]
)


# Classes of refused settings, each refused in its own words (``shell.py``): BYPASS findings
# carry ``(class, key)`` as their args.
HOOKS = "hooks"  # core.hooksPath: where git looks for hooks
PROGRAM = "program"  # a value git runs as a program
WORKTREE_CONFIG = "worktree-config"  # a second config file per worktree, another work tree
INCLUDE = "include"  # settings or hook templates read from another file
REMOTE = "remote"  # where the trusted remote's refs come from; a URL that runs a program
OWN = "workspace-guard"  # workspace-guard's own settings
RUNTIME = "runtime"  # a key, file or subcommand known only at run time
NO_VERIFY = "no-verify"
SECTION = "section"  # a whole section renamed or removed
EDIT = "edit"  # git config --edit
_CLASSES = (
    (HOOKS, ("core.hookspath",)),
    (WORKTREE_CONFIG, ("extensions.worktreeconfig", "core.worktree")),
    (INCLUDE, ("include.*", "includeif.*", "core.attributesfile", "init.templatedir")),
    (OWN, ("workspace-guard.*",)),
    (
        REMOTE,
        (
            "remote.*.url",
            "remote.*.pushurl",
            "remote.*.fetch",
            "url.*.insteadof",
            "url.*.pushinsteadof",
            "protocol.allow",
            "protocol.*.allow",
        ),
    ),
)


def key_class(key: str) -> str:
    """Which class of enforcement setting ``key`` is (:data:`PROGRAM` unless listed)."""
    for cls, patterns in _CLASSES:
        if any(matches(key.strip(), p) for p in patterns):
            return cls
    return PROGRAM


# sections of the enforcement table: renaming or removing one may make or drop such a key
SECTIONS = frozenset(p.partition(".")[0] for p in ALWAYS + BY_VALUE)
_DYNAMIC = re.compile(r"[$`*?\[]")
_GLOB = re.compile(r"[*?\[]")


def dynamic(text: str) -> bool:
    """Text that holds an expansion, a substitution or a glob (an environment variable's value)."""
    return bool(_DYNAMIC.search(text))


def known(word: _Word, upto: str = "") -> bool:
    """A word the analysis reads as the shell will pass it: no expansion, and no unquoted glob
    (before the first `upto`, when given: `-c KEY=VALUE` globs in the value leave the key)."""
    if not word.literal:
        return False
    for part in word.parts:
        text = part.text.partition(upto)[0] if upto else part.text
        if part.kind == "u" and _GLOB.search(text):
            return False
        if upto and upto in part.text:
            break
    return True


def setting(
    env: _Env,
    key: str,
    value: str,
    how: str,
    *,
    kept: bool = False,
    known: bool = True,
    value_known: bool = True,
) -> None:
    """A git setting made for one call (``-c``) or kept (``git config``): judge its key.

    A key only known at run time is taken to be ``core.hooksPath``; a kept write of a key in the
    enforcement table (core/gitconfig_keys, the daemon's table too) is refused like it."""
    if not known:
        env.out.find(BYPASS, f"{how} {key}: the setting is only known at run time", args=(RUNTIME,))
        return
    if _TRACE_TARGET.fullmatch(key.strip()) and value_known and value.strip():
        log_file(env, "GIT_TRACE2", value)  # trace2.eventTarget=/abs/file: every git appends
    if HOOKS_PATH.fullmatch(key.strip()):
        env.out.find(BYPASS, f"{how} {key}: git would skip the installed hooks", args=(HOOKS, key))
        return
    values = [value] if value_known else None
    table = enforcement_key(key, values)
    if kept and table:
        env.out.find(
            BYPASS,
            f"{how} {key}: a setting that matters to enforcement",
            args=(key_class(key), key),
        )
    if EXEC_KEY.fullmatch(key.strip()) or table:
        env.out.find(UNKNOWN_CODE, f"{how} {key}: git runs this command")
        env.add_any("git-exec")
        code = value[1:] if value.startswith("!") else value
        if code.strip() and not key.lower().startswith(("include", "core.attributes")):
            env.analyze_text(code)


# Variables whose value is a file a command appends to (a trace, a key log, a history): the
# value is a write target. git's trace variables take an absolute path (a directory: a file per
# process in it); "1", "2", "true" or a descriptor number write to stderr or that descriptor.
LOG_FILE_VARS = frozenset(
    {
        "SSLKEYLOGFILE",
        "LESSHISTFILE",
        "NODE_REPL_HISTORY",
        "PYTHON_HISTORY",
        "SQLITE_HISTORY",
        "MYSQL_HISTFILE",
        "PSQL_HISTORY",
        "REDISCLI_HISTFILE",
        "PYTHONPYCACHEPREFIX",
    }
)
_NOT_A_FILE = re.compile(r"\d*|true|false|yes|no|on|off", re.I)


def git_variable(name: str) -> bool:
    """A variable :func:`variable` judges (git's own, the programs git falls back to, files
    commands log to)."""
    return (
        name.upper().startswith("GIT_")
        or name in EXEC_VARS
        or name in LOG_FILE_VARS
        or name in SHELL_TEXT_VARS
    )


def log_file(env: _Env, name: str, value: str) -> bool:
    """``GIT_TRACE*=PATH`` and the like: the file (or folder) is written."""
    upper = name.upper()
    if not (upper.startswith("GIT_TRACE") or upper in LOG_FILE_VARS):
        return False
    if not _NOT_A_FILE.fullmatch(value.strip()):
        from workspace_guard.gates.harness.bash.env import _join

        dynamic_value = dynamic(value)
        env.add_path(_join(env.ctx.cwd, value), "log-file", not dynamic_value, dynamic_value)
    return True


def variable(env: _Env, name: str, value: str) -> None:
    """``GIT_CONFIG_*``/``GIT_EDITOR``… set for a command: the same judgement as ``-c``."""
    upper = name.upper()
    if log_file(env, name, value):
        return
    if name in SHELL_TEXT_VARS:  # `LESSOPEN='|sh x %s'`: shell text a program runs
        shell_text(env, name, value)
        return
    if upper == "GIT_NOTES_REF":  # `git notes` writes there (gates/harness/state_refs.py)
        from workspace_guard.gates.harness.bash.notesrefs import ANY_NOTES, notes_ref

        ref = ANY_NOTES if dynamic(value) or not value.strip() else notes_ref(value.strip())
        env.out.find(REF_WRITE, f"{name}={value}", env.ctx.cwd, (ref,))
        return
    if upper == "GIT_CONFIG_PARAMETERS" or upper.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VAL")):
        if HOOKS_PATH.search(value):
            env.out.find(
                BYPASS, f"{name}={value}: git would skip the installed hooks", args=(HOOKS, value)
            )
        elif upper.startswith("GIT_CONFIG_KEY_") and (
            dynamic(value) or enforcement_key(value, None)
        ):
            cls = RUNTIME if dynamic(value) else key_class(value)
            env.out.find(
                BYPASS, f"{name}={value}: a setting that matters to enforcement", args=(cls, value)
            )
        elif EXEC_KEY.search(value) or upper.startswith("GIT_CONFIG_VAL"):
            env.out.find(UNKNOWN_CODE, f"{name}: git settings given through the environment")
            env.add_any("git-exec")
    elif upper in ("GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"):
        detail = f"{name}={value}: git reads its settings from a file this command chooses"
        env.out.find(BYPASS, detail, args=(RUNTIME, name))
    elif upper in EXEC_VARS and value.strip():
        if upper in EDITOR_VARS and value.strip() in NO_OP_EDITORS:
            env.ctx.vars[upper] = value.strip()  # `GIT_SEQUENCE_EDITOR=true git rebase -i`
            return
        env.out.find(UNKNOWN_CODE, f"{name}: git runs this command")
        env.add_any("git-exec")  # an editor may rewrite the todo list with `exec` lines
        env.analyze_text(value)


def remote_url(env: _Env, args: list[_Word]) -> None:
    """``git remote add|set-url NAME URL``: an ``ext::``/``fd::`` URL runs a program when fetched
    (the same judgement as ``git config remote.NAME.url``)."""
    texts = [w.text for w in args if not w.text.startswith("-")]
    if texts[:1] in (["add"], ["set-url"]) and len(texts) > 2:
        name = texts[1]
        for url in texts[2:]:
            if enforcement_key(f"remote.{name}.url", [url], ""):
                detail = f"git remote {texts[0]} {name} {url}: git would run a program"
                env.out.find(BYPASS, detail, args=(REMOTE, url))


def no_verify(sub: str, texts: list[str]) -> str | None:
    """The option that skips the hooks (``--no-verify``, its abbreviations, ``commit -n``)."""
    if sub not in NO_VERIFY_SUBS:
        return None
    for text in texts:
        if text == "--":
            break
        if len(text) >= 6 and "--no-verify".startswith(text):  # `--no-v`: git's abbreviation
            return text
        if sub == "commit" and text.startswith("-") and not text.startswith("--"):
            cluster = text[1:]
            for ch in cluster:
                if ch == "n":
                    return text
                if ch in "mFCctS":  # takes a value: the rest of the cluster is that value
                    break
    return None
