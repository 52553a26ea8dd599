"""Reading the template fields from a parsed message, and the result records of the checks."""

from __future__ import annotations

import re
import unicodedata

from workspace_guard.core.message import (
    Message,
    Trailer,
)
from workspace_guard.core.record import Record
from workspace_guard.core.template.config import (
    _GIT_MERGE,
    CANONICAL,
    KINDS,
    TemplateConfig,
)

TYPE_CHECKING = False  # `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


class Violation(Record):
    """One problem, with a stable id; `path` when it is about one file."""

    id: str
    message: str
    path: str | None = None


class Fields(Record):
    """The template fields as read from the trailer block (what git sees)."""

    agent: str | None = None
    protocol: str | None = None  # meaning: followed | consulted | approved (None: invalid/absent)
    protocol_raw: str | None = None
    approved_by: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # normalised, see the module docstring
    workspace_check: str | None = None
    tests: str | None = None  # as written
    other: tuple[tuple[str, str], ...] = ()  # (field name, value) of configured extra fields


class CheckResult(Record):
    """The outcome of the template checks; `example` is a message that would pass."""

    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]
    fields: Fields
    kind: str
    example: str | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


def to_json(result: CheckResult) -> dict[str, Any]:
    """`check-msg --format json` (contract §6), plus `path`, `kind` and `example`."""

    def item(v: Violation) -> dict[str, Any]:
        return {"id": v.id, "message": v.message, "path": v.path}

    return {
        "ok": result.ok,
        "violations": [item(v) for v in result.violations],
        "warnings": [item(v) for v in result.warnings],
        "kind": result.kind,
        "example": result.example,
    }


# --------------------------------------------------------------------------- reading fields


def commit_kind(msg: Message, parents: int = 1) -> str:
    """merge | revert | fixup | squash | amend | normal.

    Only subjects git itself writes count, so "Merge sort" cannot dodge the template; gates
    pass `parents` (2 when MERGE_HEAD exists) for merges whose subject was edited.
    """
    subject = msg.subject
    if parents > 1 or _MERGE_SUBJECT.match(subject):
        return "merge"
    if _REVERT_SUBJECT.match(subject):
        return "revert"
    if not subject.startswith(_SKIP_PREFIXES):
        return "normal"
    return next((k for k in KINDS[2:] if subject.startswith(k + "! ")), "normal")


_SKIP_PREFIXES = tuple(kind + "! " for kind in KINDS[2:])
_MERGE_SUBJECT = re.compile(_GIT_MERGE)
_REVERT_SUBJECT = re.compile(r'^(Revert|Reapply) ".*"$')
_NORMALIZED: dict[str, str] = {}


def normalize_path(entry: str) -> str:
    """An `Archivo` entry as a repository path (see the module docstring). Memoised: the push
    gate asks for the same paths across thousands of commits."""
    known = _NORMALIZED.get(entry)
    if known is None:
        known = _normalize_path(entry)
        if len(_NORMALIZED) < 100_000:
            _NORMALIZED[entry] = known
    return known


_ANNOTATION = re.compile(r"\s+\([^()/]*\)$")
_SLASHES = re.compile(r"/{2,}")


def _normalize_path(entry: str) -> str:
    # each step only where its character occurs: most entries are plain ASCII paths
    path = entry.strip()
    while len(path) > 1 and path[0] == path[-1] and path[0] in "`'\"":
        path = path[1:-1].strip()
    if "(" in path:
        path = _ANNOTATION.sub("", path)
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if not path.isascii():
        path = unicodedata.normalize("NFC", path)
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def _collect(trailers: Iterable[Trailer], config: TemplateConfig) -> dict[str, list[Trailer]]:
    """Template trailers by field name, in message order."""
    found: dict[str, list[Trailer]] = {}
    for trailer in trailers:
        spec = config.field_for_key(trailer.key)
        if spec is not None:
            found.setdefault(spec.name, []).append(trailer)
    return found


def _fields_from(found: Mapping[str, list[Trailer]], config: TemplateConfig) -> Fields:
    """The fields from the template trailers by name (`_collect`): first values, and the
    items of the multiple ones. Written out flat, no helper per field: it runs once per
    commit of a pushed range."""
    get = found.get
    trailers = get("protocol")
    protocol_raw = trailers[0].value if trailers else None
    protocol = None if protocol_raw is None else config.field("protocol").meaning(protocol_raw)
    files: list[str] = []
    trailers = get("file")
    if trailers:
        known = _NORMALIZED.get  # normalize_path's memo, read inline: ten entries a commit
        items = config.field("file").items
        for trailer in trailers:
            for entry in items(trailer.value):
                path = known(entry) or normalize_path(entry)
                if path:
                    files.append(path)
    approved: tuple[str, ...] = ()
    trailers = get("approved-by")
    if trailers:
        items = config.field("approved-by").items
        approved = tuple(a.strip("`@ ") for t in trailers for a in items(t.value))
    other: tuple[tuple[str, str], ...] = ()
    if any(name not in CANONICAL for name in found):
        other = tuple((n, t.value) for n, ts in found.items() if n not in CANONICAL for t in ts)
    trailers = get("agent")
    agent = trailers[0].value if trailers else None
    trailers = get("workspace-check")
    workspace_check = trailers[0].value if trailers else None
    trailers = get("tests")
    return Fields(
        agent=agent or None,
        protocol=protocol,
        protocol_raw=protocol_raw,
        approved_by=approved,
        files=tuple(files),
        workspace_check=workspace_check,
        tests=trailers[0].value if trailers else None,
        other=other,
    )


def read_fields(msg: Message, config: TemplateConfig) -> Fields:
    """The template fields of `msg`, from its trailer block only (as git reads it)."""
    return _fields_from(_collect(msg.trailers, config), config)


# --------------------------------------------------------------------------- template checks
