"""A protected path under another spelling is that path (ATTACK F81, F82, F83).

On macOS (APFS) and Windows (NTFS) `APP/MAIN.PY` opens `app/main.py`; Windows also drops trailing
dots and spaces of every name (`app./main.py.`), reads `main.py::$DATA` (or any `:stream`) as
the file, takes `\\` as a separator and answers 8.3 short names (`MAIN~1.PY`); PowerShell reads
`FileSystem::PATH` (with or without its module) and a PSDrive (`X:\\main.py`) as files. So every
tool door — Write/Edit, Bash, PowerShell, MCP file tools, Codex's apply_patch, Gemini's
write_file — judges those spellings as the protected path they name (a denial naming it), on
every platform; the agent's own office and unprotected paths keep passing. Real hook processes,
the events shaped like the real CLIs' (notes/real-payloads).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.harness import OTHER, claude_event, denied, hook
from helpers.repos import EXAMPLE_RULES, inside, make_workspace

OFFICE = ".workspace/departments/backend/backend-framework-ai"


def write(ws: Path, path: str, tool: str = "Write") -> str | None:
    """Claude Code's file tool with `path` (relative paths are joined to the workspace)."""
    file_path = path if path.startswith("/") else f"{ws}/{path}"
    return denied(
        hook(ws, "claude", claude_event(ws, tool, {"file_path": file_path, "content": "x"}))
    )


def bash(ws: Path, command: str) -> str | None:
    return denied(hook(ws, "claude", claude_event(ws, "Bash", {"command": command})))


def ps(ws: Path, command: str) -> str | None:
    tool_input = {"command": command, "description": "run"}
    return denied(hook(ws, "claude", claude_event(ws, "PowerShell", tool_input)))


def mcp(ws: Path, path: str) -> str | None:
    tool_input = {"path": path, "content": "x"}
    return denied(hook(ws, "claude", claude_event(ws, "mcp__filesystem__write_file", tool_input)))


def codex_patch(ws: Path, path: str) -> str | None:
    """Codex's apply_patch (real-payloads/codex: the patch text under `command`)."""
    patch = f"*** Begin Patch\n*** Update File: {path}\n@@\n-a\n+b\n*** End Patch\n"
    event = {
        "session_id": "s",
        "turn_id": "t",
        "cwd": str(ws),
        "hook_event_name": "PreToolUse",
        "model": "gpt-5.5",
        "permission_mode": "bypassPermissions",
        "agent_id": "a",
        "agent_type": OTHER,
        "tool_name": "apply_patch",
        "tool_input": {"command": patch},
        "tool_use_id": "call_1",
    }
    return denied(hook(ws, "codex", json.dumps(event).encode()))


def gemini_write(ws: Path, path: str) -> str | None:
    """Gemini's write_file (real-payloads/gemini: an absolute `file_path`)."""
    event = {
        "session_id": "s",
        "cwd": str(ws),
        "hook_event_name": "BeforeTool",
        "timestamp": "2026-12-06T04:41:10.452Z",
        "tool_name": "write_file",
        "tool_input": {"file_path": f"{ws}/{path}", "content": "written\n"},
    }
    proc = hook(ws, "gemini", json.dumps(event).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["reason"] if proc.stdout.strip() else None


# --- F81: letter case -----------------------------------------------------------------------------

CASES = [
    ("APP/MAIN.PY", "app/main.py"),
    ("App/Main.py", "app/main.py"),
    ("app/Main.py", "app/main.py"),
    (".WORKSPACE/RULES.YAML", ".workspace/rules.yaml"),
    (".Claude/settings.json", ".claude/settings.json"),
    ("APP/CORE/CONFIG.PY", "app/core/config.py"),
]
DOORS: dict[str, Callable[[Path, str], str | None]] = {
    "Write": write,
    "Edit": lambda ws, p: write(ws, p, "Edit"),
    "Bash": lambda ws, p: bash(ws, f"echo evil > {p}"),
    "PowerShell": lambda ws, p: ps(ws, f"Set-Content -Value evil {p}"),
    "MCP": mcp,
    "Codex": codex_patch,
    "Gemini": gemini_write,
}


def test_the_case_denial_says_why(workspace: Path) -> None:
    reason = write(workspace, "APP/MAIN.PY")
    assert reason is not None
    assert "APP/MAIN.PY" in reason and "letter case" in reason, reason


@pytest.mark.parametrize(
    "path",
    [
        f"{OFFICE}/Notes.MD",
        f"{OFFICE.upper()}/notes.md",  # the office on macOS; a new folder on Linux
        "notes/New.md",
        "Docs/Readme-Draft.md",
    ],
)
def test_case_does_not_block_what_no_rule_protects(workspace: Path, path: str) -> None:
    assert write(workspace, path) is None, path
    assert bash(workspace, f"echo x > '{path}'") is None, path


def test_another_agents_office_in_another_case_is_that_office(workspace: Path) -> None:
    other = ".workspace/departments/architecture/system-architect-ai"
    assert write(workspace, f"{other.upper()}/x.md") is not None
    assert write(workspace, f"{other}/X.md") is not None


# --- F83: Windows spellings -----------------------------------------------------------------------

WINDOWS = [
    "app/main.py.",
    "app/main.py ",
    "app/main.py. . ",
    "app/main.py::$DATA",
    "app/main.py:$DATA",
    "app/main.py:stream",
    "app/main.py:stream:$DATA",
    "app./main.py",
    "app /main.py",
    "app::$INDEX_ALLOCATION/main.py",
    "app\\main.py",
    "app\\..\\app\\main.py",
    "notes\\..\\app\\main.py",
    ".\\app\\main.py",
    "app/MAIN~1.PY",
    "APP~1/main.py",
    ".workspace\\rules.yaml",
    ".workspace./rules.yaml.",
]


@pytest.mark.parametrize("path", WINDOWS)
def test_windows_spellings_through_file_tools(workspace: Path, path: str) -> None:
    reason = write(workspace, path)
    assert reason is not None, path
    assert "app/main.py" in reason or ".workspace/rules.yaml" in reason, reason


@pytest.mark.parametrize("path", ["app\\main.py", "app/main.py.", "app/main.py::$DATA"])
def test_windows_spellings_through_other_harnesses(workspace: Path, path: str) -> None:
    assert mcp(workspace, path) is not None
    assert codex_patch(workspace, path) is not None
    assert gemini_write(workspace, path) is not None


def test_a_windows_absolute_spelling_of_the_workspace(workspace: Path) -> None:
    assert write(workspace, str(workspace) + "\\app\\main.py") is not None
    assert write(workspace, str(workspace) + "/app/main.py.") is not None


# what each door refuses (or lets pass) under a Windows spelling: judged below with F82's tables
WINDOWS_REFUSED = {
    "Write": [
        ".git./hooks/pre-commit",
        ".git\\hooks\\pre-commit",
        ".git::$INDEX_ALLOCATION/config",
        ".claude\\settings.json",
        ".claude/settings.json.",
    ],
    "Bash": [
        "echo evil > app/main.py.",
        "echo evil > 'app/main.py '",
        "echo evil > 'app/main.py::$DATA'",
        "echo evil > app./main.py",
        "echo evil > 'app\\main.py'",
        "echo evil > app/MAIN~1.PY",
        "rm -rf app.",
        "rm -rf APP~1",
    ],
    "PowerShell": [
        "Set-Content app\\main.py. evil",
        'Set-Content "app\\main.py " evil',
        "Set-Content -Value evil app.\\main.py",
        "Set-Content -Value evil app\\main.py::$DATA",
        "Set-Content -Value evil app\\MAIN~1.PY",
        "Remove-Item app. -Recurse",
        "Remove-Item APP~1 -Recurse",
    ],
}
WINDOWS_ALLOWED = {
    "Write": [
        f"{OFFICE}/notes.txt.",
        f"{OFFICE}/notes.txt::$DATA",
        f"{OFFICE}/x.md ",
        "notes/x.md.",
    ]
}


# --- F82: PowerShell providers and drives ---------------------------------------------------------

PROVIDERS = [
    "Set-Content -Value evil Microsoft.PowerShell.Core\\FileSystem::app/main.py",
    "Set-Content -Value evil FileSystem::app/main.py",
    "Set-Content -Value evil filesystem::app\\main.py",
    "Remove-Item FileSystem::app\\main.py",
    "Copy-Item README.md FileSystem::{ws}/app/main.py",
    "Copy-Item README.md -Destination:FileSystem::app\\main.py",
    "Set-Content -Value x FileSystem::.workspace/rules.yaml",
    "New-PSDrive X FileSystem app; sc X:\\main.py evil",
    "New-PSDrive -Name X -PSProvider FileSystem -Root app; Set-Content X:main.py evil",
    "Set-Content -Value x Q:\\main.py",
    "Set-Content -Value x SomeProvider::app/main.py",
]
PROVIDERS_ALLOWED = [  # provider paths that write nothing protected
    f"Set-Content -Value x FileSystem::{OFFICE}/notes.txt",
    f"Set-Content -Value x Microsoft.PowerShell.Core\\FileSystem::{OFFICE}\\notes.txt",
    "Get-Content FileSystem::app/main.py",
    f"Set-Content -Path {OFFICE}\\x.txt -Value https://example.com/x",
    f'Set-Content -Path {OFFICE}\\x.txt -Value "note: x"',
]
SPELLED: dict[str, Callable[[Path, str], str | None]] = {
    "Write": write,
    "Bash": bash,
    "PowerShell": ps,
}


def _by_door(*tables: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(door, text) for table in tables for door, texts in table.items() for text in texts]


REFUSED = _by_door(WINDOWS_REFUSED, {"PowerShell": PROVIDERS})
ALLOWED = _by_door(WINDOWS_ALLOWED, {"PowerShell": PROVIDERS_ALLOWED})


@pytest.mark.parametrize(("door", "text"), REFUSED, ids=[f"{d}:{t}" for d, t in REFUSED])
def test_windows_and_provider_spellings_are_refused(workspace: Path, door: str, text: str) -> None:
    assert SPELLED[door](workspace, text.format(ws=workspace)) is not None, text


@pytest.mark.parametrize(("door", "text"), ALLOWED, ids=[f"{d}:{t}" for d, t in ALLOWED])
def test_windows_and_provider_spellings_of_nothing_protected_pass(
    workspace: Path, door: str, text: str
) -> None:
    assert SPELLED[door](workspace, text) is None, text


# --- Cursor and Cline: their own file tools, the same resolver ------------------------------------


def cursor_write(ws: Path, path: str) -> str | None:
    tool_input = {"file_path": f"{ws}/{path}", "contents": "x"}
    data = {
        "conversation_id": "c",
        "workspace_roots": [str(ws)],
        "hook_event_name": "preToolUse",
        "tool_name": "Write",
        "tool_input": tool_input,
    }
    proc = hook(ws, "cursor", json.dumps(data).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return str(answer["agent_message"]) if answer.get("permission") == "deny" else None


def cline_write(ws: Path, path: str) -> str | None:
    data = {
        "clineVersion": "3.40.0",
        "hookName": "PreToolUse",
        "taskId": "t",
        "workspaceRoots": [str(ws)],
        "preToolUse": {"toolName": "write_to_file", "parameters": {"path": path, "content": "x"}},
    }
    proc = hook(ws, "cline", json.dumps(data).encode(), env={"WORKSPACE_AGENT": OTHER})
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    return str(answer["errorMessage"]) if answer["cancel"] else None


@pytest.mark.parametrize("door", [cursor_write, cline_write], ids=["cursor", "cline"])
def test_cursor_and_cline_file_tools(workspace: Path, door: Callable[..., str | None]) -> None:
    for path in ("APP/MAIN.PY", "app\\main.py", "app/main.py. ", "app/main.py::$DATA"):
        reason = door(workspace, path)
        assert reason is not None and "app/main.py" in reason, path
    assert door(workspace, f"{OFFICE}/Notes.md") is None


# --- F97: the file systems' own name comparisons (NTFS upper case, APFS folding and NFD) ----------

UNICODE_CASES = [
    ("app/ma\u0131n.py", "app/main.py"),  # dotless ı: NTFS reads APP/MAIN.PY
    ("alemb\u0131c/env.py", "alembic/"),
    (".g\u0131thub/workflows/ci.yml", ".github/workflows/"),
    ("doc\u212aer-compose.yml", "docker-compose.yml"),  # Kelvin sign: k
    (".claude/\u017fettings.json", ".claude/"),  # long s: s
]


SPELLINGS = CASES + UNICODE_CASES


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("spelled,protected", SPELLINGS, ids=[c for c, _ in SPELLINGS])
def test_a_name_a_file_system_reads_as_protected_is_protected(
    workspace: Path, door: str, spelled: str, protected: str
) -> None:
    """Letter case (F81) and the file systems' other comparisons (F97)."""
    reason = DOORS[door](workspace, spelled)
    assert reason is not None, (door, spelled)
    assert protected in reason, reason  # the denial names the protected file


@pytest.mark.parametrize(
    "spelled",
    [".GIT/hooks/pre-commit", ".Git/config", ".g\u0131t/hooks/pre-commit", ".G\u0131T/config"],
)
def test_git_dir_under_another_spelling_is_git_dir(workspace: Path, spelled: str) -> None:
    assert write(workspace, spelled) is not None, spelled
    assert bash(workspace, f"echo x > {spelled}") is not None, spelled


EXTRA_RULES = """
  - pattern: /app/staff.py
    owner: system-architect-ai
    level: critical
  - pattern: /docs/λόγος.md
    owner: system-architect-ai
    level: critical
  - pattern: /app/café.py
    owner: system-architect-ai
    level: critical
"""


@pytest.fixture
def unicode_workspace(tmp_path: Path) -> Iterator[Path]:
    """The example workspace with protected names beyond ASCII (`staff`, `λόγος`, `café`)."""
    text = EXAMPLE_RULES.read_text().replace(
        "\nresponsibilities:", EXTRA_RULES + "\nresponsibilities:"
    )
    with inside(make_workspace(tmp_path / "ws", rules_text=text)) as repo:
        yield repo


@pytest.mark.parametrize(
    "spelled,protected",
    [
        ("app/sta\ufb00.py", "app/staff.py"),  # ﬀ ligature: case-folded ff
        ("docs/λόγοσ.md", "docs/λόγος.md"),  # final sigma: σ
        ("DOCS/ΛΌΓΟΣ.MD", "docs/λόγος.md"),
        ("app/cafe\u0301.py", "app/café.py"),  # decomposed é: one name on APFS
        ("APP/CAFE\u0301.PY", "app/café.py"),
    ],
)
def test_unicode_variants_of_protected_names(
    unicode_workspace: Path, spelled: str, protected: str
) -> None:
    for reason in (
        write(unicode_workspace, spelled),
        bash(unicode_workspace, f"echo x > {spelled}"),
    ):
        assert reason is not None, spelled
        assert protected in unicodedata.normalize("NFC", reason), reason


@pytest.mark.parametrize(
    "path",
    [
        "\uff41\uff50\uff50/\uff4d\uff41\uff49\uff4e.\uff50\uff59",  # fullwidth: another name
        "app/\uff4dain.py",
        "app/cafe.py",
        f"{OFFICE}/not\u0131ce.md",  # the agent's own office keeps passing
    ],
)
def test_names_no_file_system_reads_as_protected_pass(unicode_workspace: Path, path: str) -> None:
    assert write(unicode_workspace, path) is None, path
    assert bash(unicode_workspace, f"echo x > '{path}'") is None, path


def test_the_comparisons_never_widen_an_office(workspace: Path) -> None:
    # the agent's office under the Kelvin sign is a new folder below /.workspace/ on Linux
    spelled = ".workspace/departments/bac\u212aend/backend-framework-ai/x.md"
    assert write(workspace, spelled) is not None
    other = ".workspace/departments/architecture/system-architect-a\u0131/x.md"
    assert write(workspace, other) is not None
