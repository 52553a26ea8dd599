"""Provenance notes at the push gate: what the commit gate attached travels with the branch and is
compared with the words of each commit.

The commit gate (gates/commit/provenance) attaches to every accepted commit touching a protected
path a git note on `refs/notes/workspace-guard`: per path the blob and the agent the provenance
ledger says wrote it, and the approvers it found recorded. The installed `pre-push` hook pushes
that notes ref before the branch (`push_notes`), so the server has the notes when its
pre-receive hook checks the branch.

When provenance is required (`mode`: the rules' `harness: require_provenance`, else the
server's `workspace-guard.requireProvenance`: `true` refuses, `report` only reports), every new
commit whose own change touches a protected path needs a note whose agent is its `Agente`, that
names each such path with the blob the commit holds, and whose approvers include every
`Aprobado-por` of the message (`NoteCheck`). A commit with no note, or with a note that
disagrees, is refused (or reported) naming both sides.

The notes ref itself (`check_notes_update`): the notes of commits already on the protected
branch are frozen — a push that adds, changes or removes one, or deletes the ref, is refused
(and audited like every refusal); notes of new commits may be added or replaced.

A note proves what the local commit gate saw in the local ledger, no more: it is tamper-evident
(the server keeps what it accepted), not tamper-proof (an agent that forges the clone's ledger
can make the gate write a note for its forgery). docs/security.md says where that ends.
"""

from __future__ import annotations

import sys

from workspace_guard import git
from workspace_guard.i18n import _, ngettext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any

    from workspace_guard.core.model import Rules
    from workspace_guard.gates.push.range import CommitResult
    from workspace_guard.gates.push.trust import Base, Settings
    from workspace_guard.repo import Repo

NOTES_REF = "refs/notes/workspace-guard"
CONFIG_KEY = "workspace-guard.requireProvenance"
PUSH_KEY = "workspace-guard.pushNotes"
TRUE = ("true", "yes", "on", "1", "refuse")
BATCH = 500  # commits whose notes are read in one pair of git calls


def mode(repo: Repo, rules: Rules | None, settings: Settings | None = None) -> str:
    """`off`, `refuse` or `report`: the rules' `harness: require_provenance` when they say (it
    turns the check on or off), else `workspace-guard.requireProvenance` in the repository's
    config (`true`/`refuse`, `report`, `false`). `report` in the config keeps a check the rules
    turn on to a report."""
    from workspace_guard.gates.push.trust import setting

    value = (setting(repo, settings, CONFIG_KEY) or "").strip().lower()
    harness = (rules.harness or {}) if rules is not None else {}
    if "require_provenance" in harness:
        on = bool(harness["require_provenance"])
    else:
        on = value in TRUE or value == "report"
    if not on:
        return "off"
    return "report" if value == "report" else "refuse"


def notes_index(repo: Repo, rev: str | None) -> dict[str, str]:
    """commit id → note blob id of the notes commit `rev` (fan-out directories joined)."""
    if not rev:
        return {}
    proc = git.run(["--no-replace-objects", "ls-tree", "-r", "-z", rev], repo.cwd, check=False)
    if proc.returncode != 0:
        return {}
    found = {}
    for item in proc.stdout.split(b"\0"):
        meta, _tab, name = item.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) != 3 or fields[1] != b"blob":
            continue
        key = name.replace(b"/", b"").decode("ascii", "replace")
        if len(key) in (40, 64) and all(c in "0123456789abcdef" for c in key):
            found[key] = fields[2].decode("ascii")
    return found


def _batch(repo: Repo, names: Sequence[str], check_only: bool) -> dict[str, tuple[str, bytes]]:
    """`git cat-file --batch(-check)`: name → (oid, content) for the names that exist."""
    if not names:
        return {}
    mode_flag = "--batch-check" if check_only else "--batch"
    data = ("\n".join(names) + "\n").encode("utf-8", "surrogateescape")
    proc = git.run(["--no-replace-objects", "cat-file", mode_flag], repo.cwd, input=data)
    out, at = proc.stdout, 0
    found: dict[str, tuple[str, bytes]] = {}
    for name in names:
        end = out.find(b"\n", at)
        header = out[at:end].split(b" ")
        at = end + 1
        if len(header) != 3:  # `<name> missing` / `ambiguous`
            continue
        size = int(header[2])
        body = b""
        if not check_only:
            body, at = out[at : at + size], at + size + 1
        found[name] = (header[0].decode("ascii"), body)
    return found


class NoteCheck:
    """Compares the notes of commits with their messages and trees (one push or range)."""

    def __init__(self, repo: Repo, rules: Rules | None, notes_rev: str | None, how: str) -> None:
        from workspace_guard.core.template import TemplateConfig

        self.repo, self.how = repo, how
        self.notes_rev = notes_rev
        self.index = notes_index(repo, notes_rev)
        self.config = TemplateConfig.from_mapping(rules.commit if rules else None)

    def problems(self, results: Sequence[CommitResult]) -> dict[str, list[str]]:
        """commit id → what its note lacks (only commits that touched protected paths)."""
        touched = [r for r in results if r.touched]
        names = [r.sha for r in touched]
        names += [self.index[r.sha] for r in touched if r.sha in self.index]
        contents = _batch(self.repo, names, check_only=False)
        paths = [f"{r.sha}:{p}" for r in touched for p, _rule in r.touched if "\n" not in p]
        blobs = _batch(self.repo, paths, check_only=True)
        out: dict[str, list[str]] = {}
        for result in touched:
            raw = contents.get(self.index.get(result.sha, ""), ("", None))[1]
            message = contents.get(result.sha, ("", b""))[1]
            found = self._compare(result, raw, message, blobs)
            if found:
                out[result.sha] = found
        return out

    def _compare(
        self,
        result: CommitResult,
        raw: bytes | None,
        commit: bytes,
        blobs: dict[str, tuple[str, bytes]],
    ) -> list[str]:
        agent = result.agent or "?"
        if raw is None:
            return [
                _(
                    "no provenance note: the commit's `Agente: {agent}` is not backed by what the "
                    "commit gate recorded ({ref} holds no note for it)"
                ).format(agent=agent, ref=NOTES_REF)
            ]
        note = _load(raw)
        if note is None:
            return [_("its provenance note is not one the commit gate writes")]
        said = note.get("agent")
        if said != result.agent:
            return [
                _(
                    "its provenance note says the commit gate recorded {recorded}, but the "
                    "message says `Agente: {agent}`"
                ).format(recorded=said, agent=agent)
            ]
        found = self._paths(result, note, blobs)
        found += self._approvers(commit, note)
        return found

    def _paths(
        self, result: CommitResult, note: dict[str, Any], blobs: dict[str, tuple[str, bytes]]
    ) -> list[str]:
        entries = {e.get("path"): e for e in note.get("paths") or [] if isinstance(e, dict)}
        found = []
        for path, _rule in result.touched:
            entry = entries.get(path)
            blob = blobs.get(f"{result.sha}:{path}", (None, b""))[0]
            if entry is None:
                text = _("its provenance note does not name `{path}`").format(path=path)
            elif entry.get("blob") != blob:
                text = _(
                    "its provenance note records `{path}` as blob {noted}, but the commit holds "
                    "{held}: the note was written for other content"
                ).format(path=path, noted=_short(entry.get("blob")), held=_short(blob))
            elif entry.get("agent") != result.agent:
                text = _(
                    "its provenance note says `{path}` was written by {recorded}, but the "
                    "message says `Agente: {agent}`"
                ).format(path=path, recorded=entry.get("agent"), agent=result.agent)
            else:
                continue
            found.append(text)
        return found

    def _approvers(self, commit: bytes, note: dict[str, Any]) -> list[str]:
        from workspace_guard.core.message import MessageEncodingError, parse_message
        from workspace_guard.core.template.fields import read_fields

        body = commit.split(b"\n\n", 1)[1] if b"\n\n" in commit else b""
        try:
            fields = read_fields(parse_message(body), self.config)
        except MessageEncodingError:
            return []  # the template check reports it
        recorded = note.get("approved_by") or []
        missing = [name for name in fields.approved_by if name not in recorded]
        if not missing:
            return []
        return [
            _(
                "`Aprobado-por: {names}`, but its provenance note records no approval by "
                "{names} (recorded: {recorded})"
            ).format(names=", ".join(missing), recorded=", ".join(map(str, recorded)) or "-")
        ]


def _load(raw: bytes) -> dict[str, Any] | None:
    try:
        import json

        note = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(note, dict) or note.get("workspace-guard") != 1:
        return None
    return note


def _short(blob: object) -> str:
    return str(blob)[:12] if blob else _("nothing (deleted)")


def violations(problems: list[str]) -> tuple[Any, ...]:
    from workspace_guard.core.template import Violation

    return tuple(Violation("provenance-note", text) for text in problems)


# --- pre-receive ---------------------------------------------------------------------------------


def notes_source(repo: Repo, updates: Iterable[Any]) -> str | None:
    """The notes commit a push is checked against: the pushed value of the notes ref when the
    push updates it, else the server's."""
    for update in updates:
        if update.ref == NOTES_REF:
            return None if update.deletion else str(update.new)
    from workspace_guard.gates.push.trust import tip_of

    return tip_of(repo, NOTES_REF)


def check_push(
    repo: Repo,
    base: Base,
    updates: Sequence[Any],
    accepted: list[CommitResult],
    settings: Settings | None = None,
) -> list[CommitResult]:
    """pre-receive: the accepted commits that touched protected paths against their notes.
    Refused ones come back (with their violations); in `report` mode they are reported, audited
    (`action: reported`) and nothing is refused."""
    if not any(r.touched for r in accepted):
        return []
    how = mode(repo, base.rules, settings)
    if how == "off":
        return []
    check = NoteCheck(repo, base.rules, notes_source(repo, updates), how)
    found = check.problems(accepted)
    if not found:
        return []
    failing = [with_problems(r, found[r.sha]) for r in accepted if r.sha in found]
    if how == "refuse":
        _hint(sys.stderr)
        return failing
    _report(repo, base, failing)
    return []


def with_problems(result: CommitResult, problems: list[str]) -> CommitResult:
    """`result` with a `provenance-note` violation per problem."""
    from workspace_guard.core.record import replace

    return replace(result, violations=(*result.violations, *violations(problems)))


def _hint(out: Any) -> None:
    text = _(
        "workspace-guard: provenance is required here: each commit that touches a protected path "
        "needs the note the commit gate attached ({ref}). The installed pre-push hook pushes it "
        "(not with --no-verify): git push <remote> {ref}"
    ).format(ref=NOTES_REF)
    print(text, file=out)


def _report(repo: Repo, base: Base, failing: list[CommitResult]) -> None:
    from workspace_guard.state.audit import append

    head = _("workspace-guard: warning: commits whose provenance note is missing or disagrees:")
    print(head, file=sys.stderr)
    escalation = base.rules.escalation if base.rules else None
    records = []
    for result in failing:
        print(f"  {result.ref} {result.sha[:10]} (Agente: {result.agent})", file=sys.stderr)
        for violation in result.violations:
            print(f"    ! [{violation.id}] {violation.message}", file=sys.stderr)
        path, rule = result.touched[0]
        records.append(
            {
                "layer": "pre-receive",
                "agent": result.agent,
                "path": path,
                "owner": rule.owner,
                "level": rule.level,
                "action": "reported",
                "escalate_to": escalation,
                "ref": result.ref,
                "commit": result.sha,
                "violations": ["provenance-note"],
                "reason": result.violations[-1].message,
            }
        )
    append(repo.state_dir, records)


def check_notes_update(repo: Repo, base: Base, update: Any) -> str | None:
    """Why an update of the notes ref is refused, or None: the notes of commits on the
    protected branch (before the push) are never added, changed or removed."""
    if base.tip is None:
        return None
    new = None if update.deletion else str(update.new)
    if new is not None:
        kind = git.run(["cat-file", "-t", new], repo.cwd, check=False)
        if kind.stdout.strip() != b"commit":
            return _("{ref} must point at a notes commit").format(ref=NOTES_REF)
    old = None if update.creation else str(update.old)
    before, after = notes_index(repo, old), notes_index(repo, new)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    frozen = _on_branch(repo, base.tip, changed)
    if not frozen:
        return None
    first = frozen[0]
    what = _("removes") if first not in after else _("changes") if first in before else _("adds")
    return ngettext(
        "this update {what} the provenance note of {sha}, a commit already on {branch} "
        "({count} such note): notes of commits on the protected branch are never rewritten, "
        "removed or added after the fact",
        "this update {what} the provenance note of {sha}, a commit already on {branch} "
        "({count} such notes): notes of commits on the protected branch are never rewritten, "
        "removed or added after the fact",
        len(frozen),
    ).format(what=what, sha=first[:10], branch=base.ref, count=len(frozen))


def _on_branch(repo: Repo, tip: str, shas: list[str]) -> list[str]:
    """The commits among `shas` reachable from `tip`."""
    if not shas:
        return []
    exists = _batch(repo, [f"{s}^{{commit}}" for s in shas], check_only=True)
    present = [s for s in shas if f"{s}^{{commit}}" in exists]
    if len(present) <= 20:
        ask = ["merge-base", "--is-ancestor"]
        return [
            s for s in present if git.run([*ask, s, tip], repo.cwd, check=False).returncode == 0
        ]
    listed = git.run(["--no-replace-objects", "rev-list", tip], repo.cwd).stdout.split()
    reachable = {s.decode("ascii") for s in listed}
    return [s for s in present if s in reachable]


# --- check-commits -------------------------------------------------------------------------------


def checked(
    repo: Repo,
    rules: Rules | None,
    results: Iterator[CommitResult],
    settings: Settings | None = None,
) -> Iterator[CommitResult]:
    """check-commits: each clean commit that touched protected paths checked against the local
    notes ref (CI fetches it: `git fetch origin refs/notes/workspace-guard:refs/notes/…`), in
    batches; `report` mode prints the problems and changes no verdict."""
    how = mode(repo, rules, settings)
    if how == "off":
        yield from results
        return
    from workspace_guard.gates.push.trust import tip_of

    check = NoteCheck(repo, rules, tip_of(repo, NOTES_REF), how)
    pending: list[CommitResult] = []
    for result in results:
        if result.touched and not result.violations:
            pending.append(result)
            if len(pending) >= BATCH:
                yield from _settle(check, pending)
                pending = []
        else:
            yield result
    yield from _settle(check, pending)


def _settle(check: NoteCheck, results: list[CommitResult]) -> Iterator[CommitResult]:
    found = check.problems(results) if results else {}
    for result in results:
        problems = found.get(result.sha)
        if not problems:
            yield result
        elif check.how == "refuse":
            yield with_problems(result, problems)
        else:
            for text in problems:
                shown = _("workspace-guard: warning: {sha}: {problem}")
                print(shown.format(sha=result.sha[:10], problem=text), file=sys.stderr)
            yield result


# --- pre-push: the notes travel with the branch --------------------------------------------------


def tracking_ref(remote: str) -> str:
    return f"refs/workspace-guard/remote-notes/{remote}"


def push_enabled(repo: Repo) -> bool:
    value = (git.config_get(PUSH_KEY, repo.cwd) or "true").strip().lower()
    return value not in ("false", "no", "off", "0")


def push_notes(repo: Repo, remote: str, attempts: int = 3) -> str | None:
    """Send the local notes ref to `remote` before the branch (called by pre-push; the nested
    push runs with --no-verify, so pre-push does not run again). The remote's notes are merged
    in first (theirs win a conflict: the server never lets a pushed note change). Returns why
    it failed, or None."""
    from workspace_guard.gates.push.trust import is_ancestor, tip_of

    local = tip_of(repo, NOTES_REF)
    if local is None or not push_enabled(repo):
        return None
    tracking = tracking_ref(remote)
    failure = ""
    for _attempt in range(attempts):
        fetched = git.run(
            ["fetch", "-q", remote, f"+{NOTES_REF}:{tracking}"], repo.cwd, check=False
        )
        theirs = tip_of(repo, tracking) if fetched.returncode == 0 else None
        if theirs is not None and is_ancestor(repo, local, theirs):
            return None  # the remote has every note this clone has
        if theirs is not None and not is_ancestor(repo, theirs, local):
            merge = ["notes", "--ref", NOTES_REF, "merge", "-q", "-s", "theirs", tracking]
            merged = git.run(merge, repo.cwd, check=False)
            if merged.returncode != 0:
                return merged.stderr.decode("utf-8", "replace").strip() or "git notes merge"
            local = tip_of(repo, NOTES_REF) or local
        pushed = git.run(
            ["push", "-q", "--no-verify", remote, f"{local}:{NOTES_REF}"], repo.cwd, check=False
        )
        if pushed.returncode == 0:
            git.run(["update-ref", tracking, local], repo.cwd, check=False)
            return None
        failure = pushed.stderr.decode("utf-8", "replace").strip()
    return failure or "git push"
