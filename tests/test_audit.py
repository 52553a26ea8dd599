"""The audit log: concurrent appends, blocked commits' records, `audit verify`, `audit` filters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from helpers.commits import (
    AGENT,
    MAIN,
    OWNER,
    audit_records,
    change,
    commit,
    install,
    run_git,
    template,
)

from workspace_guard.state.audit import append, audit_path, read, verify

WRITER = """
import sys
from workspace_guard.state.audit import append
state, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for n in range(count):
    assert append(state, [{"layer": "test", "agent": f"w{writer}", "path": f"p{n}",
                           "owner": None, "level": None, "action": "detected",
                           "escalate_to": "master-orchestrator", "n": n}])
"""


def state_dir(repo: Path) -> Path:
    return repo / ".git" / "workspace-guard"


def lines(repo: Path) -> list[str]:
    return (
        Path(audit_path(str(state_dir(repo)))).read_text(encoding="utf-8").splitlines(keepends=True)
    )


def write_lines(repo: Path, content: list[str]) -> None:
    Path(audit_path(str(state_dir(repo)))).write_text("".join(content), encoding="utf-8")


def verify_cli(repo: Path) -> subprocess.CompletedProcess[str]:
    proc = run_cli(repo, "audit", "verify")
    assert "Traceback" not in proc.stderr
    return proc


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    writers, each = 8, 50
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(state), str(w), str(each)])
        for w in range(writers)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0] * writers
    records = list(read(str(state)))
    assert len(records) == writers * each
    assert sorted(r["seq"] for r in records) == list(range(1, writers * each + 1))
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)  # in file order
    for w in range(writers):  # each writer's records, all of them, in its own order
        assert [r["n"] for r in records if r["agent"] == f"w{w}"] == list(range(each))
    count, problems = verify(str(state))
    assert (count, problems) == (writers * each, [])


def test_every_line_is_one_json_record(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    assert append(state, [{"layer": "commit", "action": "blocked", "note": "é\nnewline"}])
    raw = Path(audit_path(state)).read_text(encoding="utf-8")
    assert raw.count("\n") == 1
    (record,) = read(state)
    assert record["note"] == "é\nnewline" and record["prev"] == "0" * 64
    assert {"seq", "ts", "hash", "prev"} <= set(record)


def test_a_large_append_writes_the_bytes_each_record_would_alone(tmp_path: Path) -> None:
    """A large append encodes records alike but for `path` once (state/chain._Shape): every
    line must be what encoding it alone gives, and the chain must verify — tricky names,
    values equal across types (1, 1.0, True), nulls, lists, records without a path."""
    names = [
        "a.py",
        'q"uote.md',
        "back\\slash",
        "ctrl\x01\x7f",
        "caf\u00e9",
        "日本/ファイル.py",
        "",
    ]
    values: list[object] = [1, True, 1.0, None, "1", 0, False]
    records: list[dict[str, object]] = []
    for i in range(400):
        record: dict[str, object] = {"layer": "validator", "agent": "a", "path": names[i % 7]}
        record["level"] = values[i % 7] if i % 3 else "high"
        if i % 50 == 7:
            record["by"] = ["x", i]  # a list: encoded on its own
        if i % 50 == 9:
            del record["path"]
        records.append(record)
    state = str(tmp_path)
    assert append(state, records)
    raw = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(raw) == len(records)
    for line, record in zip(raw, records, strict=True):
        parsed = json.loads(line)
        assert json.dumps(parsed, ensure_ascii=False) == line
        body = {k: v for k, v in parsed.items() if k not in ("seq", "ts", "prev", "hash")}
        assert body == record and [type(v) for v in body.values()] == [
            type(v) for v in record.values()
        ]
    assert verify(state) == (len(records), [])


NAMES = ["a.py", 'q"uote.md', "back\\slash", "ctrl\x01\x7f", "caf\u00e9", "日本/ファイル.py", ""]


@pytest.mark.parametrize(
    "bases",
    [
        [{"layer": "validator", "agent": "a", "path": "x", "level": v} for v in (1, True, None)],
        [{"layer": "validator", "agent": "a", "level": "high"}],  # no path: it goes last
        [{"layer": "v", "path": "x", "by": ["x", 1]}],  # a list: the plain way
        [{"layer": "v", "path": "x", "rule": {"p": 1}}, {"layer": "v", "level": 1.0}],
    ],
    ids=["scalars", "no-path", "list", "dict"],
)
def test_append_alike_writes_what_append_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bases: list[dict[str, object]]
) -> None:
    """`append_alike` (the validator's bulk denials) writes byte for byte what `append` writes
    for the records it stands for, chained on from what the log held, and verifies."""
    from workspace_guard.state import chain
    from workspace_guard.state.audit import AUDIT

    monkeypatch.setattr(chain, "_now", lambda: "2026-01-01T00:00:00.000Z")
    monkeypatch.setattr(chain, "OPENSSL_FROM", 200)  # OpenSSL's SHA-256 where it loads
    shared = [bases[i % len(bases)] for i in range(300)]
    paths = [NAMES[i % len(NAMES)] + str(i // 7) for i in range(300)]
    written = {}
    for name in ("plain", "alike"):
        state = tmp_path / name
        assert append(str(state), [{"layer": "before", "path": "p"}])
        if name == "plain":
            assert append(
                str(state), [{**b, "path": p} for b, p in zip(shared, paths, strict=True)]
            )
        else:
            assert chain.append_alike(str(state), AUDIT, shared, paths)
        written[name] = (state / "audit.jsonl").read_bytes(), (state / "audit.head").read_bytes()
        assert verify(str(state)) == (301, [])
    assert written["alike"] == written["plain"]


def test_append_alike_reports_a_failed_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workspace_guard.state import chain
    from workspace_guard.state.audit import AUDIT

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    base = {"layer": "validator", "path": "x", "action": "denied"}
    assert chain.append_alike(str(blocker / "s"), AUDIT, [base, base], ["a", "b"]) is False
    err = capsys.readouterr().err
    assert '"path": "a", "action": "denied"' in err and '"path": "b"' in err


def test_a_failed_write_is_reported_not_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert append(str(blocker / "state"), [{"layer": "commit", "action": "blocked"}]) is False
    err = capsys.readouterr().err
    assert "could not write the audit log" in err
    assert '"action": "blocked"' in err


# --------------------------------------------------------------------------- blocked commits


@pytest.fixture
def repo(workspace: Path) -> Path:
    install(workspace)
    return workspace


def test_every_blocked_commit_writes_a_record(repo: Path) -> None:
    change(repo, "README.md")
    assert commit(repo, "no template\n").returncode == 1
    change(repo, MAIN)
    change(repo, "app/api/v1/endpoints/products.py")
    assert commit(repo, template(files="README.md")).returncode == 1
    records = audit_records(repo)
    template_only, *paths = records
    assert template_only["path"] is None and template_only["agent"] is None
    assert template_only["action"] == "blocked" and template_only["layer"] == "commit"
    assert "subject-format" in template_only["violations"]  # type: ignore[operator]
    by_path = {r["path"]: r for r in paths}
    assert set(by_path) == {MAIN, "app/api/v1/endpoints/products.py"}
    main = by_path[MAIN]
    assert (main["agent"], main["owner"], main["level"]) == (AGENT, OWNER, "critical")
    endpoint = by_path["app/api/v1/endpoints/products.py"]
    assert (endpoint["owner"], endpoint["level"]) == ("api-architect-ai", "high")
    for record in records:
        assert record["action"] == "blocked"
        assert record["layer"] == "commit"
        assert record["escalate_to"] == "master-orchestrator"
        assert {"ts", "layer", "agent", "path", "owner", "level", "action", "escalate_to"} <= set(
            record
        )
    assert verify_cli(repo).returncode == 0


def test_an_accepted_commit_writes_nothing(repo: Path) -> None:
    change(repo, MAIN)
    assert commit(repo, template(files=MAIN, agent=OWNER)).returncode == 0
    assert audit_records(repo) == []


def test_an_unknown_agent_before_the_editor_is_a_usage_error_at_commit_msg_a_record(
    repo: Path, tmp_path: Path
) -> None:
    """The pre-commit hook (an editor to open) refuses a typo before any message exists: a
    usage error, not a record. With the message given, commit-msg blocks the commit: recorded."""
    change(repo, "README.md")
    editor = tmp_path / "editor"
    editor.write_text("#!/bin/sh\nexit 0\n")
    editor.chmod(0o755)
    env = {"WORKSPACE_AGENT": "ghost-ai", "GIT_EDITOR": str(editor)}
    assert run_git(repo, "commit", "-q", env=env).returncode != 0
    assert audit_records(repo) == []
    assert commit(repo, template(), env={"WORKSPACE_AGENT": "ghost-ai"}).returncode == 1
    [record] = audit_records(repo)
    assert record["agent"] == "ghost-ai"
    assert record["action"] == "blocked"
    assert "agent-unknown" in record["violations"]


# --------------------------------------------------------------------------- verify


@pytest.fixture
def logged(repo: Path) -> Path:
    """A repository with five records in its log."""
    for _ in range(5):
        change(repo, MAIN)
        assert commit(repo, template(files=MAIN)).returncode == 1
        git_reset(repo)
    assert len(audit_records(repo)) == 5
    return repo


def git_reset(repo: Path) -> None:
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=repo, check=True)


def test_verify_passes_an_intact_log(logged: Path) -> None:
    proc = verify_cli(logged)
    assert proc.returncode == 0, proc.stderr
    assert "intact: 5 records" in proc.stdout


def test_verify_with_no_log(repo: Path) -> None:
    proc = verify_cli(repo)
    assert proc.returncode == 0
    assert "0 records" in proc.stdout


def test_verify_detects_an_edited_line(logged: Path) -> None:
    content = lines(logged)
    record = json.loads(content[2])
    record["agent"] = OWNER
    content[2] = json.dumps(record, ensure_ascii=False) + "\n"
    write_lines(logged, content)
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "audit.jsonl:3: content does not match its hash" in proc.stderr


def test_verify_detects_an_edit_that_also_rehashes_the_line(logged: Path) -> None:
    from workspace_guard.state.audit import _digest

    content = lines(logged)
    record = json.loads(content[1])
    record.pop("hash")
    record["path"] = "README.md"
    record["hash"] = _digest(record["prev"], record)
    content[1] = json.dumps(record, ensure_ascii=False) + "\n"
    write_lines(logged, content)
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "audit.jsonl:3:" in proc.stderr  # the next line no longer follows


def test_verify_detects_an_inserted_line(logged: Path) -> None:
    content = lines(logged)
    write_lines(logged, [*content[:2], content[1], *content[2:]])
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "audit.jsonl:3:" in proc.stderr


def test_verify_detects_a_removed_line(logged: Path) -> None:
    content = lines(logged)
    write_lines(logged, content[:1] + content[2:])
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "a line was removed, inserted or reordered" in proc.stderr


def test_verify_detects_lines_cut_from_the_end(logged: Path) -> None:
    write_lines(logged, lines(logged)[:3])
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "the log ends at record 3 but record 5 was written" in proc.stderr


def test_a_cut_stays_visible_after_the_next_append(logged: Path) -> None:
    write_lines(logged, lines(logged)[:3])
    change(logged, MAIN)
    assert commit(logged, template(files=MAIN)).returncode == 1
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "audit.jsonl:4: does not follow the previous record" in proc.stderr
    assert json.loads(lines(logged)[3])["seq"] == 6  # numbering goes on from the head


def test_verify_detects_a_deleted_log(logged: Path) -> None:
    Path(audit_path(str(state_dir(logged)))).unlink()
    assert verify_cli(logged).returncode == 1


def test_verify_detects_removing_the_first_line(logged: Path) -> None:
    write_lines(logged, lines(logged)[1:])
    assert verify_cli(logged).returncode == 1


def test_verify_detects_reordered_lines(logged: Path) -> None:
    content = lines(logged)
    content[1], content[2] = content[2], content[1]
    write_lines(logged, content)
    assert verify_cli(logged).returncode == 1


def test_verify_detects_garbage(logged: Path) -> None:
    write_lines(logged, [*lines(logged), "not json\n"])
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "audit.jsonl:6: not a valid record" in proc.stderr
    assert "audit.jsonl:7: the log's end does not match" in proc.stderr


def test_appending_after_a_garbage_line_keeps_verifying_the_rest(logged: Path) -> None:
    content = lines(logged)
    write_lines(logged, [*content, "{broken\n"])
    change(logged, MAIN)
    assert commit(logged, template(files=MAIN)).returncode == 1
    proc = verify_cli(logged)
    assert proc.returncode == 1
    assert "audit.jsonl:6:" in proc.stderr
    assert "audit.jsonl:7:" not in proc.stderr  # the new record chains on
    assert "audit.jsonl:8:" not in proc.stderr  # and the head follows it


# --------------------------------------------------------------------------- listing and filters


@pytest.fixture
def mixed(tmp_path: Path, workspace: Path) -> Path:
    state = str(state_dir(workspace))
    base = {
        "layer": "commit",
        "path": MAIN,
        "owner": OWNER,
        "level": "critical",
        "action": "blocked",
        "escalate_to": "master-orchestrator",
    }
    append(
        state,
        [
            {**base, "ts": "2026-01-10T10:00:00.000Z", "agent": AGENT},
            {**base, "ts": "2026-02-10T10:00:00.000Z", "agent": "api-security"},
            {
                **base,
                "ts": "2026-03-10T10:00:00.000Z",
                "agent": AGENT,
                "action": "denied",
                "layer": "pre-write",
            },
        ],
    )
    return workspace


def audit_json(repo: Path, *args: str) -> list[dict[str, object]]:
    proc = run_cli(repo, "audit", *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data


def test_audit_filters(mixed: Path) -> None:
    assert len(audit_json(mixed)) == 3
    assert [r["agent"] for r in audit_json(mixed, "--agent", AGENT)] == [AGENT, AGENT]
    assert [r["ts"][:7] for r in audit_json(mixed, "--since", "2026-02-01")] == [  # type: ignore[index]
        "2026-02",
        "2026-03",
    ]
    assert len(audit_json(mixed, "--since", "2026-02-10T10:00:00")) == 2
    assert len(audit_json(mixed, "--since", "2026-02-10T10:00:01")) == 1
    assert audit_json(mixed, "--since", "2026-01-01", "--agent", "api-security")[0]["ts"] == (
        "2026-02-10T10:00:00.000Z"
    )
    assert audit_json(mixed, "--agent", "nobody") == []
    assert [r["action"] for r in audit_json(mixed, "--action", "denied")] == ["denied"]


def test_audit_since_a_duration(mixed: Path) -> None:
    append(str(state_dir(mixed)), [{"layer": "commit", "agent": AGENT, "action": "blocked"}])
    recent = audit_json(mixed, "--since", "1h")
    assert len(recent) == 1 and recent[0]["ts"] > "2026-03-10"  # type: ignore[operator]
    assert len(audit_json(mixed, "--since", "3650d")) == 4


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "10x", "2026/01/01"])
def test_audit_since_rejects_what_it_cannot_read(mixed: Path, bad: str) -> None:
    proc = run_cli(mixed, "audit", "--since", bad)
    assert proc.returncode == 2
    assert "--since" in proc.stderr and "Traceback" not in proc.stderr


def test_audit_since_accepts_a_space_or_a_zone_suffix(mixed: Path) -> None:
    assert len(audit_json(mixed, "--since", "2026-02-10 10:00")) == 2
    assert len(audit_json(mixed, "--since", "2026-02-10T10:00:00Z")) == 2


def test_audit_text_table(mixed: Path) -> None:
    proc = run_cli(mixed, "audit", "--agent", AGENT)
    assert proc.returncode == 0
    header, *rows = proc.stdout.splitlines()
    assert header.split()[:3] == ["TS", "LAYER", "ACTION"]
    assert len(rows) == 2 and all(AGENT in row for row in rows)


def test_audit_of_an_empty_log(workspace: Path) -> None:
    proc = run_cli(workspace, "audit")
    assert proc.returncode == 0
    assert "no audit records" in proc.stdout
    assert audit_json(workspace) == []
