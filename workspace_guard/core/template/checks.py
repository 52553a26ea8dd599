"""The template checks of contract §5 and the corrected example message that ends them."""

from __future__ import annotations

import re

from workspace_guard.core.message import (
    Message,
    MessageEncodingError,
    Trailer,
    decode,
    parse_message,
    resolve_comment_char,
)
from workspace_guard.core.message_misplaced import find_misplaced_fields, misplaced_causes
from workspace_guard.core.record import replace
from workspace_guard.core.template.config import _PLACEHOLDERS, FieldSpec, TemplateConfig
from workspace_guard.core.template.fields import (
    CheckResult,
    Fields,
    Violation,
    _collect,
    _fields_from,
    commit_kind,
)
from workspace_guard.i18n import N_, _

TYPE_CHECKING = False  # `typing` costs ~3 ms on the commit hook's path
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence


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
    if _passes(msg, config, found, fields, agents):
        return CheckResult((), tuple(_warnings(config, found)), fields, kind)
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


def _passes(
    msg: Message,
    config: TemplateConfig,
    found: Mapping[str, list[Trailer]],
    fields: Fields,
    agents: Collection[str] | None,
) -> bool:
    """Whether every check below finds nothing, decided without building a message: most
    commits of a pushed range pass, and only a failure needs the texts. False is always safe
    (the checks then run and find the same nothing); True must mean exactly that."""
    if msg.type is None or msg.description is None or msg.type not in config.types:
        return False  # _subject_violations
    if not (msg.area or "").strip():
        if config.require_area:
            return False
    elif config.areas and msg.area not in config.areas:
        return False
    if any(name not in found for name in config.required_names):
        return False  # _presence_violations
    for name, trailers in found.items():
        spec = config.field(name)
        if len(trailers) > 1 and not spec.multiple:
            return False  # _duplicate_violations
        for t in trailers:  # _value_violations
            if not spec.values:
                if not spec.has_items(t.value):
                    return False
                continue
            if not spec.multiple:  # `items` is the stripped value, when not empty
                value = t.value.strip()
                if not value or spec.meaning(value) is None:
                    return False
                continue
            items = spec.items(t.value)
            if not items or any(spec.meaning(item) is None for item in items):
                return False
    return agents is None or not fields.agent or fields.agent in agents  # _agent_violations


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
        if not spec.warn:  # no meaning of this field is reported
            continue
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
