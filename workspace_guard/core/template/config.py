"""The template's configuration: the seed's fields and values, and the loader of a rules
file's `commit:` section (every error names its key path, see the package docstring)."""

from __future__ import annotations

import re
import unicodedata

from workspace_guard.core.message_misplaced import normalize_key
from workspace_guard.core.record import Record, replace
from workspace_guard.errors import ConfigError
from workspace_guard.i18n import N_, _

TYPE_CHECKING = False  # `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any, TypeGuard

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

    def has_items(self, value: str) -> bool:
        """Whether `items(value)` is not empty (without splitting: a comma list has an entry
        exactly when something besides commas and whitespace is written)."""
        if self.multiple:
            value = value.replace(",", "")
        return bool(value.strip())

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
        object.__setattr__(self, "_required", tuple(f.name for f in self.fields if f.required))

    @property
    def required_names(self) -> tuple[str, ...]:
        """The names of the required fields, in order."""
        names: tuple[str, ...] = self.__dict__["_required"]
        return names

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
    names = {dict: N_("a mapping"), list: N_("a list"), str: N_("a string"), type(None): "null"}
    name = names.get(type(value))
    return _(name) if name else type(value).__name__


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
            raise self.fail(_("must be a mapping, not {kind}").format(kind=_type_name(data)), *path)
        for key in data:
            if key not in allowed:
                expected = ", ".join(allowed)
                reason = _("unknown key {key!r} (expected one of: {expected})")
                raise self.fail(reason.format(key=key, expected=expected), *path, key)
        return data

    def boolean(self, value: object, *path: str | int) -> bool:
        if not isinstance(value, bool):
            reason = _("must be true or false, not {kind}").format(kind=_type_name(value))
            raise self.fail(reason, *path)
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
            reason = _("must be a list of strings, not {kind}").format(kind=_type_name(value))
            raise self.fail(reason, *path)
        if not value and not empty:
            raise self.fail(_("must not be empty"), *path)
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                reason = _("must be a non-empty string, not {item!r}").format(item=item)
                raise self.fail(reason, *path, i)
            if pattern is not None and not re.match(pattern, item):
                raise self.fail(_("{item!r} is not a valid name").format(item=item), *path, i)
            if choices and item not in choices:
                reason = _("{item!r} is not one of: {choices}")
                raise self.fail(reason.format(item=item, choices=", ".join(choices)), *path, i)
        return tuple(value)

    def fields(self, data: object) -> tuple[FieldSpec, ...]:
        if not _is_mapping(data):
            reason = _("must be a mapping of fields, not {kind}").format(kind=_type_name(data))
            raise self.fail(reason, "fields")
        specs = {f.name: f for f in DEFAULT_FIELDS}
        for name, body in data.items():
            specs[str(name)] = self.field(str(name), body, specs.get(str(name)))
        self.unique_keys(specs.values())
        return tuple(specs.values())

    def field(self, name: str, body: object, default: FieldSpec | None) -> FieldSpec:
        path = ("fields", name)
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", name):
            raise self.fail(_("a field name is lower-case letters, digits and '-'"), *path)
        body = self.mapping(body, _FIELD_KEYS, *path)
        if default is None and "keys" not in body:
            raise self.fail(_("a new field needs `keys`"), *path)
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
                reason = _(
                    "{key!r} can never be a git trailer key (ASCII letters, digits, '-')"
                ).format(key=key)
                raise self.fail(reason, *path, i)
        return keys

    def values(self, data: object, name: str, *path: str | int) -> tuple[tuple[str, str], ...]:
        if isinstance(data, list):
            pairs = tuple((v, v.casefold()) for v in self.strings(data, *path, empty=False))
        elif _is_mapping(data) and data:
            pairs = tuple((str(k), v) for k, v in data.items())
        else:
            raise self.fail(_("must be a non-empty list or mapping of values"), *path)
        for value, meaning in pairs:
            if not isinstance(meaning, str) or not meaning:
                raise self.fail(_("a meaning must be a non-empty string"), *path, value)
            if name == "protocol" and meaning not in PROTOCOL_MEANINGS:
                allowed = ", ".join(PROTOCOL_MEANINGS)
                reason = _("protocol values mean {allowed}; not {meaning!r}")
                raise self.fail(reason.format(allowed=allowed, meaning=meaning), *path, value)
        return pairs

    def unique_keys(self, specs: Iterable[FieldSpec]) -> None:
        seen: dict[str, str] = {}
        for spec in specs:
            for i, key in enumerate(spec.keys):
                other = seen.setdefault(key.casefold(), spec.name)
                if other != spec.name:
                    reason = _("key {key!r} is already used by field {other!r}").format(
                        key=key, other=other
                    )
                    raise self.fail(reason, "fields", spec.name, "keys", i)


# --------------------------------------------------------------------------- results
