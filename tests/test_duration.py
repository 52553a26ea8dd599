"""The one duration/moment reader (core.duration) and every option that uses it: `--since` of
`audit` and `map`, `--ttl` of `approve`. Strict: what it cannot read exactly is exit 2."""

from __future__ import annotations

import calendar
import json
import re
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli

from workspace_guard.core.duration import parse_duration, parse_since, parse_ttl
from workspace_guard.errors import UsageError

NOW = calendar.timegm((2026, 3, 10, 12, 0, 0, 0, 0, 0))

BAD_DURATIONS = [
    "",
    "h",
    "10x",
    "10",
    "-1h",
    "+1h",
    "0h",
    "0.0s",
    "nanh",
    "infh",
    "NaNs",
    "1e3h",
    "1_000s",
    "1.h",
    ".5h",
    "1h30m",
    "９h",  # full-width digit: isdigit() says yes, we say no
    "١h",  # Arabic-Indic digit
    "1001000w",  # beyond a thousand years
    "99999999999d",
]
BAD_MOMENTS = [
    "yesterday",
    "2026-13-45",
    "2026-13-01",
    "2026-02-30",
    "2026-02-29",
    "2026-00-10",
    "2026-01-00",
    "2026/01/01",
    "26-01-01",
    "2026-1-1",
    "2026-01-01T25:00",
    "2026-01-01T10:60",
    "2026-01-01T10:00:61",
    "2026-01-01T10",
    "2026-01-01T10:00+25:00",
    "2026-01-01X",
    "0000-01-01",
    "nan",
    "inf",
    "-5m",
]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1.5h", 5400), ("2d", 172800), ("1w", 604800), (" 8h ", 28800)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", BAD_DURATIONS)
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_duration(text, option="--ttl")
    assert err.value.message.startswith("--ttl ")
    assert err.value.hint


def test_ttl_default_never_and_zero() -> None:
    assert parse_ttl(None) == 8 * 3600
    assert parse_ttl(None, default=60.0) == 60.0
    assert parse_ttl("never") is None
    assert parse_ttl("0") is None
    assert parse_ttl("2h") == 7200


@pytest.mark.parametrize(
    ("text", "stamp"),
    [
        ("2026-02-01", "2026-02-01T00:00:00"),
        ("2026-02-10T10:00", "2026-02-10T10:00:00"),
        ("2026-02-10 10:00:30", "2026-02-10T10:00:30"),
        ("2026-02-10T10:00:30.250Z", "2026-02-10T10:00:30"),
        ("2026-02-10T10:00:00Z", "2026-02-10T10:00:00"),
        ("2026-02-10T10:00+02:00", "2026-02-10T08:00:00"),
        ("2026-02-10T10:00-0530", "2026-02-10T15:30:00"),
        ("2024-02-29", "2024-02-29T00:00:00"),
        ("1h", "2026-03-10T11:00:00"),
        ("7d", "2026-03-03T12:00:00"),
        ("1.5h", "2026-03-10T10:30:00"),
    ],
)
def test_moments(text: str, stamp: str) -> None:
    assert parse_since(text, NOW) == stamp


def test_since_absent_or_all_selects_everything() -> None:
    assert parse_since(None, NOW) is None
    assert parse_since("all", NOW) is None


@pytest.mark.parametrize("text", [*BAD_MOMENTS, "10x", "nanh", "1e3h", "0h"])
def test_bad_moments_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_since(text, NOW)
    assert err.value.message.startswith("--since ")


def test_a_moment_before_the_calendar_is_refused() -> None:
    with pytest.raises(UsageError, match="outside the calendar"):
        parse_since("999w", calendar.timegm((1990, 1, 1, 0, 0, 0, 0, 0, 0)) - 2**40)


def test_stamps_compare_with_the_records_ts() -> None:
    """The audit log writes `2026-02-10T10:00:00.000Z`; the stamp must sort against it."""
    since = parse_since("2026-02-10T10:00", NOW)
    assert since is not None
    assert "2026-02-10T10:00:00.000Z" >= since > "2026-02-10T09:59:59.999Z"


# --- every option, as users run them ---------------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("duration") / "ws")


def _refused(proc: object, option: str) -> None:
    assert proc.returncode == 2, proc
    stderr = proc.stderr
    assert "Traceback" not in stderr and option in stderr and "hint:" in stderr


@pytest.mark.parametrize("bad", ["2026-13-45", "2026-02-30", "nanh", "1e3h", "yesterday"])
@pytest.mark.parametrize("command", [["map"], ["audit"]])
def test_since_options_refuse_what_they_cannot_read(
    repo: Path, command: list[str], bad: str
) -> None:
    _refused(run_cli(repo, *command, "--since", bad), "--since")


@pytest.mark.parametrize("bad", ["nanh", "infh", "-1h", "0h", "1e3h", "10", "9999999999w"])
def test_ttl_refuses_what_it_cannot_read(repo: Path, bad: str) -> None:
    proc = run_cli(
        repo, "approve", "backend-framework-ai", "app/main.py", "--by", "system-architect-ai",
        "--ttl", bad,
    )  # fmt: skip
    _refused(proc, "--ttl")


def test_map_records_the_moment_in_utc(repo: Path) -> None:
    proc = run_cli(repo, "map", "--since", "2026-02-10T10:00+02:00")
    assert proc.returncode == 0, proc.stderr
    match = re.search(
        r'<script id="wg-data" type="application/json">(.*?)</script>', proc.stdout, re.S
    )
    assert match and json.loads(match.group(1))["since"] == "2026-02-10T08:00:00"


def test_audit_accepts_an_offset(repo: Path) -> None:
    proc = run_cli(repo, "audit", "--format", "json", "--since", "2026-02-10T10:00+02:00")
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
