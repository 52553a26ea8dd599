"""What every adopted protocol gets by default: its own files protected, a main-thread agent,
and the language of its documents.

An import that protects the project's files but not the protocol's is a lock whose key hangs
beside it: an agent edits the rules (or the documents the rules are imported from, or the agent
definitions and hook settings of its harness), commits with `Protocolo: SEGUIDO`, and owns the
file it wanted. So the rules file, `.claude/`, the protocol documents and the validator the
prompts run are protected at level critical, owned by the escalation agent (the seed says
"Autorización cambios: Solo master-orchestrator"), and the import says so.

These rules are appended last: the last matching rule decides, so no earlier rule can give a
protocol file away. Offices are not affected (a `*` never crosses `/`, and offices are decided
before protected rules).
"""

from __future__ import annotations

import re
from typing import Any

from workspace_guard.adopt.report import ImportResult
from workspace_guard.i18n import N_, _

DEFAULT_SOURCE = N_("workspace-guard defaults (the protocol's own files)")  # shown translated
PROTOCOL_FILES: tuple[tuple[str, str], ...] = (  # notes written in the rules' language
    ("/.workspace/*.md", N_("The protocol's documents (PROTECTED_FILES, RESPONSIBLE_AGENTS, …)")),
    ("/.workspace/project/", N_("Per-file metadata the importer reads owners from")),
    ("/.workspace/scripts/", N_("The validator the agent prompts run, and the protocol's scripts")),
    ("/.workspace/rules.yaml", N_("These rules: nobody grants themselves a file")),
    ("/.claude/", N_("Agent definitions, settings and harness hooks")),
)
# Words that tell the two languages apart in protocol documents (counted, not parsed).
SPANISH = frozenset(
    "de la el los las que para con por una del archivos agente agentes nivel solo nunca "  # noqa: SIM905
    "modificar responsable antes debe sin".split()
)
ENGLISH = frozenset(
    "the of and to for with by an files agent agents level only never modify owner before "  # noqa: SIM905
    "must without".split()
)


def protect_protocol_files(result: ImportResult) -> list[str]:
    """Append the protocol-file rules to `result.data` (owner: the escalation agent); the
    patterns added, each reported as an info finding."""
    data = result.data
    escalation = data.get("escalation")
    protected: list[dict[str, Any]] = data.setdefault("protected", [])
    added: list[str] = []
    for pattern, note in PROTOCOL_FILES:
        rule: dict[str, Any] = {"pattern": pattern, "level": "critical", "note": _(note)}
        if escalation:
            rule["owner"] = escalation
        protected[:] = [r for r in protected if r.get("pattern") != pattern]
        protected.append(rule)
        result.sources[f"protected:{pattern}"] = DEFAULT_SOURCE
        added.append(pattern)
    who = escalation or _("the superusers")
    result.note(
        "info",
        DEFAULT_SOURCE,
        _(
            "the protocol's own files are protected at level critical, owned by {who}: "
            "{patterns} (without this an agent could grant itself any file by editing the "
            "rules or the documents they come from)"
        ).format(who=who, patterns=", ".join(added)),
    )
    return added


def set_main_agent(result: ImportResult) -> str | None:
    """`harness: main_agent` = the escalation agent, unless already set; says what it allows.

    Without a main-thread agent, Claude Code's main thread (which names no subagent) is refused
    on every call, even `ls`. The escalation agent is the one the protocol already lets decide
    everything; where it is a superuser the main thread may change every protected file itself,
    so the finding says which and how to make it consult instead.
    """
    data = result.data
    harness: dict[str, Any] = data.setdefault("harness", {})
    if harness.get("main_agent") or not data.get("escalation"):
        return None
    agent = str(data["escalation"])
    harness["main_agent"] = agent
    critical = [r["pattern"] for r in data.get("protected", []) if r.get("level") == "critical"]
    if agent in data.get("superusers", []):
        shown = ", ".join(critical[:6])
        if len(critical) > 6:
            shown = _("{shown} and {n} more").format(shown=shown, n=len(critical) - 6)
        effect = _(
            "{agent} is a superuser, so the main thread may change every protected file itself, "
            "including the {n} critical ones ({shown}); to make it consult the owners like any "
            "agent, set `harness: main_agent` to an agent that is not a superuser"
        ).format(agent=agent, n=len(critical), shown=shown)
    else:
        effect = _("it may change what {agent} owns and must consult for the rest").format(
            agent=agent
        )
    result.note(
        "info",
        DEFAULT_SOURCE,
        _(
            "harness: main_agent: {agent} — Claude Code's main thread (the session that names "
            "no subagent) acts as {agent}; {effect}"
        ).format(agent=agent, effect=effect),
    )
    return agent


def detect_language(texts: list[str]) -> str | None:
    """`es` when the documents are mostly Spanish, `en` when mostly English, else None."""
    words = re.findall(r"[a-záéíóúñ]+", " ".join(texts).lower())
    spanish = sum(1 for w in words if w in SPANISH)
    english = sum(1 for w in words if w in ENGLISH)
    if spanish >= 20 and spanish > 2 * english:
        return "es"
    if english >= 20 and english > 2 * spanish:
        return "en"
    return None
