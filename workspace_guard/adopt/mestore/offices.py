"""The agents registry and the offices (`.workspace/departments/<dept>/<agent>/`)."""

from __future__ import annotations

from workspace_guard.adopt.mestore.model import AGENTS_DIR, DEPARTMENTS_DIR, Claim, Collector
from workspace_guard.adopt.mestore.text import distinct_claims, unique
from workspace_guard.i18n import _, ngettext

# --- agents and offices --------------------------------------------------------------------------


def agents_registry(col: Collector, used: list[str]) -> dict[str, dict[str, str]]:
    """Every defined agent plus every agent the rules name (with a warning if it has no file)."""
    names = unique([*col.defined, *used])
    for name in names:
        if name not in col.defined:
            col.warn(
                col.refs.get(name, f"{AGENTS_DIR}/:1"),
                _(
                    "agent {agent} is named here but has no agent file ({path}); it is "
                    "registered so the rules load"
                ).format(agent=name, path=f"{AGENTS_DIR}/{name}.md"),
            )
        elif name.endswith("-ai") and name[:-3] in col.defined:
            col.info(
                col.defined[name],
                _("agents {name} and {other} are both defined; the same agent twice?").format(
                    name=name, other=name[:-3]
                ),
                col.defined[name[:-3]],
            )
    disk = _disk_offices(col, set(names))
    agents: dict[str, dict[str, str]] = {}
    for name in sorted(names):
        col.result.sources[f"agent:{name}"] = col.defined.get(name) or col.refs.get(name, "")
        agents[name] = _office(col, name, disk.get(name, []))
    return agents


def _disk_offices(col: Collector, names: set[str]) -> dict[str, list[str]]:
    """``.workspace/departments/<dept>/<agent>/`` folders of known agents; others summarised."""
    base = col.root / DEPARTMENTS_DIR
    found: dict[str, list[str]] = {}
    strangers: list[str] = []
    departments = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    for dept in departments:
        for sub in sorted(p for p in dept.iterdir() if p.is_dir()):
            rel = f"{DEPARTMENTS_DIR}/{dept.name}/{sub.name}/"
            (found.setdefault(sub.name, []) if sub.name in names else strangers).append(rel)
    if strangers:
        shown = ", ".join(strangers[:5]) + (", …" if len(strangers) > 5 else "")
        col.info(
            f"{DEPARTMENTS_DIR}/:1",
            ngettext(
                "{n} folder is not named after a known agent and is not an office: {shown}",
                "{n} folders are not named after a known agent and are not offices: {shown}",
                len(strangers),
            ).format(n=len(strangers), shown=shown),
        )
    return found


def _office(col: Collector, name: str, disk: list[str]) -> dict[str, str]:
    """The agent's office: its folder on disk, else the one its documents name."""
    stated = [c for c in col.offices.get(name, []) if _office_ok(col, name, c)]
    stated.sort(key=lambda c: c.rank)
    chosen: str | None = None
    if disk:
        chosen = next((d for c in stated for d in disk if d == _office_path(c.value)), disk[0])
        if len(disk) > 1:
            col.warn(
                f"{chosen}:1",
                _("agent {agent} has {n} office folders; {chosen} is kept").format(
                    agent=name, n=len(disk), chosen=chosen
                ),
                f"{next(d for d in disk if d != chosen)}:1",
            )
        for claim in distinct_claims([c for c in stated if _office_path(c.value) not in disk]):
            col.warn(
                claim.source,
                _(
                    "the office of {agent} is given as {stated}, but the folder is {folder}; "
                    "the folder is kept"
                ).format(agent=name, stated=claim.value, folder=chosen),
                f"{chosen}:1",
            )
    elif stated:
        chosen = _office_path(stated[0].value)
        col.info(
            stated[0].source,
            _(
                "the office folder {folder} of {agent} does not exist yet; it is kept as documented"
            ).format(folder=chosen, agent=name),
        )
    if chosen is None:
        return {}
    return {"department": chosen.split("/")[2], "office": chosen}


def _office_path(value: str) -> str:
    """A documented office as ``dir/`` (backticks, ``./`` and slashes normalised)."""
    text = value.strip().strip("`").strip()
    while text.startswith("./"):
        text = text[2:]
    return text.rstrip("/") + "/"


def _office_ok(col: Collector, name: str, claim: Claim) -> bool:
    """Only ``.workspace/departments/<dept>/<this agent>/`` is an office we can grant."""
    parts = _office_path(claim.value).split("/")
    if len(parts) == 5 and "/".join(parts[:2]) == DEPARTMENTS_DIR and parts[3] == name:
        return True
    col.info(
        claim.source,
        _(
            "{value!r} is not {folder}/<department>/{agent}/; not used as the office of {agent}"
        ).format(value=claim.value, folder=DEPARTMENTS_DIR, agent=name),
    )
    return False
