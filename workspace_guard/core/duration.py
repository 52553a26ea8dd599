"""The one reader of durations and moments: every `--ttl` and every `--since`.

Strict on purpose: `--since` is compared as a string with the audit records' `ts`, and `--ttl`
sets when an approval or a claim stops counting, so a value read loosely would silently select
all or nothing, or grant for ever. Anything this module cannot read exactly is a usage error
(exit 2) that names the option and shows what it accepts.

- a duration is a positive decimal number and a unit: `90s`, `30m`, `1.5h`, `7d`, `2w`
  (no sign, no exponent, no `nan` or `inf`, at most a thousand years);
- a moment is a duration ago, or an ISO date/time: `2026-11-01`, `2026-11-01T10:00`,
  `2026-11-01 10:00:30`, optionally ending in `Z` or an offset `+02:00` (UTC without one, as
  the records are); the calendar is checked (`2026-02-30` and `2026-13-45` are refused).

Pure: the caller passes the current time, so tests and the gates agree on "now".
"""

from __future__ import annotations

import re

from workspace_guard.errors import UsageError
from workspace_guard.i18n import N_, _

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_SECONDS = 1000 * 365 * 86400  # beyond this a moment leaves the calendar; use `never`/`all`
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"  # what --since yields: comparable with the records' `ts`

_DURATION = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,9})?)([smhdw])")
_MOMENT = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.[0-9]{1,9})?)?)?"
    r"(?P<zone>Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_DURATION_HINT = N_("a number and a unit: 90s, 30m, 8h, 1.5h, 2d, 1w")
_SINCE_HINT = N_(
    "e.g. 2026-11-01, 2026-11-01T10:00 (UTC), 2026-11-01T10:00+02:00, or 30m, 2h, 7d ago"
)


def parse_duration(text: str, *, option: str = "--ttl") -> float:
    """Seconds in `text` (`30m`, `1.5h`, `2d`); anything else is a `UsageError` naming `option`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise UsageError(
            _("{option} {text!r} is not a duration").format(option=option, text=text),
            hint=_(_DURATION_HINT),
        )
    seconds = float(match.group(1)) * UNITS[match.group(2)]
    if not 0 < seconds <= MAX_SECONDS:
        raise UsageError(
            _("{option} {text!r} is out of range (more than zero, at most 1000 years)").format(
                option=option, text=text
            ),
            hint=_(_DURATION_HINT),
        )
    return seconds


def parse_ttl(text: str | None, *, default: float | None = 8 * 3600.0) -> float | None:
    """`--ttl`: seconds, or None for `never` (also `0`); `default` when the option is absent."""
    if text is None:
        return default
    if text.strip() in ("never", "0"):
        return None
    return parse_duration(text, option="--ttl")


def parse_since(text: str | None, now: float, *, option: str = "--since") -> str | None:
    """`--since` as a UTC time stamp comparable with `ts` (`TS_FORMAT`); None for absent/`all`."""
    if text is None or text.strip() in ("", "all"):
        return None
    value = text.strip()
    if value[-1:] in UNITS and value[:1].isdigit() and "-" not in value:
        return _utc(now - parse_duration(value, option=option), text, option)
    match = _MOMENT.fullmatch(value)
    if match is None:
        raise UsageError(
            _("{option} {text!r} is neither a date/time nor a duration").format(
                option=option, text=text
            ),
            hint=_(_SINCE_HINT),
        )
    return _utc(_epoch(match, text, option), text, option)


def _epoch(match: re.Match[str], text: str, option: str) -> float:
    """Seconds since the epoch of a matched ISO moment; an impossible date is a usage error."""
    import calendar
    import time

    stamp = "{}T{}:{}:{}".format(
        match.group("date"),
        match.group("hour") or "00",
        match.group("minute") or "00",
        match.group("second") or "00",
    )
    try:
        fields = time.strptime(stamp, TS_FORMAT)
        if fields.tm_sec > 59:  # strptime takes leap seconds 60 and 61; the records never do
            raise ValueError("second must be in 0..59")
    except ValueError as exc:
        raise UsageError(
            _("{option} {text!r} is not a valid date/time ({problem})").format(
                option=option, text=text, problem=exc
            ),
            hint=_(_SINCE_HINT),
        ) from None
    return calendar.timegm(fields) - _offset(match.group("zone"), text, option)


def _offset(zone: str | None, text: str, option: str) -> int:
    """Seconds east of UTC of `Z`, `+02:00`, `-0530` (0 without a zone)."""
    if not zone or zone == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise UsageError(
            _("{option} {text!r} has an impossible time zone offset").format(
                option=option, text=text
            ),
            hint=_(_SINCE_HINT),
        )
    seconds = hours * 3600 + minutes * 60
    return -seconds if zone[0] == "-" else seconds


def _utc(moment: float, text: str, option: str) -> str:
    """`moment` as `TS_FORMAT` in UTC; years outside 1..9999 are a usage error."""
    import time

    try:
        fields = time.gmtime(moment)
    except (OverflowError, OSError, ValueError):
        fields = None
    if fields is None or not 1 <= fields.tm_year <= 9999:
        raise UsageError(
            _("{option} {text!r} is outside the calendar").format(option=option, text=text),
            hint=_(_SINCE_HINT),
        )
    year, month, day, hour, minute, second = fields[:6]
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
