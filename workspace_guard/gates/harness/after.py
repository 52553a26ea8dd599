"""The harness's after-tool event (`PostToolUse`, Gemini's `AfterTool`): record what was written.

The call is decided again exactly as before it ran (same paths, same Bash analysis); every path
the gate allows is hashed now, after the write, and appended to the provenance ledger with the
agent the harness named (`agent_type`, `agent_id`, session). A path whose call the gate would
deny is never recorded: an allowed-looking record can only come from an allowed call. When the
ledger cannot be written the hook exits 2 with the records on stderr (the harness shows it): the
write stays unrecorded, so the watch daemon and the commit cross-check treat it as nobody's.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.gates.harness.gate import Call, Verdict
    from workspace_guard.repo import Repo

AFTER_EVENTS = ("PostToolUse", "AfterTool", "postToolUse")
SKIP = "-"  # not a blob id: a directory or other non-file


_HASHERS: dict[str, Any] = {}


def _hasher(object_format: str) -> Any:
    """The SHA-1 / SHA-256 constructor, from CPython's built-in modules where there are some:
    `hashlib` loads OpenSSL (about 3 ms a process, against 0.25 ms for `_sha1`), paid by every
    after-tool event. Looked up once per process: a failed import is not cached by Python."""
    found = _HASHERS.get(object_format)
    if found is None:
        names = ("_sha1",) if object_format == "sha1" else ("_sha2", "_sha256")
        for name in names:
            try:
                found = getattr(__import__(name), object_format)
                break
            except (ImportError, AttributeError):
                continue
        if found is None:
            import hashlib

            found = getattr(hashlib, object_format)
        _HASHERS[object_format] = found
    return found


def blob_id(path: str, object_format: str = "sha1") -> str | None:
    """The git blob id of what is at `path` now (a symlink: its target text); None: nothing
    there; SKIP: a directory or other non-file, which is not a version of anything."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    if stat.S_ISLNK(info.st_mode):
        data = os.fsencode(os.readlink(path))
    elif stat.S_ISREG(info.st_mode):
        with open(path, "rb") as handle:
            data = handle.read()
    else:
        return SKIP
    digest = _hasher(object_format)()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return str(digest.hexdigest())


def object_format(repo: Repo) -> str:
    """sha1 or sha256, as the repository's object ids are."""
    head = repo.info.head
    if head and len(head) == 64:
        return "sha256"
    if head:
        return "sha1"
    from workspace_guard import git

    value = git.config_get("extensions.objectformat", repo.info.common_dir)
    return "sha256" if value == "sha256" else "sha1"


def _text(event: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = event.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def records(
    repo: Repo, call: Call, verdict: Verdict, event: dict[str, Any]
) -> list[dict[str, Any]]:
    """One ledger record per allowed path of the call (nothing when any path was denied: the
    harness did not run the call)."""
    if verdict.denied:
        return []
    fmt = object_format(repo)
    out: list[dict[str, Any]] = []
    base = {
        "harness": call.source,
        "agent": verdict.agent,
        "agent_type": call.agent,
        "agent_id": _text(event, "agent_id"),
        "session": _text(event, "session_id", "conversation_id", "taskId"),
        "tool": call.tool,
        "tool_use_id": _text(event, "tool_use_id"),
    }
    for decision in verdict.allowed:
        blob = blob_id(os.path.join(repo.root, decision.path), fmt)
        if blob == SKIP:
            continue
        out.append(
            {
                "kind": "write" if blob is not None else "delete",
                **base,
                "path": decision.path,
                "blob": blob,
                "office": decision.reason == "office",
                "reason": decision.reason,
            }
        )
    return out


def after_tool(call: Call, event: dict[str, Any]) -> int:
    """Decide the finished call again and append its writes to the ledger of each repository it
    wrote in (found from the paths, as the gate found them: `discover.py`); 2 when that fails."""
    from workspace_guard.gates.harness.discover import repositories
    from workspace_guard.gates.harness.gate import evaluate
    from workspace_guard.state import ledger

    code = 0
    for repo in repositories(call):
        if repo.info.root is None:
            continue
        found = records(repo, call, evaluate(repo, call), event)
        if found and not ledger.append(repo.state_dir, found):
            code = 2
    return code
