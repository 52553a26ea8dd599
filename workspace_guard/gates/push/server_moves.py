"""The shared repository's refs move only through a push its pre-receive accepted (ATTACK F88).

Pre-receive runs for pushes only. Where the shared bare repository lies on the same filesystem as
the agents, git run *in* it writes its refs with no push at all: `git -C SERVER update-ref
refs/heads/main SHA`, `git -C SERVER fetch CLONE tag:refs/heads/main`, a bundle fetched into it,
`branch -f`, `tag`. So `install --server` also installs `reference-transaction` there (git runs it
for every ref update, and a refusal in the `prepared` state leaves the ref where it was):

- pre-receive, when it accepts a push, records the exact updates it judged — (old, new, ref)
  triples — under `<git dir>/workspace-guard/received/`, keyed to the receive-pack process that
  runs both hooks (its pid and start time, which the hook script passes as `WG_HOOK_PARENT`);
- the transaction hook accepts a move only when the same receive-pack's record holds it (a
  deletion: the ref's deletion, whatever old value git shows); the `HEAD` line git adds when a
  push moves the branch HEAD names follows that branch's line; every other move — a new ref, a
  tag, `HEAD` detached or repointed, a deletion — is refused and audited.

Not moves, and left alone: a line whose new value is the value the ref has (`pack-refs` and `gc`
writing packed-refs), and the pruning of a loose ref whose packed copy holds the same value. A
record is valid for its own receive-pack only; records of processes that are gone are removed
when the next push is recorded. Git older than 2.28 runs no such hook: `install --server` says so.
What this does not stop is a process writing the repository's files itself; docs/security.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from workspace_guard import git
from workspace_guard.errors import EXIT_OK, EXIT_VIOLATION, GuardError
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from workspace_guard.repo import Repo

RECEIVED = "received"
PARENT_VAR = "WG_HOOK_PARENT"
ROLE_VAR = "WG_HOOK_ROLE"
ZERO = frozenset("0")


def server_role() -> bool:
    """Whether this hook was installed by `install --server` (the hook script says so)."""
    return os.environ.get(ROLE_VAR) == "server"


def _process_key() -> str | None:
    """The receive-pack (or other git process) running this hook: pid and, where /proc tells
    it, its start time (a pid reused later is another key). None: not run by the hook script."""
    text = os.environ.get(PARENT_VAR, "")
    if not text.isdigit():
        return None
    try:
        with open(f"/proc/{text}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rpartition(")")[2].split()
        return f"{text}-{fields[19]}"
    except (OSError, IndexError):
        return text


def _records_dir(repo: Repo) -> str:
    return os.path.join(repo.state_dir, RECEIVED)


def note_accepted(repo: Repo, updates: Iterable[tuple[str, str, str]]) -> None:
    """Pre-receive accepted `updates` (old, new, ref): the transaction of this receive-pack may
    make them. Outside the hook script (no key) nothing is recorded, so nothing moves."""
    key = _process_key()
    if key is None or not server_role():
        return
    directory = _records_dir(repo)
    os.makedirs(directory, exist_ok=True)
    _prune(directory)
    from workspace_guard.fsutil import atomic_write

    lines = [[old, new, ref] for old, new, ref in updates]
    atomic_write(os.path.join(directory, key), json.dumps(lines) + "\n")


def _prune(directory: str) -> None:
    """Remove the records of receive-packs that are gone (their pid no longer runs)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        pid = name.partition("-")[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.remove(os.path.join(directory, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _accepted(repo: Repo) -> set[tuple[str, str, str]]:
    key = _process_key()
    if key is None:
        return set()
    try:
        with open(os.path.join(_records_dir(repo), key), encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return set()
    out = set()
    for item in found if isinstance(found, list) else []:
        if isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item):
            out.add((item[0], item[1], item[2]))
    return out


def check(repo: Repo, state: str, data: bytes) -> int:
    """`reference-transaction STATE` in the shared repository: in `prepared`, refuse every move
    its pre-receive did not accept in this receive-pack (exit 1); other states only notify."""
    if state == "committed":  # the protected ref's new value, for the next check (F93)
        from workspace_guard.gates.push.server_pin import note_committed

        note_committed(repo, data)
    if state != "prepared":
        return EXIT_OK
    lines = []
    for line in data.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and (parts[0] != parts[1] or set(parts[1]) <= ZERO):
            lines.append((parts[0], parts[1], parts[2]))
    if not lines:
        return EXIT_OK
    from workspace_guard.gates.push.server_pin import tampering

    if found := tampering(repo):  # changed outside any transaction (symbolic-ref, F93)
        print(found, file=sys.stderr)
        _audit(repo, [ref for _old, _new, ref in lines], "server-tampered")
        return EXIT_VIOLATION
    try:
        bad = _unjudged(repo, lines)
    except GuardError as exc:
        print(exc.render(), file=sys.stderr)
        bad = [ref for _old, _new, ref in lines]
    if not bad:
        return EXIT_OK
    _report(repo, bad)
    return EXIT_VIOLATION


def _unjudged(repo: Repo, lines: list[tuple[str, str, str]]) -> list[str]:
    """The refs of `lines` that move without pre-receive's word."""
    accepted = _accepted(repo)
    deleted = {ref for _old, new, ref in accepted if set(new) <= ZERO}
    values = _values(repo)
    head = _head_target(repo)
    bad = []
    for old, new, ref in lines:
        if ref == "HEAD":  # moved with the branch it names, or itself detached/repointed
            if head is None or (old, new, head) not in lines:
                bad.append(ref)
            continue
        current = values.get(ref)
        gone = set(new) <= ZERO
        if not gone and current == new and _oid(new):
            continue  # the value it has (pack-refs)
        if gone and (current is None or ref in deleted or _pruned(repo, old, ref, current)):
            continue
        if not gone and (old, new, ref) in accepted:
            continue
        bad.append(ref)
    return bad


def _oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _values(repo: Repo) -> dict[str, str]:
    """Every ref's value now (the transaction has not changed any yet)."""
    proc = git.run(["for-each-ref", "--format=%(objectname) %(refname)"], repo.cwd)
    out = {}
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        oid, _sp, name = line.partition(" ")
        out[name] = oid
    return out


def _head_target(repo: Repo) -> str | None:
    proc = git.run(["symbolic-ref", "-q", "HEAD"], repo.cwd, check=False)
    text = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return text if proc.returncode == 0 and text else None


def _pruned(repo: Repo, old: str, ref: str, current: str) -> bool:
    """`pack-refs` removing a loose ref whose packed copy holds the same value."""
    if old != current or not _oid(old):
        return False
    loose = os.path.join(repo.info.common_dir, *ref.split("/"))
    try:
        with open(loose, encoding="ascii", errors="replace") as handle:
            if handle.read().strip() != old:
                return False
        with open(os.path.join(repo.info.common_dir, "packed-refs"), "rb") as handle:
            return f"{old} {ref}".encode() in handle.read().splitlines()
    except OSError:
        return False


def _report(repo: Repo, refs: list[str]) -> None:
    for ref in dict.fromkeys(refs):
        text = _(
            "workspace-guard: {ref} moves in this shared repository only through a push its "
            "pre-receive hook accepted; this update was not one: refused (the ref did not move)"
        )
        print(text.format(ref=ref), file=sys.stderr)
    print(
        _("hint: push the change to this repository (git push); nothing else may move its refs"),
        file=sys.stderr,
    )
    _audit(repo, refs, "server-ref-move")


def _audit(repo: Repo, refs: list[str], violation: str) -> None:
    from workspace_guard.state.audit import append

    records = [
        {
            "layer": "reference-transaction",
            "agent": None,
            "path": None,
            "owner": None,
            "level": None,
            "action": "blocked",
            "escalate_to": None,
            "violations": [violation],
            "ref": ref,
            "commit": None,
        }
        for ref in dict.fromkeys(refs)
    ]
    append(repo.state_dir, records)


def old_git_warning(bare: str) -> str | None:
    """What `install --server` says when this git runs no `reference-transaction` hook."""
    shown = git.without_reference_transaction(bare)
    if shown is None:
        return None
    return _(
        "git {version} runs no reference-transaction hook (it needs git 2.28 or later): in "
        "{path}, git commands run in the repository itself (update-ref, fetch into it) move its "
        "refs without pre-receive; keep agents off its directory (file permissions, git daemon "
        "or ssh) or upgrade git"
    ).format(version=shown, path=bare)
