"""`Record`: frozen value classes for the hot paths.

`dataclasses` imports `inspect` (about 10 ms here), which is a quarter of the validator's whole
budget. A record class declares its fields as annotations exactly like a frozen dataclass, and type
checkers see it as one (PEP 681 `dataclass_transform`); at run time a few lines build `__init__`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` itself costs ~4 ms of import; type checkers treat this as True
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    _T = TypeVar("_T", bound="_Base")
else:

    def dataclass_transform(**_kwargs):
        """Run-time stand-in: the decorator only informs type checkers."""
        return lambda cls: cls


_MISSING = object()


class Factory:
    """A default computed per instance (like `field(default_factory=…)`)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class Derived:
    """A field that is not an `__init__` parameter; `__post_init__` sets it."""


def factory(default_factory: Callable[[], Any]) -> Any:
    """Declare a per-instance default: `tags: list[str] = factory(default_factory=list)`.

    (Type checkers recognise the default only when it is passed by that keyword.)
    """
    return Factory(default_factory)


def derived(*, init: bool = False) -> Any:
    """Declare a field computed in `__post_init__`: `text: str = derived(init=False)`."""
    return Derived()


def _own_annotations(cls: type) -> dict[str, Any]:
    """The annotations the class itself declares, in order (3.14 evaluates them lazily)."""
    found = cls.__dict__.get("__annotations__")  # noqa: RUF063 - `inspect` costs 10 ms of import
    if found is None and "__annotate__" in cls.__dict__:
        found = cls.__annotations__
    return dict(found or {})


def _is_classvar(kind: Any) -> bool:
    """`ClassVar[...]` written as a string (postponed annotations) or as the typing object."""
    text = kind if isinstance(kind, str) else repr(kind)
    head = text.split("[", 1)[0].strip()
    return head == "ClassVar" or head.endswith(".ClassVar")


def _make_init(
    fields: tuple[str, ...], defaults: dict[str, Any], post: bool
) -> Callable[..., None] | None:
    """A generated `__init__` (what `dataclasses` does, without importing `inspect`): about 10×
    faster than the generic one, which matters when a hook decides 10,000 paths. None when the
    fields cannot form a signature (a field without default after one with a default)."""
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": _MISSING}
    params, items, body, seen_default = [], [], [], False
    for index, name in enumerate(fields):
        if not name.isidentifier():
            return None
        default = defaults.get(name, _MISSING)
        if default is _MISSING:
            if seen_default:
                return None
            params.append(name)
        elif isinstance(default, Factory):
            seen_default = True
            namespace[f"_f{index}"] = default.make
            params.append(f"{name}=_MISSING")
            body.append(f"    if {name} is _MISSING: {name} = _f{index}()")
        else:
            seen_default = True
            namespace[f"_d{index}"] = default
            params.append(f"{name}=_d{index}")
        items.append(f"{name!r}: {name}")
    # one assignment of the whole instance dict: half the cost of one setattr per field
    body.append(f"    _set(self, '__dict__', {{{', '.join(items)}}})")
    if post:
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body)
    exec(source, namespace)  # source built from validated identifiers only
    init: Callable[..., None] = namespace["__init__"]
    return init


class _Base:  # noqa: PLW1641 - Record defines __hash__; Struct is mutable, so unhashable
    """What records and structs share: keyword or positional init, equality, repr, pickling."""

    __fields__: tuple[str, ...] = ()
    __defaults__: dict[str, Any] = {}  # noqa: RUF012 - per-class, written once

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = [
            name
            for name, kind in _own_annotations(cls).items()
            if not _is_classvar(kind) and not isinstance(cls.__dict__.get(name), Derived)
        ]
        for name, value in list(cls.__dict__.items()):
            if isinstance(value, Derived):
                delattr(cls, name)  # set by __post_init__, not a class default
        cls.__fields__ = (*cls.__fields__, *(n for n in own if n not in cls.__fields__))
        # `case Agent(name, …)`; type checkers synthesise __match_args__ themselves
        setattr(cls, "__match_args__", cls.__fields__)  # noqa: B010
        defaults = dict(cls.__defaults__)
        for name in own:
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
        cls.__defaults__ = defaults
        fast = _make_init(cls.__fields__, defaults, "__post_init__" in dir(cls))
        # Without a generated one, say so explicitly: an inherited __init__ (Record's own, or a
        # parent record's) would take the parent's fields.
        cls.__init__ = fast or _Base.__init__  # type: ignore[method-assign]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self.__fields__
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} arguments")
        values = dict(zip(fields, args, strict=False))  # fewer args than fields: defaults
        for name, value in kwargs.items():
            if name not in fields or name in values:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated argument {name!r}")
            values[name] = value
        for name in fields:
            if name not in values:
                default = self.__defaults__.get(name, _MISSING)
                if default is _MISSING:
                    raise TypeError(f"{type(self).__name__}: missing argument {name!r}")
                values[name] = default.make() if isinstance(default, Factory) else default
            object.__setattr__(self, name, values[name])
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    def _astuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__fields__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__fields__)
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        # by name, so that a pickle never assigns a value to the wrong field after a change
        return (_rebuild, (type(self), asdict(self)))


@dataclass_transform(frozen_default=True, field_specifiers=(factory, derived))
class Record(_Base):
    """Base of frozen value classes (hashable; `replace` makes changed copies)."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(_hashable(v) for v in self._astuple())))


@dataclass_transform(frozen_default=False, field_specifiers=(factory, derived))
class Struct(_Base):
    """A mutable record (parser state): same declaration, attributes may be reassigned."""

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable, like a dataclass


def _rebuild(cls: type[_T], values: dict[str, Any]) -> _T:
    return cls(**values)


def _hashable(value: Any) -> Any:
    """A hashable stand-in for the mutable containers a record may hold (mappings, lists, sets)."""
    if isinstance(value, dict):
        return tuple(sorted(((k, _hashable(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_hashable(v) for v in value)
    return value


def replace(obj: _T, **changes: Any) -> _T:
    """A copy of `obj` with some fields changed (like `dataclasses.replace`)."""
    values = {name: getattr(obj, name) for name in obj.__fields__}
    values.update(changes)
    return type(obj)(**values)


def asdict(obj: _Base) -> dict[str, Any]:
    """The fields as a dict (shallow)."""
    return {name: getattr(obj, name) for name in obj.__fields__}
