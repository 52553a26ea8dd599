"""The commit template of contract §5: configuration, field extraction, checks, ownership.

Pure: it takes a parsed `Message` (core.message) and decisions (core.decide) and returns
violations. Messages name the field, the allowed values and end with a corrected message,
because the reader is usually an agent that retries with exactly what it is told.

The rules file's `commit:` section (every key optional; absent = the seed template)::

    commit:
      types: [feat, fix, docs, style, refactor, perf, test, build, ci, chore, revert]
      require_area: true        # subject must be `type(area): description`
      areas: []                 # allowed areas; empty = any
      skip: [merge, revert, fixup, squash, amend]   # kinds that skip the template checks
      fields:                   # merged over the default fields, attribute by attribute
        agent:                  # workspace-check file agent protocol tests approved-by,
          keys: [Agente, Agent] #   or a new [a-z0-9-] name for an extra field (needs keys)
          required: true
          multiple: false       # comma lists and repeated keys (default: file, approved-by)
          values: [A, B]        # allowed values, case-insensitive; or {VALUE: meaning};
                                #   absent = any non-empty value
          warn: [failed]        # meanings that pass with a warning `<field>-<meaning>`

Keys must be valid git trailer keys (ASCII letters, digits, `-`): git never reads any other
as a trailer. `protocol` meanings must be `followed`, `consulted` or `approved`, the terms the
ownership rules of §5 are written in. `TemplateConfigError.key_path` starts at the rules' root
(`("commit", "fields", "agent", "keys", 0)`) so the loader can point at a line and column.

`Archivo` entries are split on commas, trimmed, unquoted (backticks, quotes) and stripped of a
trailing parenthesised annotation such as ` (NEW)`; `./`, a leading `/` and doubled `/` are
dropped. An entry ending in `/` names every path below that directory; globs are not expanded.
"""

from __future__ import annotations

import re
import unicodedata

from workspace_guard.core.message import (
    Message,
    MessageEncodingError,
    Trailer,
    decode,
    find_misplaced_fields,
    misplaced_causes,
    normalize_key,
    parse_message,
    resolve_comment_char,
)
from workspace_guard.core.record import Record, replace
from workspace_guard.errors import ConfigError
from workspace_guard.i18n import N_, _

TYPE_CHECKING = False  # `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from typing import Any, TypeGuard

    from workspace_guard.core.model import Decision

    KeyPath = tuple[str | int, ...]

KINDS = ("merge", "revert", "fixup", "squash", "amend")
DEFAULT_TYPES: tuple[str, ...] = (
    *("feat", "fix", "docs", "style", "refactor", "perf"),
    *("test", "build", "ci", "chore", "revert"),
)
PROTOCOL_MEANINGS = ("followed", "consulted", "approved")
CANONICAL = ("workspace-check", "file", "agent", "protocol", "tests", "approved-by")
TRUSTED_REASONS = ("owner", "office", "superuser", "unprotected")
_TOP_KEYS = ("types", "require_area", "areas", "skip", "fields")
_FIELD_KEYS = ("keys", "required", "multiple", "values", "warn")
_GIT_MERGE = (
    r"^Merge (branch|branches|remote-tracking branch|remote-tracking branches|tag|tags|commit|"
    r"pull request|'|\")"
)
_PLACEHOLDERS = {"file": N_("path/to/file"), "agent": N_("<your-agent-name>")}
_PLACEHOLDERS["approved-by"] = N_("<approving-agent>")


class TemplateConfigError(ConfigError, ValueError):
    """A bad `commit:` section: `key_path` from the rules' root, `reason` without it."""

    def __init__(self, reason: str, key_path: KeyPath) -> None:
        super().__init__(f"{'.'.join(map(str, key_path))}: {reason}")
        self.key_path = key_path
        self.reason = reason


class FieldSpec(Record):
    """One template field: the trailer keys that carry it and the values it accepts."""

    name: str
    keys: tuple[str, ...]
    required: bool = True
    multiple: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (accepted value, meaning), in display order
    warn: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """The key shown in examples and messages."""
        return self.keys[0]

    def __post_init__(self) -> None:
        # lookup tables (not fields): every commit of a pushed range asks for the same values
        meanings = {_norm_value(v): m for v, m in reversed(self.values)}  # the first one wins
        object.__setattr__(self, "_meanings", meanings)
        object.__setattr__(self, "_asked", {})

    def meaning(self, value: str) -> str | None:
        """What `value` means (itself for free fields); None when it is not allowed."""
        if not self.values:
            return value if value.strip() else None
        asked: dict[str, str | None] = self.__dict__["_asked"]
        if value in asked:
            return asked[value]
        meaning: str | None = self.__dict__["_meanings"].get(_norm_value(value))
        if len(asked) < 4096:  # values repeat from commit to commit; a flood must not grow it
            asked[value] = meaning
        return meaning

    def value_for(self, meaning: str) -> str:
        """The first value with `meaning`: what messages tell the user to write."""
        return next((v for v, m in self.values if m == meaning), meaning)

    def items(self, value: str) -> list[str]:
        """The entries of one trailer value (comma-separated where the field is multiple)."""
        if not self.multiple:
            value = value.strip()
            return [value] if value else []
        return [p for p in map(str.strip, value.split(",")) if p]


def _norm_value(value: str) -> str:
    """Values compare ignoring case, emoji variation selectors and runs of whitespace."""
    text = unicodedata.normalize("NFC", value).replace("\ufe0f", "")
    return " ".join(text.split()).casefold()


_PROTOCOL_VALUES = {"SEGUIDO": "followed", "CONSULTA_PREVIA": "consulted"}
_PROTOCOL_VALUES |= {"APROBACIÓN_OBTENIDA": "approved", "APROBACION_OBTENIDA": "approved"}
_PROTOCOL_VALUES |= {"FOLLOWED": "followed", "PRIOR_CONSULTATION": "consulted"}
_PROTOCOL_VALUES |= {"APPROVAL_OBTAINED": "approved"}

DEFAULT_FIELDS = (
    FieldSpec("workspace-check", ("Workspace-Check",), values=(("✅ Consultado", "consulted"),)),
    FieldSpec("file", ("Archivo", "File"), multiple=True),
    FieldSpec("agent", ("Agente", "Agent")),
    FieldSpec("protocol", ("Protocolo", "Protocol"), values=tuple(_PROTOCOL_VALUES.items())),
    FieldSpec(
        "tests",
        ("Tests",),
        values=(("PASSED", "passed"), ("FAILED", "failed")),
        warn=frozenset({"failed"}),
    ),
    FieldSpec("approved-by", ("Aprobado-por", "Approved-by"), required=False, multiple=True),
)


class TemplateConfig(Record):
    """The template in force: the seed's by default, or the rules file's `commit:` section."""

    types: tuple[str, ...] = DEFAULT_TYPES
    require_area: bool = True
    areas: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset(KINDS)
    fields: tuple[FieldSpec, ...] = DEFAULT_FIELDS

    def __post_init__(self) -> None:
        # lookup tables (not fields): every trailer of every checked commit asks for its field
        by_key: dict[str, FieldSpec] = {}
        for spec in self.fields:
            for key in spec.keys:
                by_key.setdefault(key.casefold(), spec)
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "_by_key", by_key)

    @property
    def keys(self) -> dict[str, tuple[str, ...]]:
        """Canonical field → accepted keys."""
        return {f.name: f.keys for f in self.fields}

    @property
    def values(self) -> dict[str, dict[str, str]]:
        """Canonical field → {accepted value: meaning}, for fields with an enumeration."""
        return {f.name: dict(f.values) for f in self.fields if f.values}

    @property
    def required(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.required)

    def field(self, name: str) -> FieldSpec:
        spec: FieldSpec = self.__dict__["_by_name"][name]
        return spec

    def field_for_key(self, key: str) -> FieldSpec | None:
        """The field a trailer key carries (case-insensitive, as git compares keys)."""
        spec: FieldSpec | None = self.__dict__["_by_key"].get(key.casefold())
        return spec

    def field_for_written_key(self, key: str) -> FieldSpec | None:
        """Like field_for_key, but also for keys git cannot read (`Workspace_Check`, `Agénte`)."""
        wanted = normalize_key(key)
        return next((f for f in self.fields if wanted in map(normalize_key, f.keys)), None)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, *, base_path: KeyPath = ("commit",)
    ) -> TemplateConfig:
        """Validate a `commit:` section (None: the defaults)."""
        return _Loader(base_path).load(data)


# --------------------------------------------------------------------------- config loading


def _is_mapping(value: object) -> TypeGuard[Mapping[Any, Any]]:
    """Any mapping (a YAML dict, a read-only proxy); collections.abc loads only when needed."""
    from collections.abc import Mapping

    return isinstance(value, Mapping)


def _type_name(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class _Loader:
    """Validation of a `commit:` section; every error names its key path."""

    def __init__(self, base: KeyPath) -> None:
        self.base = base

    def fail(self, reason: str, *path: str | int) -> TemplateConfigError:
        return TemplateConfigError(reason, self.base + path)

    def load(self, data: Mapping[str, Any] | None) -> TemplateConfig:
        if data is None:
            return TemplateConfig()
        data = self.mapping(data, _TOP_KEYS)
        changes: dict[str, Any] = {}
        if "types" in data:
            name = r"^[A-Za-z][A-Za-z0-9_-]*$"
            changes["types"] = self.strings(data["types"], "types", pattern=name, empty=False)
        if "require_area" in data:
            changes["require_area"] = self.boolean(data["require_area"], "require_area")
        if "areas" in data:
            changes["areas"] = self.strings(data["areas"], "areas")
        if "skip" in data:
            changes["skip"] = frozenset(self.strings(data["skip"], "skip", choices=KINDS))
        if "fields" in data:
            changes["fields"] = self.fields(data["fields"])
        return replace(TemplateConfig(), **changes)

    def mapping(self, data: object, allowed: Sequence[str], *path: str | int) -> Mapping[Any, Any]:
        if not _is_mapping(data):
            raise self.fail(f"must be a mapping, not {_type_name(data)}", *path)
        for key in data:
            if key not in allowed:
                expected = ", ".join(allowed)
                raise self.fail(f"unknown key {key!r} (expected one of: {expected})", *path, key)
        return data

    def boolean(self, value: object, *path: str | int) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"must be true or false, not {_type_name(value)}", *path)
        return value

    def strings(
        self,
        value: object,
        *path: str | int,
        pattern: str | None = None,
        choices: Sequence[str] = (),
        empty: bool = True,
    ) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(f"must be a list of strings, not {_type_name(value)}", *path)
        if not value and not empty:
            raise self.fail("must not be empty", *path)
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"must be a non-empty string, not {item!r}", *path, i)
            if pattern is not None and not re.match(pattern, item):
                raise self.fail(f"{item!r} is not a valid name", *path, i)
            if choices and item not in choices:
                raise self.fail(f"{item!r} is not one of: {', '.join(choices)}", *path, i)
        return tuple(value)

    def fields(self, data: object) -> tuple[FieldSpec, ...]:
        if not _is_mapping(data):
            raise self.fail(f"must be a mapping of fields, not {_type_name(data)}", "fields")
        specs = {f.name: f for f in DEFAULT_FIELDS}
        for name, body in data.items():
            specs[str(name)] = self.field(str(name), body, specs.get(str(name)))
        self.unique_keys(specs.values())
        return tuple(specs.values())

    def field(self, name: str, body: object, default: FieldSpec | None) -> FieldSpec:
        path = ("fields", name)
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", name):
            raise self.fail("a field name is lower-case letters, digits and '-'", *path)
        body = self.mapping(body, _FIELD_KEYS, *path)
        if default is None and "keys" not in body:
            raise self.fail("a new field needs `keys`", *path)
        spec = default or FieldSpec(name, ())
        if "keys" in body:
            spec = replace(spec, keys=self.keys(body["keys"], *path, "keys"))
        if "required" in body:
            spec = replace(spec, required=self.boolean(body["required"], *path, "required"))
        if "multiple" in body:
            spec = replace(spec, multiple=self.boolean(body["multiple"], *path, "multiple"))
        if "values" in body:
            spec = replace(spec, values=self.values(body["values"], name, *path, "values"))
        if "warn" in body:
            meanings = sorted({m for _v, m in spec.values})
            warn = self.strings(body["warn"], *path, "warn", choices=meanings)
            spec = replace(spec, warn=frozenset(warn))
        return spec

    def keys(self, value: object, *path: str | int) -> tuple[str, ...]:
        keys = self.strings(value, *path, empty=False)
        for i, key in enumerate(keys):
            if not re.match(r"^[A-Za-z0-9-]+$", key):
                reason = f"{key!r} can never be a git trailer key (ASCII letters, digits, '-')"
                raise self.fail(reason, *path, i)
        return keys

    def values(self, data: object, name: str, *path: str | int) -> tuple[tuple[str, str], ...]:
        if isinstance(data, list):
            pairs = tuple((v, v.casefold()) for v in self.strings(data, *path, empty=False))
        elif _is_mapping(data) and data:
            pairs = tuple((str(k), v) for k, v in data.items())
        else:
            raise self.fail("must be a non-empty list or mapping of values", *path)
        for value, meaning in pairs:
            if not isinstance(meaning, str) or not meaning:
                raise self.fail("a meaning must be a non-empty string", *path, value)
            if name == "protocol" and meaning not in PROTOCOL_MEANINGS:
                allowed = ", ".join(PROTOCOL_MEANINGS)
                raise self.fail(f"protocol values mean {allowed}; not {meaning!r}", *path, value)
        return pairs

    def unique_keys(self, specs: Iterable[FieldSpec]) -> None:
        seen: dict[str, str] = {}
        for spec in specs:
            for i, key in enumerate(spec.keys):
                other = seen.setdefault(key.casefold(), spec.name)
                if other != spec.name:
                    reason = f"key {key!r} is already used by field {other!r}"
                    raise self.fail(reason, "fields", spec.name, "keys", i)


# --------------------------------------------------------------------------- results


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
    if parents > 1 or re.match(_GIT_MERGE, subject):
        return "merge"
    if re.match(r'^(Revert|Reapply) ".*"$', subject):
        return "revert"
    return next((k for k in KINDS[2:] if subject.startswith(k + "! ")), "normal")


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


def _normalize_path(entry: str) -> str:
    path = entry.strip()
    while len(path) > 1 and path[0] == path[-1] and path[0] in "`'\"":
        path = path[1:-1].strip()
    path = re.sub(r"\s+\([^()/]*\)$", "", path)
    path = unicodedata.normalize("NFC", re.sub(r"/{2,}", "/", path))
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
    def first(name: str) -> str | None:
        return found[name][0].value if found.get(name) else None

    def items(name: str) -> list[str]:
        spec = config.field(name)
        return [i for t in found.get(name, []) for i in spec.items(t.value)]

    protocol_raw = first("protocol")
    protocol = None if protocol_raw is None else config.field("protocol").meaning(protocol_raw)
    return Fields(
        agent=first("agent") or None,
        protocol=protocol,
        protocol_raw=protocol_raw,
        approved_by=tuple(a.strip("`@ ") for a in items("approved-by")),
        files=tuple(p for p in map(normalize_path, items("file")) if p),
        workspace_check=first("workspace-check"),
        tests=first("tests"),
        other=tuple((n, t.value) for n, ts in found.items() if n not in CANONICAL for t in ts),
    )


def read_fields(msg: Message, config: TemplateConfig) -> Fields:
    """The template fields of `msg`, from its trailer block only (as git reads it)."""
    return _fields_from(_collect(msg.trailers, config), config)


# --------------------------------------------------------------------------- template checks


def check_template(
    msg: Message,
    config: TemplateConfig,
    *,
    parents: int = 1,
    agents: Collection[str] | None = None,
    paths: Sequence[str] = (),
) -> CheckResult:
    """The template checks of §5. `agents` (the registry) enables `agent-unknown`; `paths`
    (the changed paths) fill `Archivo` in the corrected example."""
    kind = commit_kind(msg, parents)
    found = _collect(msg.trailers, config)
    fields = _fields_from(found, config)
    if kind in config.skip:
        return CheckResult((), (), fields, kind)
    if not msg.text.strip():
        example = render_example(msg, config, found, paths)
        empty = Violation("message-empty", _("the commit message is empty"))
        return CheckResult(_with_example([empty], example), (), fields, kind, example)
    violations = [
        *_subject_violations(msg, config),
        *_presence_violations(msg, config, found),
        *_value_violations(config, found),
        *_duplicate_violations(config, found),
        *_agent_violations(config, fields, agents),
    ]
    warnings = tuple(_warnings(config, found))
    if not violations:
        return CheckResult((), warnings, fields, kind)
    example = render_example(msg, config, found, paths)  # only when someone will read it
    return CheckResult(_with_example(violations, example), warnings, fields, kind, example)


def _with_example(violations: list[Violation], example: str) -> tuple[Violation, ...]:
    """The corrected message once, after the last problem, where a reader looks for it."""
    last = violations[-1]
    text = f"{last.message}\n\n{_('A message that passes:')}\n\n{example}"
    return (*violations[:-1], replace(last, message=text))


def check_message_bytes(
    raw: bytes | str,
    config: TemplateConfig,
    *,
    cleanup_mode: str = "strip",
    comment: str | None = None,
    known_keys: Iterable[str] = (),
    parents: int = 1,
    agents: Collection[str] | None = None,
    paths: Sequence[str] = (),
) -> CheckResult:
    """Decode, clean up and check; bad UTF-8 is a `message-encoding` violation, not a crash.

    `comment` is git's setting as read (`core.commentString`/`core.commentChar`, `auto` too).
    """
    try:
        text = decode(raw)
    except MessageEncodingError as err:
        reason = _("{error}; save the message as UTF-8").format(error=err)
        return CheckResult((Violation("message-encoding", reason),), (), Fields(), "normal")
    char = resolve_comment_char(comment, text)
    msg = parse_message(text, cleanup_mode=cleanup_mode, comment=char, known_keys=known_keys)
    return check_template(msg, config, parents=parents, agents=agents, paths=paths)


def _subject_violations(msg: Message, config: TemplateConfig) -> list[Violation]:
    types = ", ".join(config.types)
    if msg.type is None:
        if re.match(r"^\S+:\S", msg.subject):
            text = _(
                "the subject `{subject}` is not `type(area): description` (a space is missing "
                "after the ':'); types: {types}"
            )
        else:
            text = _("the subject `{subject}` is not `type(area): description`; types: {types}")
        return [Violation("subject-format", text.format(subject=msg.subject, types=types))]
    out = []
    if msg.type not in config.types:
        text = _("unknown type `{type}` in the subject; use one of: {types}")
        text = text.format(type=msg.type, types=types)
        out.append(Violation("type-unknown", text + _did_you_mean(msg.type, config.types)))
    if not (msg.area or "").strip():
        if config.require_area:
            out.append(Violation("area-missing", _area_missing(msg, config)))
    elif config.areas and msg.area not in config.areas:
        text = _("unknown area `{area}`; use one of: {areas}")
        text = text.format(area=msg.area, areas=", ".join(config.areas))
        out.append(Violation("area-unknown", text + _did_you_mean(msg.area or "", config.areas)))
    if msg.description is None:
        text = _("the subject `{subject}` has no description after the ':'")
        out.append(Violation("subject-format", text.format(subject=msg.subject)))
    return out


def _area_missing(msg: Message, config: TemplateConfig) -> str:
    text = _(
        "the subject has no area: write `{type}(area): {description}`, the area being the part "
        "of the project changed (api, auth, …)"
    ).format(type=msg.type, description=msg.description or _("description"))
    if config.areas:
        text += "; " + _("areas: {areas}").format(areas=", ".join(config.areas))
    return text


def _presence_violations(
    msg: Message, config: TemplateConfig, found: Mapping[str, list[Trailer]]
) -> list[Violation]:
    missing = [f for f in config.fields if f.required and f.name not in found]
    if not missing:
        return []
    misplaced = find_misplaced_fields(msg, [k for f in missing for k in f.keys])
    out = [_outside_violation(msg, misplaced)] if misplaced else []
    placed = {spec.name for key, _ in misplaced if (spec := config.field_for_written_key(key))}
    for spec in missing:
        if spec.name not in placed:
            text = _("missing field `{key}`{aliases}: add `{key}: {value}`").format(
                key=spec.key, aliases=_aliases(spec), value=_placeholder(spec)
            )
            out.append(Violation("field-missing", text + _allowed(spec)))
    return out


def _outside_violation(msg: Message, misplaced: list[tuple[str, int]]) -> Violation:
    place = _("`{key}` (line {line})")
    where = ", ".join(place.format(key=key, line=line) for key, line in misplaced)
    causes = "; ".join(misplaced_causes(msg, misplaced))
    text = _(
        "the fields {where} are in the message but outside its trailer block, so git does not "
        "read them as trailers: {causes}. The fields must form the message's last paragraph, "
        "after a blank line"
    )
    return Violation("fields-outside-trailers", text.format(where=where, causes=causes))


def _value_violations(
    config: TemplateConfig, found: Mapping[str, list[Trailer]]
) -> list[Violation]:
    out = []
    for name, trailers in found.items():
        spec = config.field(name)
        for t in trailers:
            items = spec.items(t.value)
            if not items:
                text = _("`{key}:` is empty; write `{key}: {value}`")
                text = text.format(key=t.key, value=_placeholder(spec))
                out.append(Violation("field-value", text + _allowed(spec)))
            for item in items if spec.values else ():
                if spec.meaning(item) is None:
                    hint = _did_you_mean(item, [v for v, _m in spec.values])
                    text = _("`{key}: {value}` is not allowed").format(key=t.key, value=item)
                    out.append(Violation("field-value", text + _allowed(spec) + hint))
    return out


def _duplicate_violations(
    config: TemplateConfig, found: Mapping[str, list[Trailer]]
) -> list[Violation]:
    out = []
    for name, trailers in found.items():
        spec = config.field(name)
        if len(trailers) > 1 and not spec.multiple:
            written = ", ".join(f"`{t.key}: {t.value}`" for t in trailers)
            text = _("`{key}` appears {count} times ({written}); keep exactly one").format(
                key=spec.key, count=len(trailers), written=written
            )
            out.append(Violation("field-duplicate", text))
    return out


def _agent_violations(
    config: TemplateConfig, fields: Fields, agents: Collection[str] | None
) -> list[Violation]:
    if agents is None or not fields.agent or fields.agent in agents:
        return []
    text = _("`{key}: {agent}` names no agent of the rules").format(
        key=config.field("agent").key, agent=fields.agent
    )
    return [Violation("agent-unknown", text + _did_you_mean(fields.agent, sorted(agents)))]


def _warnings(config: TemplateConfig, found: Mapping[str, list[Trailer]]) -> list[Violation]:
    out = []
    for name, trailers in found.items():
        spec = config.field(name)
        for t in trailers:
            meaning = spec.meaning(t.value) if spec.values else None
            if meaning in spec.warn:
                text = _("`{key}: {value}`: accepted, and reported").format(
                    key=t.key, value=t.value
                )
                out.append(Violation(f"{name}-{meaning}", text))
    return out


def _aliases(spec: FieldSpec) -> str:
    others = ", ".join(f"`{k}`" for k in spec.keys[1:])
    return " (" + _("or {keys}").format(keys=others) + ")" if others else ""


def _allowed(spec: FieldSpec) -> str:
    if not spec.values:
        return ""
    values = ", ".join(v for v, _m in spec.values)
    return "; " + _("allowed values: {values}").format(values=values)


def _placeholder(spec: FieldSpec) -> str:
    return spec.values[0][0] if spec.values else _(_PLACEHOLDERS.get(spec.name, N_("<value>")))


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib  # only on the failure path

    folded = {c.casefold(): c for c in choices}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return " (" + _("did you mean `{name}`?").format(name=folded[close[0]]) + ")" if close else ""


# --------------------------------------------------------------------------- the example


def render_example(
    msg: Message,
    config: TemplateConfig,
    found: Mapping[str, list[Trailer]],
    paths: Sequence[str] = (),
) -> str:
    """The template with the user's valid values (even from misplaced lines), else placeholders;
    the message's other trailers (Co-Authored-By, …) follow in the same paragraph."""
    kind = msg.type if msg.type in config.types else _("type")
    area = (msg.area or "").strip() or (_("area") if config.require_area else "")
    head = f"{kind}({area})" if area else kind
    description = msg.description or _("short description")
    lines = [f"{head}{'!' if msg.breaking else ''}: {description}", ""]
    stray = _stray_values(msg, config)
    for spec in config.fields:
        trailers = found.get(spec.name, [])
        if spec.required or trailers or spec.name in stray:
            key = trailers[0].key if trailers else spec.key
            value = _example_value(spec, trailers, stray.get(spec.name), paths)
            lines.append(f"{key}: {value}")
    lines += [f"{t.key}: {t.value}" for t in msg.trailers if config.field_for_key(t.key) is None]
    return "\n".join(lines)


def _example_value(
    spec: FieldSpec, trailers: Sequence[Trailer], stray: str | None, paths: Sequence[str]
) -> str:
    items = [i for t in trailers for i in spec.items(t.value)]
    good = [i for i in items if spec.meaning(i) is not None]
    if good:
        return ", ".join(good) if spec.multiple else good[0]
    if stray and spec.meaning(stray) is not None:
        return stray
    if spec.name == "file" and paths:
        return ", ".join(paths)
    return _placeholder(spec)


def _stray_values(msg: Message, config: TemplateConfig) -> dict[str, str]:
    """Values of fields written outside the trailer block, reused in the example."""
    lines = msg.text.split("\n")
    out: dict[str, str] = {}
    for key, line in find_misplaced_fields(msg, [k for f in config.fields for k in f.keys]):
        spec = config.field_for_written_key(key)
        value = re.split(r"[:：]", lines[line - 1], maxsplit=1)[-1].strip()
        if spec is not None and value:
            out.setdefault(spec.name, value)
    return out


# --------------------------------------------------------------------------- ownership


def check_ownership(
    fields: Fields,
    decisions: Sequence[Decision],
    config: TemplateConfig,
    *,
    superusers: Collection[str] = (),
) -> list[Violation]:
    """§5 against the changed paths: a denied `high` path needs consulting, a denied
    `critical` one an approval by its owner, a backup or a superuser, and every protected path
    a non-owner touches must be named in `Archivo`. Decisions come from core.decide, so every
    layer gives the same answer."""
    first: dict[str, Decision] = {}
    for d in decisions:
        first.setdefault(d.path, d)  # each path once, in order
    groups = [(d, (d.path,)) for d in first.values()]
    return check_ownership_groups(fields, groups, config, superusers=superusers)


def check_ownership_groups(
    fields: Fields,
    groups: Iterable[tuple[Decision, Sequence[str]]],
    config: TemplateConfig,
    *,
    superusers: Collection[str] = (),
) -> list[Violation]:
    """`check_ownership` over paths gathered by verdict (`Decider.decide_groups`): what a
    verdict requires is checked once per group, whether `Archivo` names it once per path. Paths
    are unique; violations come group by group, each path's in order."""
    out: list[Violation] = []
    # `Archivo` as a set of files and a tuple of directories: a commit may touch 10,000 paths
    exact = {f for f in fields.files if not f.endswith("/")}
    folders = tuple(f for f in fields.files if f.endswith("/"))
    for first, paths in groups:
        if first.reason in TRUSTED_REASONS:
            continue
        level_ok = first.allowed or not _level_violations(first, fields, config, superusers)
        for path in paths:
            listed = path in exact or path.startswith(folders)
            if level_ok and listed:
                continue
            d = first if path == first.path else first.for_path(path)
            if not level_ok:
                out += _level_violations(d, fields, config, superusers)
            if not listed:
                out.append(_not_listed(d, fields, config))
    return out


def ownership_in_order(
    fields: Fields,
    groups: Sequence[tuple[Decision, Sequence[str]]],
    paths: Sequence[str],
    config: TemplateConfig,
    *,
    superusers: Collection[str] = (),
) -> tuple[list[Decision], list[Violation]]:
    """`check_ownership_groups` as the gates report it: the violations in the order of `paths`,
    and the decisions of the paths at fault (what the audit log records)."""
    found = check_ownership_groups(fields, groups, config, superusers=superusers)
    if not found:
        return [], []
    if len(groups) > 1:
        position = {path: n for n, path in enumerate(paths)}
        found.sort(key=lambda v: position.get(v.path or "", -1))
    at_fault = {v.path for v in found}
    return [d.for_path(p) for d, ps in groups for p in ps if p in at_fault], found


def _approvers(d: Decision, superusers: Collection[str]) -> list[str]:
    """Who may approve: owner (or, for an ownerless rule, the escalation agent), backups,
    superusers."""
    names = [d.owner] if d.owner else [d.escalation] if d.escalation else []
    names += [b for b in d.backup if b not in names]
    return names + [s for s in superusers if s not in names]


def _protection(d: Decision) -> str:
    """`app/main.py` (critical; rule `app/main.py` at rules.yaml:12; owner X, backups Y)."""
    if d.rule is not None:
        source = _("rule `{pattern}` at {where}").format(
            pattern=d.rule.pattern, where=d.rule.source
        )
    else:
        source = _("office {office}").format(office=d.office) if d.office else _("protected")
    owner = _("owner {owner}").format(owner=d.owner) if d.owner else _("no owner")
    if d.backup:
        owner += ", " + _("backups {backups}").format(backups=", ".join(d.backup))
    return f"`{d.path}` ({_(d.level)}; {source}; {owner})"


def _level_violations(
    d: Decision, fields: Fields, config: TemplateConfig, superusers: Collection[str]
) -> list[Violation]:
    if d.level != "critical" and fields.protocol in ("consulted", "approved"):
        return []  # the common, satisfied cases first: no message is built
    if (
        d.level == "critical"
        and fields.protocol == "approved"
        and any(a != d.agent and a in _approvers(d, superusers) for a in fields.approved_by)
    ):
        return []
    spec, akey = config.field("protocol"), config.field("approved-by").key
    if fields.protocol_raw:
        has = f"`{spec.key}: {fields.protocol_raw}`"
    else:
        has = _("no `{key}`").format(key=spec.key)
    escalate = "; " + _("escalation: {agent}").format(agent=d.escalation) if d.escalation else ""
    approvers = _approvers(d, superusers)
    ask = approvers[0] if approvers else _("the owner")
    if d.level != "critical":
        if fields.protocol in ("consulted", "approved"):
            return []
        text = _(
            "{protection} is protected at level {level}: consult {ask} before changing it and "
            "write `{key}: {value}` (the message has {has})"
        ).format(
            protection=_protection(d),
            level=_(d.level),
            ask=ask,
            key=spec.key,
            value=spec.value_for("consulted"),
            has=has,
        )
        return [Violation("protocol-insufficient", text + escalate, d.path)]
    out = []
    if fields.protocol != "approved":
        text = _(
            "{protection} is protected at level critical: get {ask}'s approval and write "
            "`{key}: {value}` and `{approval_key}: {ask}` (the message has {has})"
        ).format(
            protection=_protection(d),
            ask=ask,
            key=spec.key,
            value=spec.value_for("approved"),
            approval_key=akey,
            has=has,
        )
        out.append(Violation("protocol-insufficient", text + escalate, d.path))
    return out + _approval_violations(d, fields, akey, approvers, escalate)


def _approval_violations(
    d: Decision, fields: Fields, akey: str, approvers: Sequence[str], escalate: str
) -> list[Violation]:
    """A critical path needs `Aprobado-por` naming an entitled approver other than the actor."""
    who = ", ".join(approvers) or _("a superuser")
    if not fields.approved_by:
        text = _(
            "{protection} is critical: the message needs `{key}:` naming who approved ({who})"
        ).format(protection=_protection(d), key=akey, who=who)
        return [Violation("approval-missing", text + escalate, d.path)]
    if any(a in approvers and a != d.agent for a in fields.approved_by):
        return []
    if d.agent in fields.approved_by:
        text = _(
            "{protection}: `{key}: {names}` names neither the owner, a backup nor a superuser "
            "(an agent cannot approve its own change); approvals count only from: {who}"
        )
    else:
        text = _(
            "{protection}: `{key}: {names}` names neither the owner, a backup nor a superuser; "
            "approvals count only from: {who}"
        )
    names = ", ".join(fields.approved_by)
    text = text.format(protection=_protection(d), key=akey, names=names, who=who)
    return [Violation("approval-invalid", text + escalate, d.path)]


def _not_listed(d: Decision, fields: Fields, config: TemplateConfig) -> Violation:
    key = config.field("file").key
    text = _(
        "{protection} is changed by {agent}, who is not its owner, so the message must name "
        "it: add `{key}: {path}`"
    ).format(protection=_protection(d), agent=d.agent, key=key, path=d.path)
    if fields.files:
        text += " (" + _("it lists: {files}").format(files=", ".join(fields.files)) + ")"
    return Violation("file-not-listed", text, d.path)
