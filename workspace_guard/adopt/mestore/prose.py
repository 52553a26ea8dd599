"""Owners the documents give in prose: a protected path that no table, rule block or list names
an owner for may still be plainly someone's, e.g. ``alembic/  # Migraciones - Solo DB expert``
under "Modelos de Base de Datos" while the directory says database-architect-ai has
"AUTORIDAD EXCLUSIVA: Modelos y migraciones".

The reading is deliberately narrow and explainable, so a reviewer can check every inference:

- a file the directory names for an agent (``**Archivos**: `auth.py` ``) that is this path's file
  name counts 4;
- every word of at least five letters of the path's heading or note (2) or of the path itself
  (1) that one of the agent's own words begins, or that begins one of them (`MODELO`/`MODELOS`,
  `DOCKER`/`DOCKERFILE`), counts once with its weight; the agent's words come from its
  responsibility, its exclusive authority, the heading its entry stands under, and its scoped
  special permission (``Solo Docker/infra``);
- the best agent owns the path when it scores at least 2 and strictly more than any other; a
  tie is reported with both places and the path stays without an owner.

Every owner found here is reported (info) with the line of the path and the line of the area.
"""

from __future__ import annotations

import re

from workspace_guard.adopt.mestore.model import Area, Claim, Collector, PathClaims
from workspace_guard.adopt.mestore.text import fold
from workspace_guard.i18n import _

MIN_WORD = 5
FILE_WEIGHT, CONTEXT_WEIGHT, PATH_WEIGHT = 4, 2, 1
STOPWORDS = frozenset(
    {
        "ARCHIVO",
        "ARCHIVOS",
        "BACKUP",
        "COMPLETO",
        "CONFIGURACION",
        "CONFIGURACIONES",
        "CRITICO",
        "CRITICOS",
        "CRITICA",
        "CRITICAS",
        "DUPLICAR",
        "DUPLICADOS",
        "GLOBAL",
        "NIVEL",
        "RELACIONADO",
        "SISTEMA",
        "TODOS",
        "USUARIOS",
        "FILES",
        "SYSTEM",
        "CONFIG",
    }
)


def words(text: str) -> set[str]:
    """Significant words: folded, at least five letters, agent names and backticks left out."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b", " ", text)  # agent names, not topics
    found = {fold(w) for w in re.findall(r"[^\W\d_]+", text)}
    return {w for w in found if len(w) >= MIN_WORD and w not in STOPWORDS}


def _related(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _agent_words(col: Collector, area: Area) -> set[str]:
    texts = [area.text, *area.authority, area.category]
    texts += [c.value for c in col.scopes.get(area.agent, [])]
    return set().union(*(words(t) for t in texts))


def _file_named(area: Area, pattern: str) -> bool:
    """The area lists this path's file name (`auth.py`) or the path itself."""
    name = pattern.rstrip("/").rsplit("/", 1)[-1]
    return any(
        token.strip("/") in (name, pattern.strip("/")) for token in area.files if token.strip("/")
    )


def _entry_words(pattern: str, claims: PathClaims) -> dict[str, int]:
    """The path's words with their weight (the heading and the note weigh more than the path)."""
    weighted = dict.fromkeys(words(pattern.replace("/", " ").replace("_", " ")), PATH_WEIGHT)
    for claim in [*claims.contexts, *claims.notes]:
        for word in words(claim.value):
            weighted[word] = CONTEXT_WEIGHT
    return weighted


def scores(col: Collector, pattern: str, claims: PathClaims) -> dict[str, tuple[int, Area]]:
    """Each directory agent's score for `pattern` (agents scoring nothing are left out)."""
    entry = _entry_words(pattern, claims)
    out: dict[str, tuple[int, Area]] = {}
    for area in col.areas:
        mine = _agent_words(col, area)
        score = sum(w for word, w in entry.items() if any(_related(word, m) for m in mine))
        if _file_named(area, pattern):
            score += FILE_WEIGHT
        if score and score > out.get(area.agent, (0, area))[0]:
            out[area.agent] = (score, area)
    return out


def prose_owner(col: Collector, pattern: str, claims: PathClaims) -> Claim | None:
    """The owner the prose gives `pattern` when it is unambiguous; findings either way."""
    ranked = sorted(scores(col, pattern, claims).items(), key=lambda kv: -kv[1][0])
    where = (claims.levels or claims.backups or claims.notes)[0].source
    if not ranked or ranked[0][1][0] < 2:
        return None
    best, (top, area) = ranked[0]
    if len(ranked) > 1 and ranked[1][1][0] == top:
        other, (_count, second) = ranked[1]
        col.warn(
            where,
            _(
                "{pattern}: the documents' prose points at both {best} and {other} as its "
                "owner; no owner is set (name one in a rule block or the responsibility table)"
            ).format(pattern=pattern, best=best, other=other),
            second.source if area.source == where else area.source,
        )
        return None
    col.info(
        where,
        _(
            "{pattern}: owner {best}, read from the prose (its directory entry matches this "
            "path's heading, note or file name); check it"
        ).format(pattern=pattern, best=best),
        area.source,
    )
    return Claim(best, area.source, 99)
