"""The shared repository's protected branch is pinned and its last accepted value recorded (F93).

The server's `reference-transaction` hook (server_moves.py) sees ref *transactions*; git before
2.46 writes `symbolic-ref` outside any transaction, so `git symbolic-ref refs/heads/main
FETCH_HEAD` run in the repository makes its protected branch resolve to any fetched commit, and
`git symbolic-ref HEAD refs/heads/OTHER` repoints its default branch, with no hook run at all. So:

- `install --server` pins the protected branch (`workspace-guard.rulesRef`, from HEAD when it is
  not set), so HEAD's value no longer decides what is protected, and records the state it
  found — the protected ref's value and HEAD's target — in `<git dir>/workspace-guard/pin.json`;
- the transaction hook, in its `committed` state, records the value a push it let through gave
  the protected ref (a refused move is never committed);
- pre-receive and the transaction hook (`prepared`) compare the repository with the record on
  every run: a protected ref that is a symbolic ref, a value other than the recorded one, HEAD
  repointed or detached, or the pin itself changed, refuses every push and every ref move until
  an administrator repairs it (the message says how). A tampered server is thus found at the next
  push at the latest; clones on this machine read the record too (trusted_move.py).

With no record (a repository set up by an older version, before the pin), the first push its
pre-receive judges makes one (`record_missing`) where the state is one an honest upgrade has,
and refuses every push, saying what to repair, where it is not.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from workspace_guard import git
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo

PIN_FILE = "pin.json"
RULES_REF = "workspace-guard.rulesRef"


def record_path(git_dir: str) -> str:
    """Where the record of the repository whose git directory is `git_dir` lies."""
    from workspace_guard.repo import STATE_DIRNAME

    return os.path.join(git_dir, STATE_DIRNAME, PIN_FILE)


def read_record(git_dir: str) -> dict[str, str | None] | None:
    """The record (ref, value, head), or None when there is none or it cannot be read."""
    try:
        with open(record_path(git_dir), encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("ref"), str):
        return None
    return {k: v if isinstance(v, str) else None for k, v in found.items()}


def _write(git_dir: str, record: dict[str, str | None]) -> None:
    from workspace_guard.fsutil import atomic_write

    os.makedirs(os.path.dirname(record_path(git_dir)), exist_ok=True)
    atomic_write(record_path(git_dir), json.dumps(record, sort_keys=True) + "\n")


def _out(args: list[str], cwd: str) -> str | None:
    proc = git.run(args, cwd, check=False)
    text = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return text if proc.returncode == 0 and text else None


def _pinned(git_dir: str) -> str | None:
    name = _out(["config", "--get", RULES_REF], git_dir)
    if not name:
        return None
    return name if name.startswith("refs/") else f"refs/heads/{name}"


def state(git_dir: str, ref: str) -> dict[str, str | None]:
    """What the repository holds now: the ref's value (not followed through a symbolic ref),
    the symbolic ref's target when it is one, and HEAD's target."""
    return {
        "ref": ref,
        "value": _out(["rev-parse", "-q", "--verify", ref], git_dir),
        "symref": _out(["symbolic-ref", "-q", ref], git_dir),
        "head": _out(["symbolic-ref", "-q", "HEAD"], git_dir),
    }


def pin(bare: str) -> str:
    """`install --server`: pin the protected branch and record the state; what was done."""
    ref = _pinned(bare)
    if ref is None:
        ref = _out(["symbolic-ref", "-q", "HEAD"], bare)
        if ref is None:
            return _(
                "warning: HEAD of {path} names no branch: set {key} there, then run install "
                "--server again (the protected branch is not pinned)"
            ).format(path=bare, key=RULES_REF)
        git.run(["config", RULES_REF, ref], bare)
    now = state(bare, ref)
    if now["symref"]:
        return _(
            "warning: {ref} in {path} is a symbolic ref to {target}: nothing recorded; make it a "
            "branch again (`git -C {path} -c core.hooksPath=/dev/null update-ref --no-deref {ref} "
            "COMMIT`), then run install --server again"
        ).format(ref=ref, path=bare, target=now["symref"])
    _write(bare, {"ref": ref, "value": now["value"], "head": now["head"]})
    return _("{key} = {ref} pinned on the server; its value {value} recorded").format(
        key=RULES_REF, ref=ref, value=now["value"] or _("(none yet)")
    )


def tampering(repo: Repo) -> str | None:
    """What in the shared repository changed outside a push since the record; None: nothing
    (or no record)."""
    return tampering_at(repo.info.common_dir)


def problem(git_dir: str) -> str | None:
    """For `doctor`: the tampering the record shows, or — with no record — a protected branch
    that is a symbolic ref; None: none found."""
    if read_record(git_dir) is not None:
        return tampering_at(git_dir)
    ref = _pinned(git_dir) or _out(["symbolic-ref", "-q", "HEAD"], git_dir)
    target = _out(["symbolic-ref", "-q", ref], git_dir) if ref else None
    if ref and target:
        return _("{ref} is a symbolic ref to {target}").format(ref=ref, target=target)
    return None


def tampering_at(git_dir: str) -> str | None:
    """`tampering` of the repository whose git directory is `git_dir`."""
    record = read_record(git_dir)
    if record is None:
        return None
    ref = record["ref"] or ""
    found = []
    pinned = _pinned(git_dir)
    if pinned != ref:
        found.append(
            _("{key} is {value}, not the pinned {ref}").format(
                key=RULES_REF, value=pinned or _("unset"), ref=ref
            )
        )
    now = state(git_dir, ref)
    if now["symref"]:
        found.append(_("{ref} is a symbolic ref to {target}").format(ref=ref, target=now["symref"]))
    if now["value"] != record.get("value"):
        found.append(
            _("{ref} is {value}, not {recorded}, the last value a push gave it").format(
                ref=ref, value=now["value"] or _("missing"), recorded=record.get("value")
            )
        )
    if record.get("head") and now["head"] != record.get("head"):
        found.append(
            _("HEAD names {now}, not {head}").format(
                now=now["head"] or _("no branch"), head=record.get("head")
            )
        )
    if not found:
        return None
    return _(
        "workspace-guard: this shared repository was changed outside a push ({what}): every "
        "push and ref move is refused until an administrator repairs it — check the history, "
        "restore the branch with `git -C {path} -c core.hooksPath=/dev/null update-ref "
        "--no-deref {ref} COMMIT` (last accepted: {recorded}) and HEAD with `git -C {path} -c "
        "core.hooksPath=/dev/null symbolic-ref HEAD {head}`, then run `workspace-guard install "
        "--server {path}` to record the repaired state"
    ).format(
        what="; ".join(found),
        path=git_dir,
        ref=ref,
        recorded=record.get("value") or _("none"),
        head=record.get("head") or ref,
    )


def note_committed(repo: Repo, data: bytes) -> None:
    """The transaction hook's `committed` state: a move of the protected ref went through (its
    `prepared` check let it): record the value the ref has now."""
    git_dir = repo.info.common_dir
    record = read_record(git_dir)
    if record is None:
        return
    ref = record["ref"]
    names = {
        line.split(" ", 2)[2]
        for line in data.decode("utf-8", "surrogateescape").splitlines()
        if line.count(" ") >= 2
    }
    if ref not in names:
        return
    now = state(git_dir, ref or "")
    if now["symref"]:
        return  # never record a symbolic ref as the accepted state
    with contextlib.suppress(OSError):
        _write(git_dir, {**record, "value": now["value"]})


def local_server_refuses(url: str, branch: str, new: str) -> bool:
    """For a clone's trusted ref: whether its remote, a repository on this machine (`url` a
    path or `file://`), refuses `new` for `branch` — its record pins that branch to another
    value, or the branch is a symbolic ref there (changed outside a push, F93)."""
    from workspace_guard.gates.harness.server_repos import _local_path, git_dir_of

    path = _local_path(url)
    located = git_dir_of(path) if path and os.path.isdir(path) else None
    if located is None:
        return False  # another machine, or not readable here: the ls-remote answer stands
    git_dir = located[0]
    if _out(["symbolic-ref", "-q", branch], git_dir):
        return True
    record = read_record(git_dir)
    if record is None or record.get("ref") != branch:
        return False
    return bool(record.get("value")) and record.get("value") != new


CONVENTIONAL = ("refs/heads/main", "refs/heads/master")


def record_missing(repo: Repo) -> str | None:
    """pre-receive on a server whose record is missing (installed by an older version, before
    the pin): make it now, from the state this push finds, where that state is one an honest
    upgrade has; else the refusal (what to repair). None: recorded, or nothing to record yet
    (no protected branch: the usual checks then say why or treat a first push).

    Made on the first push it judges rather than refused until `install --server` runs again:
    the record an administrator's `install --server` would write is the very same state, so a
    refusal adds only a person's look at it, at the price of blocking every push of the team
    at the upgrade. States no honest upgrade has are refused instead: a protected ref that is
    a symbolic ref, and a protected branch chosen by HEAD alone that is neither `main` nor
    `master` (HEAD may have been repointed outside a push: the administrator confirms it by
    pinning `workspace-guard.rulesRef`)."""
    git_dir = repo.info.common_dir
    if read_record(git_dir) is not None:
        return None
    configured = _pinned(git_dir)
    head = _out(["symbolic-ref", "-q", "HEAD"], git_dir)
    ref = configured or head
    if ref is None:
        return None  # detached HEAD, no pin: the base check refuses (no protected branch)
    now = state(git_dir, ref)
    if now["symref"]:
        return _missing_refusal(
            git_dir,
            _("{ref} is a symbolic ref to {target}").format(ref=ref, target=now["symref"]),
            ref,
        )
    if now["value"] is None:
        return None  # missing branch or empty repository: the base check decides
    if configured is None and ref not in CONVENTIONAL:
        return _missing_refusal(
            git_dir,
            _("HEAD names {head}, and no {key} confirms it is the protected branch").format(
                head=ref, key=RULES_REF
            ),
            ref,
        )
    if configured is None:
        git.run(["config", RULES_REF, ref], git_dir)
    _write(git_dir, {"ref": ref, "value": now["value"], "head": head, "made": "first-push"})
    print(
        _(
            "workspace-guard: this shared repository had no record of its protected branch "
            "(installed by an older version): {key} = {ref} pinned and its value {value} "
            "recorded by this push; from now on a change made outside a push is refused"
        ).format(key=RULES_REF, ref=ref, value=now["value"][:10]),
        file=sys.stderr,
    )
    return None


def _missing_refusal(git_dir: str, what: str, ref: str) -> str:
    return _(
        "workspace-guard: this shared repository has no record of its protected branch "
        "(installed by an older version) and it cannot be made from what it holds now ({what}): "
        "every push is refused until an administrator checks it — make the protected branch a "
        "branch that holds the rules (`git -C {path} -c core.hooksPath=/dev/null update-ref "
        "--no-deref {ref} COMMIT`; `git -C {path} config {key} refs/heads/BRANCH`), then run "
        "`workspace-guard install --server {path}`"
    ).format(what=what, path=git_dir, ref=ref, key=RULES_REF)
