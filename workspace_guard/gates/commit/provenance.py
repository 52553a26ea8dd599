"""Identity cross-checked at commit: the message's word against what the harness recorded.

With `harness: require_provenance: true` in the trusted rules (or, where the rules do not say,
git config `workspace-guard.requireProvenance`, which `install --claude`/`--harness` sets), every
staged protected path must hold bytes that an allowed harness call wrote — its blob id is in the
provenance ledger (state/ledger) — by an agent the trusted rules let write it then (owner, office,
superuser, or approved by an approval recorded before the write); the message's `Agente` must be
that agent. `Aprobado-por` must name approvers with an approval recorded in the ledger for that
agent, and `Protocolo: CONSULTA_PREVIA` a consultation the agent filed (not declined). A message's
word alone never grants a protected path.

An accepted commit's provenance (path, blob, agent, tool, ledger seq) is kept as a pending note
keyed by the commit's tree; the reference-transaction hook attaches it to the new commit as a git
note on `refs/notes/workspace-guard` (`attach_notes`).
"""

from __future__ import annotations

import os

from workspace_guard import git
from workspace_guard.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Approval, Decision
    from workspace_guard.core.template import Violation
    from workspace_guard.core.template.fields import Fields
    from workspace_guard.repo import Repo

CONFIG_KEY = "workspace-guard.requireprovenance"  # lower-cased, as git_settings keys are
NOTES_REF = "refs/notes/workspace-guard"
PENDING_DIR = "notes-pending"
TRUE = ("true", "yes", "on", "1")
TRUSTED = ("owner", "office", "superuser", "unprotected")
AUDIT_EACH = 20  # accepted paths audited one record each; the rest share one record


def required(decider: Decider, settings: dict[str, list[str]], repo: Repo | None = None) -> bool:
    """The rules' `harness: require_provenance` when they say; else the config. `settings`
    (what `git config` reports, `-c` included) may turn the check on, never off: with `repo`, the
    config files themselves decide (`provenance_config`: global and local files, includes;
    required when they cannot be read)."""
    harness = decider.rules.harness or {}
    if "require_provenance" in harness:
        return bool(harness["require_provenance"])
    values = settings.get(CONFIG_KEY) or []
    if values and values[-1].strip().lower() in TRUE:
        return True
    if repo is None:
        return False
    from workspace_guard.gates.commit import provenance_config

    return provenance_config.required(repo.info.common_dir, repo.info.git_dir, repo.cwd)


def moment_of(stamp: object) -> float:
    """Epoch seconds of a chain timestamp (`2026-12-06T14:04:21.123Z`); 0.0 when unreadable.
    Sliced by hand: `time.strptime` costs 0.25 ms, and a commit may stage 1,000 paths."""
    import calendar

    if not isinstance(stamp, str) or len(stamp) < 19 or stamp[10] != "T":
        return 0.0
    try:
        fields = (stamp[0:4], stamp[5:7], stamp[8:10], stamp[11:13], stamp[14:16], stamp[17:19])
        year, month, day, hour, minute, second = map(int, fields)
        fraction = stamp[20:].rstrip("Z") if stamp[19:20] == "." else ""
        whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
        return whole + (float("0." + fraction) if fraction.isdigit() else 0.0)
    except ValueError:
        return 0.0


def staged_blobs(repo: Repo, paths: Sequence[str]) -> dict[str, str]:
    """path → blob id in the index (a path missing here is deleted by the commit).

    Read from `git diff --cached --raw` (the staged change against HEAD, blob ids included):
    `ls-files` with 1,000 pathspecs matches each against the whole index. A path the diff does
    not list (an amend's change against HEAD's parent) is asked of `ls-files`."""
    from workspace_guard.core.paths import nfc

    wanted = set(paths)
    out: dict[str, str] = {}
    seen: set[str] = set()
    ask = ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff"]
    proc = git.run([*ask, "--ignore-submodules=none"], repo.root, check=False)
    items = proc.stdout.split(b"\0") if proc.returncode == 0 else []
    for meta, name in zip(items[0::2], items[1::2], strict=False):
        fields = meta.split(b" ")
        path = nfc(name.decode("utf-8", "surrogateescape"))
        if len(fields) == 5 and path in wanted:
            seen.add(path)
            new = fields[3].decode("ascii")
            if new.strip("0"):
                out[path] = new
    rest = [p for p in paths if p not in seen]
    out.update(listed_blobs(repo, ["ls-files", "-s", "-z"], rest))
    return out


def listed_blobs(repo: Repo, ask: Sequence[str], paths: Sequence[str]) -> dict[str, str]:
    """path → blob id as `git ls-files -s` (the index, stage 0) or `git ls-tree -r` (a commit)
    lists `paths`, asked in batches (a commit may hold 10,000 of them)."""
    from workspace_guard.core.paths import nfc

    out: dict[str, str] = {}
    tree = "ls-tree" in ask
    for start in range(0, len(paths), 2000):
        batch = paths[start : start + 2000]
        for item in git.run(["--literal-pathspecs", *ask, "--", *batch], repo.root).stdout.split(
            b"\0"
        ):
            meta, _tab, name = item.partition(b"\t")
            fields = meta.split(b" ")
            if len(fields) != 3 or fields[1 if tree else 2] != (b"blob" if tree else b"0"):
                continue
            out[nfc(name.decode("utf-8", "surrogateescape"))] = fields[2 if tree else 1].decode(
                "ascii"
            )
    return out


class Ledger:
    """What the ledger says about the staged protected paths (trusted records only)."""

    def __init__(self, state_dir: str, paths: Sequence[str], consulted: bool) -> None:
        from workspace_guard.state.approvals import (
            APPROVAL_KINDS,
            CONSULT_KINDS,
            approvals_among,
            as_approvals,
            consultations_among,
            ledger_records,
        )
        from workspace_guard.state.ledger import writes_of

        self.writes: dict[str, list[dict[str, Any]]] = writes_of(state_dir, paths)
        # the same scan the ownership check made for `live_approvals` (cached per process)
        found = ledger_records(state_dir, APPROVAL_KINDS)
        if consulted:
            found = [*found, *ledger_records(state_dir, CONSULT_KINDS)]
        self.approval_records = approvals_among(found)
        self.approvals: list[tuple[float, Approval]] = [
            (moment_of(r.get("ts")), a) for r in self.approval_records for a in as_approvals(r)
        ]
        self.consultations: list[dict[str, Any]] = []
        self.answers: dict[str, dict[str, Any]] = {}
        if consulted:
            self.consultations, self.answers = consultations_among(found)

    def live_at(self, moment: float) -> list[Approval]:
        return [
            a for ts, a in self.approvals if ts <= moment and (a.until is None or a.until > moment)
        ]

    def decisions(
        self, decider: Decider, pairs: Sequence[tuple[dict[str, Any], str]]
    ) -> list[Decision | None]:
        """The trusted rules' decision for each (record, path): for the record's agent at the
        record's time. Records are decided in batches of the same agent and the same live
        approvals (without approvals, one verdict per rule: 1,000 paths, a handful of verdicts);
        None for an agent the trusted rules do not know."""
        out: list[Decision | None] = [None] * len(pairs)
        groups: dict[tuple[str, tuple[int, ...]], list[int]] = {}
        for index, (record, _path) in enumerate(pairs):
            agent = record.get("agent")
            if not isinstance(agent, str) or agent not in decider.rules.agents:
                continue
            live = self.live_at(moment_of(record.get("ts"))) if self.approvals else []
            groups.setdefault((agent, tuple(map(id, live))), []).append(index)
        for (agent, live_ids), indexes in groups.items():
            live = [a for _ts, a in self.approvals if id(a) in live_ids] if live_ids else []
            paths = [pairs[i][1] for i in indexes]
            made = decider.shared_verdicts(agent, paths, live)
            for index, decision in zip(indexes, made, strict=True):
                out[index] = decision
        return out

    def consulted(self, agent: str, path: str) -> bool:
        """`agent` filed a consultation about `path` that was not declined."""
        for item in self.consultations:
            if item.get("agent") == agent and path in (item.get("paths") or []):
                reply = self.answers.get(str(item.get("id")))
                if reply is None or reply.get("answer") != "decline":
                    return True
        return False


def cross_check(
    repo: Repo,
    decider: Decider,
    fields: Fields,
    who: str,
    paths: Sequence[str],
    *,
    blobs: dict[str, str] | None = None,
) -> tuple[list[Violation], list[Decision], list[dict[str, Any]]]:
    """(violations, decisions at fault, provenance of the protected paths); `blobs`: path →
    blob of a commit already made (gates/commit/rewrite), else the index's."""
    rules = decider.governing_rules(paths)
    protected = [
        p for p, r in zip(paths, rules, strict=True) if r is not None and r.level != "none"
    ]
    if not protected:
        return [], [], []
    if blobs is None:
        blobs = staged_blobs(repo, protected)
    book = Ledger(repo.state_dir, protected, fields.protocol == "consulted")
    pairs = [
        (record, path)
        for path in protected
        for record in book.writes.get(path, ())
        if record.get("blob") == blobs.get(path)
    ]
    decided = {id(r): d for (r, _p), d in zip(pairs, book.decisions(decider, pairs), strict=True)}
    found: list[Violation] = []
    at_fault: list[Decision] = []
    entries: list[dict[str, Any]] = []
    for path in protected:
        blob = blobs.get(path)
        problem, entry, decision = _check_path(decider, book, decided, fields, who, path, blob)
        if problem is not None:
            found.append(problem)
            if decision is not None:
                at_fault.append(decision)
        if entry is not None:
            entries.append(entry)
    found += _unrecorded_approvers(book, fields, who, protected)
    return found, at_fault, entries


def _check_path(  # noqa: PLR0917 - internal, one call site
    decider: Decider,
    book: Ledger,
    decided: dict[int, Decision | None],
    fields: Fields,
    who: str,
    path: str,
    blob: str | None,
) -> tuple[Violation | None, dict[str, Any] | None, Decision | None]:
    from workspace_guard.core.template import Violation

    history = book.writes.get(path, [])
    allowed = []
    for record in history:
        if record.get("blob") == blob:
            decision = decided.get(id(record))
            if decision is not None and decision.allowed:
                allowed.append((record, decision))
    mine = [(r, d) for r, d in allowed if r.get("agent") == who]
    if not mine:
        claimed = decider.decide(who, path) if who in decider.rules.agents else None
        if allowed:
            writers = ", ".join(dict.fromkeys(str(r.get("agent")) for r, _d in allowed))
            last = allowed[-1][0]
            text = _(
                "`{path}` was written by {writers} (provenance ledger: {tool}, {ts}), but the "
                "message says `Agente: {agent}`: a commit of a protected path is made as the "
                "agent the harness saw write it"
            ).format(
                path=path, writers=writers, tool=last.get("tool"), ts=last.get("ts"), agent=who
            )
            return Violation("provenance-agent", text, path), None, claimed
        return Violation("provenance-missing", _missing(path, blob, history), path), None, claimed
    record, decision = mine[-1]
    entry = {
        "path": path,
        "blob": blob,
        "agent": who,
        "claimed": fields.agent,
        "tool": record.get("tool"),
        "harness": record.get("harness"),
        "agent_id": record.get("agent_id"),
        "session": record.get("session"),
        "seq": record.get("seq"),
        "ts": record.get("ts"),
        "reason": decision.reason,
        "owner": decision.owner,
        "level": decision.level,
    }
    if (
        fields.protocol == "consulted"
        and decision.reason not in TRUSTED
        and not book.consulted(who, path)
    ):
        text = _(
            "`Protocolo: CONSULTA_PREVIA`, but {agent} filed no consultation about `{path}` (or "
            "it was declined): `workspace-guard consult {path} --agent {agent}`, and commit after "
            "the answer"
        ).format(agent=who, path=path)
        return Violation("consultation-unrecorded", text, path), entry, decision
    return None, entry, None


def _missing(path: str, blob: str | None, history: list[dict[str, Any]]) -> str:
    what = (
        _("deleting it") if blob is None else _("this content (blob {blob})").format(blob=blob[:12])
    )
    text = _(
        "`{path}` is protected and no write the harness allowed left {what}: it was changed "
        "outside the harness, by an agent not allowed to, or after the allowed write "
        "(`harness: require_provenance`)."
    ).format(path=path, what=what)
    if history:
        last = history[-1]
        said = _("The ledger's last version of it was written by {agent} ({tool}, {ts}).")
        text += " " + said.format(agent=last.get("agent"), tool=last.get("tool"), ts=last.get("ts"))
    else:
        text += " " + _("The ledger records no write of it.")
    return (
        text
        + " "
        + _(
            "Make the change through the harness as an agent that may, or restore it: "
            "git restore --staged --worktree -- {path}"
        ).format(path=path)
    )


def _unrecorded_approvers(
    book: Ledger, fields: Fields, who: str, paths: Sequence[str]
) -> list[Violation]:
    """Every `Aprobado-por` name needs an approval it recorded for `who` on a staged path."""
    from workspace_guard.core.decide import _covers
    from workspace_guard.core.template import Violation

    out = []
    for name in fields.approved_by:
        recorded = any(
            a.approver == name and a.agent == who and any(_covers(a.path, p) for p in paths)
            for _ts, a in book.approvals
        )
        if not recorded:
            text = _(
                "`Aprobado-por: {name}`, but the provenance ledger records no approval by {name} "
                "for {agent} of these paths: an approval is recorded by the approver itself "
                "(`workspace-guard approve {agent} PATH --by {name}`, run by {name})"
            ).format(name=name, agent=who)
            out.append(Violation("approval-unrecorded", text))
    return out


# --- after the commit -----------------------------------------------------------------------------


def audit_accepted(repo: Repo, who: str, entries: list[dict[str, Any]]) -> None:
    """The audit record of an accepted commit touching protected paths: claimed and recorded
    agents, one record per path up to `AUDIT_EACH`, then one for the rest (a commit may stage
    1,000 protected paths; each chained record costs a hash)."""
    from workspace_guard.state.audit import append

    escalation = repo.decider().rules.escalation

    def one(e: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {
            "layer": "commit",
            "agent": who,
            "path": e["path"],
            "owner": e.get("owner"),
            "level": e.get("level"),
            "action": "committed",
            "escalate_to": escalation,
            "claimed": e.get("claimed"),
            "recorded": e.get("agent"),
            "blob": e.get("blob"),
            "ledger_seq": e.get("seq"),
            **more,
        }

    records = [one(e) for e in entries[:AUDIT_EACH]]
    rest = entries[AUDIT_EACH:]
    if rest:
        paths = [e["path"] for e in rest]
        records.append(one(rest[0], paths=paths, count=len(paths)))
    append(repo.state_dir, records)


def keep_pending(
    repo: Repo, who: str, entries: list[dict[str, Any]], approved_by: Sequence[str] = ()
) -> None:
    """The note for the commit being made, keyed by its tree (written from the index now);
    `approved_by`: the approvers the cross-check found recorded (the push gate compares them
    with `Aprobado-por`, gates/push/notes)."""
    import json

    from workspace_guard.fsutil import atomic_write
    from workspace_guard.state import ensure_dir

    tree = git.out(["write-tree"], repo.root)
    folder = ensure_dir(os.path.join(repo.state_dir, PENDING_DIR))
    _forget_stale(folder)
    note = {"workspace-guard": 1, "agent": who, "paths": entries, "approved_by": list(approved_by)}
    text = json.dumps(note, ensure_ascii=False, sort_keys=True, indent=1)
    atomic_write(os.path.join(folder, tree + ".json"), text, encoding="utf-8", makedirs=False)


def _forget_stale(folder: str, age: float = 86400.0) -> None:
    """Notes of commits that never happened (refused after commit-msg, aborted) go after a day."""
    import time

    limit = time.time() - age
    for entry in os.scandir(folder):
        try:
            if entry.stat().st_mtime < limit:
                os.unlink(entry.path)
        except OSError:
            continue


def attach_notes(repo: Repo, data: bytes) -> None:
    """`reference-transaction committed`: attach pending notes to the commits HEAD moved to."""
    folder = os.path.join(repo.state_dir, PENDING_DIR)
    try:
        pending = set(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    if not pending:
        return
    tips = []
    for line in data.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or parts[2].startswith("refs/notes/") or set(parts[1]) <= {"0"}:
            continue
        if parts[2] != "HEAD" and not parts[2].startswith("refs/heads/"):
            continue
        tips.append(parts[1])
        ask = ["rev-parse", "-q", "--verify", parts[1] + "^{tree}"]
        tree = git.run(ask, repo.root, check=False)
        name = tree.stdout.decode("ascii", "replace").strip() + ".json"
        if name not in pending:
            continue
        path = os.path.join(folder, name)
        git.run(["notes", "--ref", NOTES_REF, "add", "-f", "-F", path, parts[1]], repo.root)
        os.unlink(path)
        pending.discard(name)
    _attach_by_commit(repo, folder, pending, tips)


def _attach_by_commit(repo: Repo, folder: str, pending: set[str], tips: list[str]) -> None:
    """Pending notes keyed by commit id (gates/commit/rewrite: commits made without commit-msg)
    go on their commit once a moved branch or HEAD reaches it."""
    from workspace_guard.gates.commit.rewrite import COMMIT_PREFIX

    for name in sorted(pending):
        if not name.startswith(COMMIT_PREFIX) or not name.endswith(".json"):
            continue
        sha = name[len(COMMIT_PREFIX) : -len(".json")]
        reached = any(
            git.run(["merge-base", "--is-ancestor", sha, tip], repo.root, check=False).returncode
            == 0
            for tip in dict.fromkeys(tips)
        )
        if not reached:
            continue
        path = os.path.join(folder, name)
        git.run(["notes", "--ref", NOTES_REF, "add", "-f", "-F", path, sha], repo.root)
        os.unlink(path)
