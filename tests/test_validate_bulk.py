"""The validator's bulk path (`--paths-from`, speed/bulk.py) answers byte for byte as the plain
per-path code does: tricky names (`./`, `..`, `//`, absolute, symlinks, non-ASCII, white space,
names that need JSON escapes), both separators, a working directory below the root, claims and
approvals; and the first bad name fails the same way."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from conftest import git, run_cli, run_tty

from workspace_guard.core.claims import apply_all
from workspace_guard.core.decide import stricter
from workspace_guard.core.model import Decision
from workspace_guard.core.record import replace
from workspace_guard.repo import Repo, _has_link_component
from workspace_guard.speed import bulk
from workspace_guard.state.approvals import live_approvals
from workspace_guard.state.claims import live

VALIDATOR = "agent_workspace_validator"
BACKEND = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"

TRICKY = [
    "app/main.py",
    "./app/main.py",
    "app//main.py",
    "app/./main.py",
    "app/core/../main.py",
    "app/main.py/",
    "README.md",
    "docker-compose.yml",
    "link-to-main.py",
    "linkdir/main.py",
    "linkdir",
    ".github/workflows/ci.yml",
    ".env",
    "app/.hidden/x.py",
    "app/...",
    " leading space.md",
    "trailing space.md ",
    "tab\there.md",
    'quote"and\\backslash.md',
    "ctrl\x01char.md",
    "del\x7fchar.md",
    "caf\u00e9.md",
    unicodedata.normalize("NFD", "caf\u00e9.md"),
    "日本/ファイル.py",
    f"{OFFICE}/notes.md",
    "app/main.py",
    "no/such/dir/file.py",
    "app/main.py/inside-a-file",
]


def tricky_workspace(workspace: Path) -> list[str]:
    """Symlinks in the tree, and the tricky names plus enough plain ones to fill several of the
    bulk path's blocks (one unclean name in the middle of a block)."""
    (workspace / "link-to-main.py").symlink_to("app/main.py")
    (workspace / "linkdir").symlink_to("app")
    (workspace / "outside-link").symlink_to("/tmp")
    many = [f"app/gen/{i // 40}/f{i}.py" for i in range(2 * bulk.BLOCK + 100)]
    many[bulk.BLOCK + 7] = "./app/gen/odd.py"
    busy = workspace / "app" / "busy"
    busy.mkdir(parents=True)
    names = []
    for i in range(bulk.SCAN_AT + 5):
        (busy / f"f{i}.py").write_text("x")
        names.append(f"app/busy/f{i}.py")
    (busy / "alias.py").symlink_to("../main.py")
    names.append("app/busy/alias.py")
    return [*TRICKY, "outside-link", str(workspace / "app" / "main.py"), *many, *names]


def plain_payload(cwd: Path, agent: str, paths: list[str]) -> str:
    """The per-path code the bulk path replaces: `relative`, `decide`, link and target, claims,
    one `to_json` each, `json.dumps(indent=2)`."""
    decisions = plain_decisions(cwd, agent, paths)
    allowed = all(d.allowed for d in decisions)
    results = [d.to_json() for d in decisions]
    payload = {"agent": agent, "allowed": allowed, "results": results}
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def plain_text(cwd: Path, agent: str, paths: list[str]) -> str:
    """The text answer as the per-path code printed it."""
    from workspace_guard.commands.validate import SYMLINK_NOTE
    from workspace_guard.messages import decision_text

    out = []
    for decision in plain_decisions(cwd, agent, paths):
        out.append(decision_text(decision) + "\n")
        if decision.target is not None:
            note = SYMLINK_NOTE[decision.via or "link"]
            out.append("   " + note.format(path=decision.path, target=decision.target) + "\n")
    return "".join(out)


def plain_decisions(cwd: Path, agent: str, paths: list[str]) -> list[Decision]:
    repo = Repo.discover(cwd=str(cwd))
    decider = repo.decider()
    approvals = live_approvals(repo.state_dir)
    decisions = []
    for raw in paths:
        rel = repo.relative(raw)
        decision = decider.decide(agent, rel, approvals)
        target = repo.link_target(rel)
        if target is not None:
            other = decider.decide(agent, target, approvals)
            winner = stricter([decision, other])
            via = "link" if winner is decision else "target"
            decision = replace(winner, path=rel, via=via, target=target)
        decisions.append(decision)
    return apply_all(decisions, live(repo.state_dir))


def bulk_run(cwd: Path, agent: str, paths: list[str], sep: str = "\n") -> str:
    data = sep.join(paths).encode("utf-8", "surrogateescape")
    proc = run_cli(cwd, agent, "--paths-from", "-", "--format", "json", input=data, prog=VALIDATOR)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


@pytest.mark.parametrize("sep", ["\n", "\0"])
def test_bulk_json_is_byte_identical_to_the_per_path_code(workspace: Path, sep: str) -> None:
    paths = tricky_workspace(workspace)
    assert bulk_run(workspace, BACKEND, paths, sep) == plain_payload(workspace, BACKEND, paths)


def test_bulk_text_is_identical_to_the_per_path_code(workspace: Path) -> None:
    paths = tricky_workspace(workspace)
    data = "\n".join(paths).encode()
    proc = run_cli(workspace, BACKEND, "--paths-from", "-", input=data, prog=VALIDATOR)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == plain_text(workspace, BACKEND, paths)
    assert "is a symlink to" in proc.stdout


def test_bulk_from_a_subdirectory_with_dot_dot(workspace: Path) -> None:
    paths = ["main.py", "../README.md", "./core/x.py", "../app/main.py", "core", "../linkdir/x"]
    tricky_workspace(workspace)
    cwd = workspace / "app"
    assert bulk_run(cwd, BACKEND, paths) == plain_payload(cwd, BACKEND, paths)


CHAIN_FIELDS = ("seq", "ts", "prev", "hash")


def test_bulk_denials_are_audited_as_the_per_path_code_records_them(workspace: Path) -> None:
    """One append for the call, one record per denied path, each exactly the per-path
    `decision_record` (claims included); the chain verifies."""
    from workspace_guard.state.audit import decision_record

    api = [f"app/api/gen/f{i}.py" for i in range(bulk.BLOCK + 10)]  # one shared verdict
    paths = [*tricky_workspace(workspace), *api]
    claimed = run_tty(workspace, "claim", "--agent", "frontend-performance-ai", "README.md")
    assert claimed.returncode == 0, claimed.stderr
    bulk_run(workspace, BACKEND, paths)
    log = workspace / ".git/workspace-guard/audit.jsonl"
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    denials = [r for r in lines if r.get("layer") == "validator"]
    expected = [
        decision_record("validator", d, "denied")
        for d in plain_decisions(workspace, BACKEND, paths)
        if not d.allowed
    ]
    got = [{k: v for k, v in r.items() if k not in CHAIN_FIELDS} for r in denials]
    assert got == expected and len(got) > bulk.BLOCK
    assert [list(r) for r in got] == [list(r) for r in expected]  # the same key order
    assert len({r["ts"] for r in denials}) == 1  # one append
    verify = run_cli(workspace, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_bulk_with_claims_and_approvals(workspace: Path) -> None:
    paths = tricky_workspace(workspace)
    proc = run_tty(
        workspace, "claim", "--agent", "frontend-performance-ai", "README.md", "app/gen/"
    )
    assert proc.returncode == 0, proc.stderr
    agent = "frontend-performance-ai"
    claimed = bulk_run(workspace, BACKEND, paths)
    assert claimed == plain_payload(workspace, BACKEND, paths)
    assert '"reason": "claimed"' in claimed
    assert bulk_run(workspace, agent, paths) == plain_payload(workspace, agent, paths)
    proc = run_tty(workspace, "approve", BACKEND, "app/main.py", "--by", "system-architect-ai")
    assert proc.returncode == 0, proc.stderr
    approved = bulk_run(workspace, BACKEND, paths)
    assert approved == plain_payload(workspace, BACKEND, paths)
    assert '"reason": "approved"' in approved


def test_each_result_equals_the_validator_asked_for_that_path_alone(workspace: Path) -> None:
    paths = tricky_workspace(workspace)[: len(TRICKY) + 2]
    together = json.loads(bulk_run(workspace, BACKEND, paths))["results"]
    for path, result in zip(paths, together, strict=True):
        alone = run_cli(workspace, BACKEND, "--format", "json", "--", path, prog=VALIDATOR)
        assert json.loads(alone.stdout)["results"] == [result], path


@pytest.mark.parametrize(
    "bad",
    [
        b"../../outside.py",
        b"/etc/passwd",
        b"bad\xffutf8.py",
        b"\x1c",
        b".",
        b"app/..",
    ],
)
def test_the_first_bad_name_fails_as_alone(workspace: Path, bad: bytes) -> None:
    names = [f"app/ok{i}.py".encode() for i in range(2000)]
    names.insert(1500, bad)
    proc = run_cli(workspace, BACKEND, "--paths-from", "-", input=b"\n".join(names), prog=VALIDATOR)
    alone = run_cli(
        workspace, BACKEND, "--", bad.decode("utf-8", "surrogateescape"), prog=VALIDATOR
    )
    assert proc.returncode == alone.returncode == 2
    assert proc.stderr == alone.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_linked_agrees_with_the_component_walk(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "file").write_text("x")
    (root / "a" / "b" / "ln").symlink_to("../file")
    (root / "dl").symlink_to("a")
    (root / "dangling").symlink_to("nowhere")
    for i in range(bulk.SCAN_AT + 3):
        (root / "a" / "b" / f"n{i}").write_text("x")
    rels = ["a/file", "a/b/ln", "dl/file", "dl", "dangling", "dangling/x", "a/file/x", "missing/x"]
    rels += [f"a/b/n{i}" for i in range(bulk.SCAN_AT + 3)] + ["a/b/ln", "a/b/absent"]
    expected = [i for i, rel in enumerate(rels) if _has_link_component(str(root), rel)]
    assert bulk.linked(str(root), rels) == expected


def test_render_results_matches_json_dumps() -> None:
    rows = [{"path": "x", "n": 1.5, "l": [], "d": {"k": None}}, {"path": "y", "ok": True}]
    picks = [rows[0], rows[1], rows[0], rows[0]]
    paths = ["a", 'q"\\', "é\n", "\x7f"]
    head = {"agent": "0a0", "allowed": False}
    expected = json.dumps(
        {**head, "results": [{**r, "path": p} for r, p in zip(picks, paths, strict=True)]},
        ensure_ascii=False,
        indent=2,
    )
    assert bulk.render_results(head, picks, paths, dict) == expected


def test_relative_many_from_outside_the_root_uses_the_plain_code(tmp_path: Path) -> None:
    seen: list[str] = []

    def relative(path: str) -> str:
        seen.append(path)
        return "r/" + path

    assert bulk.relative_many(["a", "b"], str(tmp_path / "repo"), str(tmp_path), relative) == [
        "r/a",
        "r/b",
    ]
    assert seen == ["a", "b"]
    assert bulk.relative_many(["a/b", "c"], "/r", "/r/sub", relative) == ["sub/a/b", "sub/c"]


def test_bulk_in_a_linked_worktree(workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(workspace, "worktree", "add", "-q", str(other))
    paths = ["app/main.py", "./README.md", str(other / "app" / "main.py")]
    assert bulk_run(other, BACKEND, paths) == plain_payload(other, BACKEND, paths)
    os.chdir(workspace)


def test_a_path_modified_in_another_worktree_warns_but_does_not_deny(
    workspace: Path, tmp_path: Path
) -> None:
    """Issue 16: a warning (not a denial) when another worktree has the file modified and not
    committed; staged and unstaged changes count, committed ones and other paths do not."""
    other = tmp_path / "agent-b"
    git(workspace, "worktree", "add", "-q", str(other), "-b", "agent-b")
    asked = ["app/models/order.py", "README.md", "app/models/user.py"]
    before = run_cli(workspace, BACKEND, "--format", "json", *asked, prog=VALIDATOR)
    (other / "app" / "models" / "order.py").write_text("changed\n")
    (other / "README.md").write_text("staged\n")
    git(other, "add", "README.md")
    plain = run_cli(workspace, BACKEND, "--format", "json", *asked, prog=VALIDATOR)
    assert (plain.returncode, plain.stdout) == (before.returncode, before.stdout)
    assert "not committed" not in before.stderr
    warned = [line for line in plain.stderr.splitlines() if "not committed in the worktree" in line]
    assert len(warned) == 2 and all(str(other) in line for line in warned)
    assert "app/models/order.py" in warned[0] or "app/models/order.py" in warned[1]
    assert not any("user.py" in line for line in warned)
    # the other way round: the main worktree's uncommitted edit warns in the linked one
    (workspace / "app" / "models" / "user.py").write_text("mine\n")
    back = run_cli(other, BACKEND, "app/models/user.py", prog=VALIDATOR)
    assert f"not committed in the worktree {workspace}" in back.stderr
    # committed there: no warning any more
    git(other, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "chore: done")
    after = run_cli(workspace, BACKEND, *asked, prog=VALIDATOR)
    assert "not committed in the worktree" not in after.stderr


def test_no_worktree_warning_and_no_git_exec_without_linked_worktrees(workspace: Path) -> None:
    from workspace_guard import git as git_module

    repo = Repo.discover(cwd=str(workspace))
    info = repo.info
    assert info.root is not None
    assert git_module.other_worktrees(info.common_dir, info.root) == []
    assert not (Path(info.common_dir) / "worktrees").exists()
