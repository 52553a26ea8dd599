"""Instructions a command reads from a file are judged without reading the file (ATTACK F92).

Why: a file a command takes its instructions from (the patch of ``apply_patch < F`` or ``git
apply F``, the script of ``ed FILE < F``) can be rewritten between the gate's decision and the
command's use of it: a background job started by an earlier, allowed call (``nohup sh -c 'sleep
2; cp evil p.patch' &``) swaps it while this command sleeps. So the gate never reads such a file:
a patch file counts as changing every file (the answer says how to give the patch inline), an
editor script from a file is code the gate cannot read, one from a pipe any file. Text given in
the command itself cannot change and is read: a quoted here-document always, any other text only
when it expands nothing (``$``, backquotes and backslash-newlines change it at run time).
"""

from __future__ import annotations

import re

from workspace_guard.gates.harness.bash.env import _Env, _Stdin
from workspace_guard.gates.harness.bash.syntax import GIT_WORKTREE, _Word

# the resolver of `worktree_ops` for a patch given on stdin; args: (strip, directory, text)
STDIN_PATCH = "\x00stdin-patch"
_EXPANDS = re.compile(r"[$`]|\\\n")
_TAKES = frozenset(
    {"-p", "-C", "--directory", "--exclude", "--include", "--whitespace", "--patch-format"}
)
# `git am` steps that apply what an earlier `git am` left, not the text given now
_STEPS = frozenset(
    {"--abort", "--quit", "--continue", "--skip", "--resolved", "-r", "--retry", "-i"}
    | {"--show-current-patch", "--interactive", "--edit-todo"}
)


def fixed_text(stdin: _Stdin) -> bool:
    """The text on stdin is in the command itself and the shell will not change it."""
    return stdin.kind == "text" and (stdin.quoted or not _EXPANDS.search(stdin.text))


def git_stdin_patch(env: _Env, sub: str, args: list[_Word]) -> bool:
    """``git apply|am`` with the patch as text on stdin (``git apply <<'EOF' … EOF``): record
    it for ``worktree_ops``, which reads its paths from the repository's top; True when done.
    A patch file, or text that may change, is left to the caller (every file)."""
    if sub not in ("am", "apply") or not fixed_text(env.stdin) or "$" in env.ctx.cwd:
        return False
    if not all(w.literal for w in args):
        return False
    texts = [w.text for w in args]
    strip, directory, k = "1", "", 0
    while k < len(texts):
        name, value = texts[k], ""
        k += 1
        if name in _STEPS or name.partition("=")[0] in _STEPS:
            return False
        if name in _TAKES:
            value, k = (texts[k] if k < len(texts) else ""), k + 1
        elif name.startswith("--") and "=" in name:
            name, _, value = name.partition("=")
        elif name.startswith("-p") and name[2:].isdigit():
            name, value = "-p", name[2:]
        elif name.startswith("-") and not name.startswith("--") and len(name) > 1:
            if any(c in name[1:] for c in "pCi"):  # a cluster holding a value: not read
                return False
            continue
        elif name != "-":
            return False  # a patch file: never read (it may change before git reads it)
        if name == "-p":
            if not value.isdigit():
                return False
            strip = value
        elif name == "--directory":
            directory = value
    detail = " ".join(["git", sub, *texts, "<<EOF"])
    env.out.find(GIT_WORKTREE, detail, env.ctx.cwd, (STDIN_PATCH, strip, directory, env.stdin.text))
    return True


def editor_stdin(env: _Env, name: str) -> None:
    """An editor reads commands (``ed``, ``ex``, ``vi -es``) or keys (``vim`` with no
    terminal) on stdin: from a file, code the gate cannot read; from a pipe, any file.
    Text in the command is judged by its words (``mentions``)."""
    if env.stdin.kind == "file":
        env.unknown_code(f"{name}: editor commands read from a file")
    elif env.stdin.kind == "unknown":
        env.unknown_code(f"{name}: editor commands read from a pipe")
        env.add_any("stdin-script")
