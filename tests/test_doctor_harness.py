"""`doctor` on the harness layer's quiet failures (issue 15): a broken `.mcp.json`, an install
made before the hook client's SHA-256 check (ae7d70a), a client the committed list does not
hold, and harness settings that do not parse. Real repositories, the real CLI; each case must
exit 1 naming the file (never a traceback), and `--fix` must repair what it safely can."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from test_i18n_adoption import LOCALE_VARS, english_lines

from workspace_guard.commands.doctor_harness import unchecked_client

CLIENT = Path(".git") / "workspace-guard" / "serve" / "client"
SUMS = Path(".workspace") / "bin" / "wg-hook-client.sums"


def pre_ae7d70a_command(harness: str, where: str) -> str:
    """The command `install --harness` wrote before ae7d70a: the client run unchecked."""
    state = '"$d"/.git/workspace-guard'
    return (
        f"{where}; c={state}/serve/client; "
        f'if [ -x "$c" ] && [ -z "${{WORKSPACE_GUARD:-}}" ] && [ "${{WG_HOOK_SERVE:-1}}" != 0 ]; '
        f'then "$c" {harness} {state} "${{WG_HOOK_TIMEOUT:-20}}"; r=$?; '
        f"case $r in 0 | 2) exit $r ;; esac; export WG_HOOK_CLIENT=$r; fi; "
        f'sh "$d"/.workspace/bin/wg-hook {harness} || exit 2'
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace after `install --claude`, committed (copied for each test)."""
    ws = make_workspace(tmp_path_factory.mktemp("doctor") / "ws")
    assert run_cli(ws, "install", "--claude").returncode == 0
    git(ws, "add", "-A")
    git(ws, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: harness")
    return ws


@pytest.fixture
def ws(installed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(installed, copy, symlinks=True)
    return copy


def doctor(ws: Path, *args: str, lang: str = "en") -> tuple[int, list[dict[str, object]], str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env["LANG"] = "es_ES.UTF-8" if lang == "es" else "C.UTF-8"
    proc = run_cli(ws, "doctor", "--format", "json", *args, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    text = run_cli(ws, "doctor", *args[:0], env=env)
    assert text.returncode == proc.returncode and "Traceback" not in text.stderr
    return proc.returncode, [c for c in data["checks"] if not c["ok"]], text.stdout


def test_the_installed_workspace_is_healthy(ws: Path) -> None:
    code, failing, _text = doctor(ws)
    assert code == 0, failing


MCP_BROKEN = {
    "bad json": (b"{bad", "not valid JSON"),
    "not utf-8": (b'{"mcpServers": {"x\xff": {}}}', "not UTF-8"),
    "a list": (b"[]", "not a JSON object"),
    "servers a list": (b'{"mcpServers": []}', "`mcpServers` is not an object"),
    "entry missing": (b'{"mcpServers": {"other": {"command": "x"}}}', "has no `workspace-guard`"),
    "points elsewhere": (
        b'{"mcpServers": {"workspace-guard": {"command": "node", "args": ["x.js"]}}}',
        "points elsewhere",
    ),
}


@pytest.mark.parametrize("case", sorted(MCP_BROKEN))
def test_a_broken_mcp_json_is_reported(ws: Path, case: str) -> None:
    content, words = MCP_BROKEN[case]
    (ws / ".mcp.json").write_bytes(content)
    code, failing, text = doctor(ws)
    assert code == 1 and [c["layer"] for c in failing] == ["mcp"], failing
    assert words in str(failing[0]["detail"]) and ".mcp.json" in str(failing[0]["detail"])
    assert "✗ mcp:" in text
    code, failing, spanish = doctor(ws, lang="es")
    assert code == 1 and not english_lines(spanish), "\n".join(english_lines(spanish))
    code, failing, _text = doctor(ws, "--fix")
    if case in ("entry missing", "points elsewhere"):  # ours to rewrite; the rest is the user's
        assert code == 0, failing
        servers = json.loads((ws / ".mcp.json").read_text())["mcpServers"]
        assert "workspace-guard" in servers and ("other" in servers) == (case == "entry missing")
    else:
        assert code == 1 and (ws / ".mcp.json").read_bytes() == content


def test_no_entry_is_fine_where_claude_hooks_are_not_installed(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    assert run_cli(ws, "install").returncode == 0
    (ws / ".mcp.json").write_text('{"mcpServers": {"other": {"command": "x"}}}')
    code, failing, text = doctor(ws)
    assert code == 0, failing
    assert "- mcp:" in text


HARNESSES = {
    "claude": (".claude/settings.json", '"${CLAUDE_PROJECT_DIR:-.}"'),
    "codex": (".codex/hooks.json", None),
    "gemini": (".gemini/settings.json", '"${GEMINI_PROJECT_DIR:-${CLAUDE_PROJECT_DIR:-.}}"'),
}


def _age(ws: Path, harness: str) -> Path:
    """Rewrite every command of ours in the harness's settings the way an old install wrote it."""
    rel, project = HARNESSES[harness]
    where = (
        'd=$PWD; until [ -e "$d/.git" ] || [ -z "$d" ]; do d=${d%/*}; done; d=${d:-.}'
        if project is None
        else f"d={project}"
    )
    path = ws / rel
    data = json.loads(path.read_text())
    for groups in data["hooks"].values():
        for group in groups:
            for item in group["hooks"]:
                if "wg-hook" in item["command"]:
                    item["command"] = pre_ae7d70a_command(harness, where)
    path.write_text(json.dumps(data, indent=2))
    return path


@pytest.mark.parametrize("harness", sorted(HARNESSES))
def test_an_install_made_before_the_client_check_is_named(ws: Path, harness: str) -> None:
    if harness != "claude":
        proc = run_cli(ws, "install", "--harness", harness)
        assert proc.returncode == 0, proc.stderr
    path = _age(ws, harness)
    code, failing, text = doctor(ws)
    assert code == 1, text
    details = [str(c["detail"]) for c in failing if c["layer"] == "harness"]
    assert any("installed before the hook client's SHA-256 check" in d for d in details), details
    assert f"install --harness {harness}" in text
    code, failing, spanish = doctor(ws, lang="es")
    assert "SHA-256" in spanish and not english_lines(spanish), "\n".join(english_lines(spanish))
    code, failing, _text = doctor(ws, "--fix")
    assert not [c for c in failing if c["layer"] == "harness" and "codex does" not in c["detail"]]
    assert not any(unchecked_client(c) for c in _commands(path))


def _commands(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    return [
        item["command"] for groups in data["hooks"].values() for g in groups for item in g["hooks"]
    ]


def test_the_shape_is_told_from_the_current_command() -> None:
    from workspace_guard.commands.harness_install import command

    for harness in ("claude", "codex", "gemini", "cursor", "cline"):
        assert not unchecked_client(command(harness)), harness
        assert unchecked_client(pre_ae7d70a_command(harness, "d=.")), harness


def test_a_client_not_listed_is_reported_and_rebuilt(ws: Path) -> None:
    client = ws / CLIENT
    assert client.exists() and (ws / SUMS).exists()
    with client.open("ab") as handle:
        handle.write(b"\n# replaced\n")
    code, failing, text = doctor(ws)
    assert code == 1 and "is not listed in .workspace/bin/wg-hook-client.sums" in text, text
    assert "rm .git/workspace-guard/serve/client" in text
    code, failing, _text = doctor(ws, "--fix")
    assert code == 0, failing
    assert b"# replaced" not in client.read_bytes()
    assert run_cli(ws, "doctor").returncode == 0


SETTINGS_BROKEN = {
    "bad json": b"{",
    "not utf-8": b'{"hooks": {"\xff": 1}}',
    "a list": b"[]",
    "hooks a list": b'{"hooks": []}',
}


@pytest.mark.parametrize("case", sorted(SETTINGS_BROKEN))
def test_broken_harness_settings_are_reported(ws: Path, case: str) -> None:
    (ws / ".claude" / "settings.json").write_bytes(SETTINGS_BROKEN[case])
    code, failing, _text = doctor(ws)
    assert code == 1 and "settings.json" in str(failing[0]["detail"]), failing
    code, failing, spanish = doctor(ws, lang="es")
    assert code == 1 and not english_lines(spanish), "\n".join(english_lines(spanish))


def test_where_the_rules_come_from_in_spanish(tmp_path: Path) -> None:
    """A clone whose origin has no rules yet: doctor says so in the user's language."""
    from helpers.repos import unadopted_workspace

    origin = unadopted_workspace(tmp_path / "origin")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    clone = tmp_path / "clone"
    (clone / ".workspace").mkdir(exist_ok=True)
    shutil.copy(
        make_workspace(tmp_path / "ref") / ".workspace" / "rules.yaml", clone / ".workspace"
    )
    git(clone, "add", "-A")
    git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "chore: rules")
    _code, _failing, spanish = doctor(clone, lang="es")
    assert "origin/main aún no tiene reglas" in spanish, spanish
    assert not english_lines(spanish), "\n".join(english_lines(spanish))
    _code, _failing, english = doctor(clone)
    assert "origin/main has no rules yet" in english


def test_a_huge_client_or_settings_file_does_not_stall_doctor(ws: Path) -> None:
    """ATTACK F22's shape: a client grown (sparse) to gigabytes is reported without reading it;
    so is a settings file far larger than any real one."""
    import time

    os.truncate(ws / CLIENT, 8 << 30)
    with (ws / ".mcp.json").open("ab") as handle:
        handle.truncate(64 << 20)
    start = time.monotonic()
    code, _failing, text = doctor(ws)
    assert time.monotonic() - start < 60
    assert code == 1 and "is not listed in" in text and "larger than 4 MB" in text, text
