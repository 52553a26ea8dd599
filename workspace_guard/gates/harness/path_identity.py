"""Every spelling a tool's path may have, judged (ATTACK F81, F82, F83): the gate's one resolver.

Each door (file tools, MCP file tools, apply_patch, the Bash and PowerShell analyses, the Gemini,
Codex, Cursor and Cline shapes) hands its paths here before they are judged:

- :func:`spelled` — a path as written, the name Windows opens for it (`core/canon.py`) and, for
  an 8.3 short name (`MAIN~1.PY`), every entry of its folder it may stand for (one listing,
  only then);
- :func:`folded` — the path with its part below the repository (or the home folder)
  case-folded (each character a file system reads as an ASCII one made that one), for the
  checks of git's directory and the harnesses' settings (`.GIT/hooks`, `.gıt/hooks`,
  `.Claude/settings.json`);
- :func:`decide` — the decision for a repository path under the rules and under the rules read
  as each file system compares names (`core/casefold.py`: NTFS's simple upper case, APFS's
  case folding and normalisation…), the strictest one, with a note naming the protected
  path a case variant stands for.

Pure string work plus, for a short name, one directory listing: no subprocess.
"""

from __future__ import annotations

import os

from workspace_guard.core.canon import deep_fold, short_name_at, spellings
from workspace_guard.gates.harness.kernel_paths import absolute as absolute_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from workspace_guard.core.casefold import FoldedRules
    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Agent, Approval, Decision, ProtectedRule
    from workspace_guard.gates.harness.bash.syntax import Target
    from workspace_guard.repo import Repo

MAX_SHORT = 4096  # entries a short name may stand for; past it, the folder itself


def spelled(paths: Iterable[str], cwd: str) -> list[str]:
    """Every name the file system may open for each of `paths` (see the module), in order."""
    out: dict[str, None] = {}
    for path in paths:
        for each in spellings(path):
            out[each] = None
            for name in _short_names(each, cwd, 3):
                out[name] = None
    return list(out)


def spelled_targets(targets: Sequence[Target], cwd: str) -> list[Target]:
    """The Bash analysis's targets with their other spellings (same kind, same certainty)."""
    from workspace_guard.core.record import replace

    out: list[Target] = []
    for target in targets:
        out.append(target)
        out += [replace(target, path=p) for p in spelled([target.path], cwd)[1:]]
    return out


def _short_names(path: str, cwd: str, depth: int) -> list[str]:
    """The paths an 8.3 short name in `path` may stand for: each entry of its folder in its
    place (nested short names resolved `depth` deep); none when the folder does not exist."""
    at = short_name_at(path)
    if at < 0 or depth <= 0:
        return []
    parts = path.split("/")
    folder = "/".join(parts[:at]) or ("/" if path.startswith("/") else "")
    where = os.path.join(cwd, os.path.expanduser(folder)) if folder else cwd
    try:
        entries = sorted(os.listdir(where))
    except (OSError, ValueError):
        return []
    if len(entries) > MAX_SHORT:
        return [folder or "."]
    out: list[str] = []
    for entry in entries:
        name = "/".join([*parts[:at], entry, *parts[at + 1 :]])
        out.append(name)
        out += _short_names(name, cwd, depth - 1)
    return out


def folded(root: str, path: str, cwd: str) -> str | None:
    """`path` with its part below the repository root (or the home folder) case-folded, where
    that differs: the name a case-insensitive system opens for a literal file the gate guards."""
    absolute = absolute_path(path, cwd)
    for each in (root, os.path.expanduser("~")):
        top = each.rstrip(os.sep)
        if top and absolute.startswith(top + os.sep):
            rel = absolute[len(top) + 1 :]
            lower = deep_fold(rel)  # `.GIT`, `.gıt` (NTFS: `ı` is `I`), `.ǅ`… (F97)
            return os.path.join(top, lower) if lower != rel else None
    return None


# --- deciding -------------------------------------------------------------------------------------


def decide(
    repo: Repo, decider: Decider, agent: str, targets: Sequence[str]
) -> tuple[list[Decision], str]:
    """The decision for each repository path of `targets` (a symlink: its target's too, the
    stricter), under the rules and the rules read without regard to case; and a note for the
    denials that stand on a case variant of a protected path."""
    from workspace_guard.core.casefold import folded_rules
    from workspace_guard.state.approvals import live_approvals

    approvals = live_approvals(repo.state_dir)
    view = folded_rules(decider)
    notes: list[str] = []
    out = []
    for rel in targets:
        names = [rel]
        target = repo.link_target(rel) if rel else None
        if target:
            names.append(target)
        found = [_one(decider, view, agent, n, approvals=approvals, notes=notes) for n in names]
        out.append(max(found, key=lambda d: d.rank))
    return out, " ".join(dict.fromkeys(notes))


def _one(
    decider: Decider,
    view: FoldedRules,
    agent: str,
    path: str,
    *,
    approvals: Sequence[Approval],
    notes: list[str],
) -> Decision:
    """The stricter of the decision for `path` under the rules and under the folded rules."""
    rules = decider.rules
    registered = agent in rules.agents
    strict = (rules.harness or {}).get("unknown_agent") == "deny"
    if registered:
        plain = decider.decide(agent, path, approvals)
    else:
        plain = _guest(decider, agent, path, rules.office_of(path), None, strict=strict)
    if not path or view.same_as_rules(path):
        return plain
    other = plain
    for office, rule in view.locations(path):  # NTFS's, APFS's… reading of the name (F97)
        if registered:
            each = decider.verdict(agent, path, office, rule, approvals=approvals)
        else:
            each = _guest(decider, agent, path, office, rule, strict=strict, located=True)
        other = each if each.rank > other.rank else other
    if other is plain:
        return plain
    if other.rule is not None and not other.allowed:
        notes.append(_case_note(path, other.rule))
    return other


def _case_note(path: str, rule: ProtectedRule) -> str:
    from workspace_guard.i18n import _

    return _(
        "{path} differs only in letter case from {protected} (rule at {source}): on macOS and "
        "Windows it is that file, so it is judged as protected on every platform."
    ).format(path=path, protected=rule.pattern.lstrip("/"), source=rule.source)


def _guest(
    decider: Decider,
    agent: str,
    path: str,
    office: Agent | None,
    rule: ProtectedRule | None,
    *,
    strict: bool = False,
    located: bool = False,
) -> Decision:
    """An agent the registry does not know (e.g. a harness's built-in subagent): it owns nothing
    and has no office, so it may write only unprotected paths — or nothing at all with
    `harness: unknown_agent: deny`."""
    from workspace_guard.core.model import Decision

    rules = decider.rules
    if not located:
        rule = decider.governing_rule(path)
    where = office.office if office else None
    escalation = rules.escalation
    if strict:
        owner = rule.owner if rule else None
        return Decision(
            agent=agent,
            path=path,
            allowed=False,
            reason="protected",
            owner=owner,
            level="high",
            rule=rule,
            escalation=escalation,
            office=where,
        )
    if rule is None or rule.level == "none":
        return Decision(
            agent=agent,
            path=path,
            allowed=True,
            reason="unprotected",
            rule=rule,
            escalation=escalation,
            office=where,
        )
    return Decision(
        agent=agent,
        path=path,
        allowed=False,
        reason="protected",
        owner=rule.owner,
        backup=rule.backup,
        level=rule.level,
        rule=rule,
        escalation=escalation,
        office=where,
    )
