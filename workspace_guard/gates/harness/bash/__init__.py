"""Which files a Bash command may write: the analysis behind the harness gate's Bash door.

Why: Claude Code's ``PreToolUse`` hook sees a Bash command only as text, and Bash is how agents get
round Edit/Write rules (``sed -i``, ``echo >``, ``python -c "open(...)"``; notes/agent-harnesses.md
§0.4). The gate must deny a command that *may* write a protected path and let the everyday reads
(grep, git log, pytest, ``cat <<EOF > scratch``) through. This module answers the first half as a
pure function of the text and the cwd: no I/O, only ``re``/``posixpath`` and our record classes
imported,
since it runs on every command an agent issues.

Rules for the caller (the harness gate):

* **deny** when any target, certain or not, could write a protected path. :func:`could_write` is
  the reference: the target is the path, or a directory above it (``rm -rf app``), or a glob or
  variable pattern that could match the path or a directory above it;
* **allow** otherwise. ``read_only`` and ``certain`` shape the message, never the decision; with a
  ``parse_error`` the targets are already conservative (every path-like token).

:attr:`Target.path` conventions:

* absolute: joined with the effective cwd (``cd``, ``pushd``, ``git -C``, ``env -C`` followed) by
  ``posixpath.join``, not normalised: normalise before comparing (:func:`could_write` does);
* left as written when it starts with ``~`` (expand with the hook's HOME) or ``$`` (may be
  absolute);
* when ``glob``: ``*``, ``?``, ``[..]`` match within one path component; ``**`` and every ``$VAR``,
  ``${..}``, ``$(..)`` match anything, ``/`` included. The lone path ``*`` (:data:`ANY_PATH`) means
  "any file": what ``xargs rm``, ``git reset --hard``, ``bash -c "$CMD"`` or ``curl … | sh`` may
  write, so the caller denies whenever a protected path exists;
* ``/proc/self/cwd/…``, ``/proc/$$/root/…``, ``/dev/fd/N/…`` and the like are replaced by what
  they name (``bash/procfs.py``); another process's by a ``$PROC_*`` pattern; any other ``/dev/*``
  is never a target.

Fail-closed choices, each a documented over-approximation: an unknown command (neither on the
read-only list nor a known writer) mentions every path-like argument as an uncertain target; inline
interpreter code (``python -c``, ``node -e``, a heredoc fed to ``python -``) with a write-ish call
mentions every path-like string literal; on a syntax error every path-like token is an uncertain
target, besides what the best-effort parse found.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.analysis import analyze
from workspace_guard.gates.harness.bash.policy import could_write
from workspace_guard.gates.harness.bash.syntax import ANY_PATH, Analysis, Target

__all__ = ["ANY_PATH", "Analysis", "Target", "analyze", "could_write"]
