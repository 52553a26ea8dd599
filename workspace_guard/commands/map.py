"""`map`: one self-contained HTML page of who owns what, and where the protocol was broken.

Every tracked file (`git ls-files`) is decided once, the way every layer decides (offices first,
then the last matching protected rule), against the trusted rules; the recent violations from the
audit log are attached to their paths. The page embeds that as JSON and draws it client-side
(inline CSS and JS, nothing fetched), so it can be mailed, attached to a CI run or opened offline.

Speed: one `git ls-files -z`, one pass of the compiled pattern index over all paths, an office
lookup by path prefixes (a dict probe per directory level, not a scan of every office), and a
compact row per file. 50,000 files take well under a second here (benchmarks/bench_map.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from workspace_guard import __version__, git, trust_root
from workspace_guard.commands.map_folds import folded_trees, ignored_paths
from workspace_guard.core.duration import parse_since
from workspace_guard.core.paths import nfc
from workspace_guard.errors import ConfigError, UsageError
from workspace_guard.fsutil import atomic_write
from workspace_guard.i18n import _, language, ngettext, strerror
from workspace_guard.state.audit import read
from workspace_guard.state.claims import ClaimsCorrupt, live

if TYPE_CHECKING:
    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import ProtectedRule, Rules
    from workspace_guard.repo import Repo

TEMPLATE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, "resources", "map.html"
)
PLACEHOLDER = "/*WORKSPACE_GUARD_DATA*/null"
PER_PATH = 5  # recent audit records kept per path (the count covers them all)
KIND_OF_LEVEL = {"critical": "c", "high": "h", "none": "u"}


def run(repo: Repo, output: str | None, since: str | None = "30d") -> int:
    """Write the page to `output` (`-` is stdout); without one: stdout, or a file when a terminal
    would receive it."""
    page = render(collect(repo, parse_since(since, time.time())))
    if output is None and sys.stdout.isatty():
        output = os.path.join(repo.state_dir, "map.html")
        print(where(output, output), file=sys.stderr)
    if output is None or output == "-":
        sys.stdout.write(page)
        sys.stdout.flush()
    else:
        write(output, page)
        print(where(output, os.path.abspath(output)), file=sys.stderr)
    return 0


def where(output: str, absolute: str) -> str:
    """The line that says where the page was written, and how to open it."""
    return _("workspace-guard: the map is in {path}\n  open file://{absolute}").format(
        path=output, absolute=absolute
    )


def collect(repo: Repo, since: str | None = None) -> dict[str, Any]:
    """The page's data: rules, offices, one row per file, recent violations per path."""
    decider = repo.decider()
    rules = decider.rules
    paths = [nfc(p) for p in git.ls_files(repo.root)]
    offices = sorted((a for a in rules.agents.values() if a.office), key=lambda a: a.office or "")
    violations, by_agent = recent_violations(repo.state_dir, since)
    files = file_rows(decider, paths, [a.office or "" for a in offices])
    tracked = set(paths)
    files += [[path, "x", -1] for path in sorted(violations) if path not in tracked]
    return {
        "repo": os.path.basename(repo.root.rstrip("/")) or repo.root,
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "version": __version__,
        "rules_file": rules.path,
        "rules_source": rules_source(repo),
        "since": since,
        "escalation": rules.escalation,
        "superusers": list(rules.superusers),
        "agents": agent_rows(rules),
        "rules": [rule_row(r) for r in rules.protected],
        "offices": [{"agent": a.name, "path": a.office, "source": a.source} for a in offices],
        "files": files,
        "violations": violations,
        "by_agent": by_agent,
        "claims": _claims(repo),
        "folded": folded_trees(paths, ignored_paths(repo.root)),
        "lang": language(),
        "text": header_text(),
    }


def header_text() -> dict[str, str]:
    """The page's words in the user's language (the page fills in the `{…}`): the header, the
    tree, the details, the agents and claims tables. A count's words come in two forms, `KEY_one`
    and `KEY_other` (gettext's plural for 1 and for many), chosen by the page."""
    text = {
        "title": _("Workspace map · {repo}"),
        "rules": _("rules {file} ({source})"),
        "source_file": _("file"),
        "source_working_tree": _("working tree"),
        "source_no_rules": _("{head}; {name} has no rules yet"),
        "escalation": _("escalation {agent}"),
        "superusers": _("superusers {names}"),
        "generated": _("generated {time} by workspace-guard {version}"),
        "c": _("{n} critical"),
        "h": _("{n} high"),
        "o": _("{n} in an office"),
        "u": _("{n} unprotected"),
        "x": _("{n} not tracked"),
        "violations": _("violations"),
        "violations_since": _("violations since {date}"),
        "search": _("Search by path or agent (e.g. app/api, security-backend-ai)"),
        "every_agent": _("every agent"),
        "every_kind": _("every kind"),
        "kind_c": _("critical"),
        "kind_h": _("high"),
        "kind_o": _("offices"),
        "kind_u": _("unprotected"),
        "kind_v": _("with violations"),
        # the body
        "tree": _("repository tree"),
        "select": _("Select a file or folder to see who decides it."),
        "agents": _("Agents"),
        "live_claims": _("Live claims"),
        "col_agent": _("agent"),
        "col_critical": _("critical"),
        "col_high": _("high"),
        "col_office": _("office"),
        "col_violations": _("violations"),
        "col_claims": _("claims"),
        "col_kind": _("kind"),
        "col_until": _("until"),
        "col_when": _("when"),
        "col_action": _("action"),
        "col_layer": _("layer"),
        "level_c": _("critical"),
        "level_h": _("high"),
        "level_o": _("office"),
        "level_u": _("unprotected"),
        "level_x": _("not tracked"),
        "nothing": _("Nothing matches."),
        "first": _(" — showing the first {n}"),
        "more": _("show {n} more of {left}"),
        "office_of": _("office of {agent} ({path})"),
        "rule_at": _("rule `{pattern}` at {source}"),
        "untracked": _("not tracked (deleted, or never committed)"),
        "no_rule": _("no rule"),
        "kind": _("kind"),
        "owner": _("owner"),
        "nobody": _("nobody: anyone may change it"),
        "backups": _("backups"),
        "decided_by": _("decided by"),
        "note": _("note"),
        "escalation_key": _("escalation"),
        "the_start": _("the start"),
        "superuser": _("superuser"),
        "none": _("none"),
        "shared": _("shared"),
        "exclusive": _("exclusive"),
        "map_error": _("map error: {message} (line {line})"),
        "vendored": _("vendored"),
        "ignored": _("ignored by git"),
        "folded_title": _("{path}: folded ({why}); click to open"),
        "vendored_why": _("a vendored tree"),
        "ignored_why": _("every file here matches the ignore rules"),
    }
    for suffix, n in (("_one", 1), ("_other", 2)):  # the two forms gettext has for Spanish
        text["folded" + suffix] = ngettext("{n} file folded", "{n} files folded", n)
        text["trees" + suffix] = ngettext(
            "in {n} vendored or ignored tree: {list}", "in {n} vendored or ignored trees: {list}", n
        )
        text["matching" + suffix] = ngettext("{n} matching file", "{n} matching files", n)
        text["violations_of" + suffix] = ngettext(
            "{n} violation since {since}", "{n} violations since {since}", n
        )
        text["files" + suffix] = ngettext("{n} file", "{n} files", n)
    return text


def rules_source(repo: Repo) -> str:
    """Where the rules in force were read (map and doctor say it): `file` (--rules), `working
    tree`, or the trusted revision — `origin/main`, a recorded rulesRef, or `HEAD`, with why
    when the trusted branch has no rules yet and HEAD's are read instead."""
    if repo.rules_option:
        return "file"
    blob = repo.info.rules_blob
    if not blob:
        return "working tree"
    trusted = repo.trusted
    if trusted is None or trusted.ref is None or not trusted.commit:
        return "HEAD"
    name = trust_root.describe(trusted)
    spec = f"{trusted.commit}:{trust_root.RULES_PATH}"
    proc = git.run(["rev-parse", "-q", "--verify", spec], repo.root, check=False)
    if proc.returncode == 0 and proc.stdout.decode("ascii", "replace").strip() == blob:
        return name
    return f"HEAD; {name} has no rules yet"


def _claims(repo: Repo) -> list[dict[str, Any]]:
    """The live claims (a corrupt claims file shows as none here; `doctor` reports it)."""
    try:
        return [c.to_json() for c in live(repo.state_dir).claims]
    except ClaimsCorrupt:
        return []


def file_rows(decider: Decider, paths: list[str], offices: list[str]) -> list[list[Any]]:
    """`[path, kind, ref]` per path: kind c/h (protected), o (office), u (unprotected);
    ref is the deciding rule's index (c, h, u) or the office's (o), -1 for none."""
    protected = decider.rules.protected
    matches = decider.index.match_many(paths)
    by_office = {office: index for index, office in enumerate(offices)}
    in_folder: dict[str, int] = {}  # folder -> its office (files of a folder share it)
    rows: list[list[Any]] = []
    append = rows.append
    for path, found in zip(paths, matches, strict=True):
        office = -1
        if by_office:
            folder = path.rpartition("/")[0]
            office = in_folder.get(folder, -2)
            if office == -2:
                office = in_folder[folder] = office_index(folder, by_office) if folder else -1
            office = by_office.get(path + "/", office)  # a file named like an office
        if office >= 0:
            append([path, "o", office])
        elif found >= 0:
            append([path, KIND_OF_LEVEL.get(protected[found].level, "u"), found])
        else:
            append([path, "u", -1])
    return rows


def office_index(path: str, by_office: dict[str, int]) -> int:
    """The deepest office containing `path` (as `Rules.office_of`), by probing its prefixes."""
    probe = path + "/"
    best = -1
    cut = probe.find("/")
    while cut >= 0:
        found = by_office.get(probe[: cut + 1], -1)
        if found >= 0:
            best = found
        cut = probe.find("/", cut + 1)
    return best


def rule_row(rule: ProtectedRule) -> dict[str, Any]:
    return {
        "pattern": rule.pattern,
        "owner": rule.owner,
        "backup": list(rule.backup),
        "level": rule.level,
        "note": rule.note,
        "source": rule.source,
    }


def agent_rows(rules: Rules) -> list[dict[str, Any]]:
    return [
        {
            "name": a.name,
            "department": a.department,
            "office": a.office,
            "superuser": a.name in rules.superusers,
        }
        for a in sorted(rules.agents.values(), key=lambda a: a.name)
    ]


def recent_violations(
    state_dir: str, since: str | None
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Per path: how many audit records since `since` and the latest few (newest first); and
    how many records each agent has."""
    out: dict[str, dict[str, Any]] = {}
    by_agent: dict[str, int] = {}
    for record in read(state_dir):
        path = record.get("path")
        if not isinstance(path, str) or not path:
            continue
        if since and str(record.get("ts", "")) < since:
            continue
        agent = record.get("agent")
        if isinstance(agent, str):
            by_agent[agent] = by_agent.get(agent, 0) + 1
        entry = out.setdefault(path, {"count": 0, "recent": []})
        entry["count"] += 1
        entry["recent"].append(_brief(record))
        if len(entry["recent"]) > PER_PATH:
            del entry["recent"][0]
    for entry in out.values():
        entry["recent"].reverse()
    return out, by_agent


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("ts", "agent", "action", "layer", "level", "owner")
    return {key: record.get(key) for key in keys if record.get(key) is not None}


def render(data: dict[str, Any]) -> str:
    """The template with the data embedded (safe inside <script>: no `<`, `>` or `&` left)."""
    try:
        with open(TEMPLATE, encoding="utf-8") as handle:
            template = handle.read()
    except OSError as exc:
        raise ConfigError(
            _("the map template is missing from the installation: {path}").format(path=TEMPLATE),
            hint=_("reinstall workspace-guard"),
        ) from exc
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    head, sep, tail = template.partition(PLACEHOLDER)
    if not sep:
        raise ConfigError(
            _("the map template {path} has no data placeholder").format(path=TEMPLATE)
        )
    return head + text + tail


def write(path: str, text: str) -> None:
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise UsageError(
            _("cannot write {path}: {error}").format(path=path, error=strerror(exc))
        ) from exc
