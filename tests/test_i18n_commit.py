"""Spanish in the commit and push gates: a workspace whose committed rules say `language: es`
(or WORKSPACE_GUARD_LANG=es) hears the commit-msg refusal, `check-msg` and the pre-receive
rejection in Spanish; violation ids and the machine-readable shapes stay as they are, and English
stays the default. Real repositories, the installed hooks, real `git commit` and `git push`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import EXAMPLE_RULES, git, make_workspace, run_cli

AGENT = "backend-framework-ai"


def spanish_rules() -> str:
    return EXAMPLE_RULES.read_text() + "\nlanguage: es\n"


def message(
    *,
    files: str = "README.md",
    agent: str | None = AGENT,
    protocol: str = "SEGUIDO",
    subject: str = "docs(readme): describe the shop",
) -> str:
    lines = [subject, "", "Workspace-Check: ✅ Consultado", f"Archivo: {files}"]
    if agent is not None:
        lines.append(f"Agente: {agent}")
    lines += [f"Protocolo: {protocol}", "Tests: PASSED"]
    return "\n".join(lines) + "\n"


def installed(tmp_path: Path, rules: str | None) -> Path:
    repo = make_workspace(tmp_path / "ws", rules)
    proc = run_cli(repo, "install")
    assert proc.returncode == 0, proc.stderr
    return repo


def git_commit(
    repo: Path, text: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A real `git commit -F FILE` of one staged README change; refused means HEAD stayed."""
    with open(repo / "README.md", "a", encoding="utf-8") as handle:
        handle.write("more\n")
    git(repo, "add", "README.md")
    msg = repo.parent / "message.txt"
    msg.write_text(text, encoding="utf-8")
    before = git(repo, "rev-parse", "HEAD")
    proc = subprocess.run(
        ["git", "commit", "-q", "-F", str(msg)],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if proc.returncode:
        assert git(repo, "rev-parse", "HEAD") == before
    return proc


def test_commit_msg_refusal_in_spanish(tmp_path: Path) -> None:
    repo = installed(tmp_path, spanish_rules())
    proc = git_commit(repo, message(agent=None))
    assert proc.returncode != 0
    err = proc.stderr
    assert "workspace-guard: commit rechazado — 1 problema en " in err
    assert "✗ [field-missing] falta el campo `Agente` (o `Agent`): añade " in err
    assert "`Agente: <nombre-de-tu-agente>`" in err
    assert "Un mensaje que pasa las comprobaciones:" in err
    assert "Tu mensaje se conserva en" in err
    assert "commit refused" not in err and "missing field" not in err


def test_ownership_refusal_in_spanish(tmp_path: Path) -> None:
    repo = installed(tmp_path, spanish_rules())
    (repo / "app" / "main.py").write_text("app = None\n")
    git(repo, "add", "app/main.py")
    proc = git_commit(repo, message(files="README.md"))
    assert proc.returncode != 0
    err = proc.stderr
    assert "commit rechazado — 3 problemas" in err
    assert "✗ [protocol-insufficient] app/main.py: `app/main.py` (crítico; regla" in err
    assert "está protegido con nivel crítico: obtén la aprobación de system-architect-ai" in err
    assert "(en el mensaje: `Protocolo: SEGUIDO`); escalación: master-orchestrator" in err
    assert "✗ [approval-missing]" in err and "el mensaje necesita `Aprobado-por:`" in err
    assert "✗ [file-not-listed]" in err and "añade `Archivo: app/main.py` (lista: README.md)" in err


def test_the_environment_chooses_spanish_for_check_msg_json(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws")
    msg = tmp_path / "msg.txt"
    msg.write_text(message(agent=None, subject="docs readme"), encoding="utf-8")
    es = run_cli(
        repo, "check-msg", "--format", "json", str(msg), env={"WORKSPACE_GUARD_LANG": "es"}
    )
    en = run_cli(repo, "check-msg", "--format", "json", str(msg))
    assert es.returncode == en.returncode == 1
    spanish, english = json.loads(es.stdout), json.loads(en.stdout)
    assert [v["id"] for v in spanish["violations"]] == [v["id"] for v in english["violations"]]
    assert [v["id"] for v in spanish["violations"]] == ["subject-format", "field-missing"]
    first, last = (v["message"] for v in spanish["violations"])
    assert first.startswith("el asunto `docs readme` no tiene la forma `tipo(área): descripción`")
    assert last.startswith("falta el campo `Agente` (o `Agent`)")
    assert spanish["example"].startswith("tipo(área): descripción breve\n")
    assert english["violations"][1]["message"].startswith("missing field `Agente` (or `Agent`)")
    assert english["example"].startswith("type(area): short description\n")


def test_english_stays_the_default(tmp_path: Path) -> None:
    repo = installed(tmp_path, None)
    proc = git_commit(repo, message(agent=None))
    assert proc.returncode != 0
    assert "workspace-guard: commit refused — 1 problem in " in proc.stderr
    assert "missing field `Agente` (or `Agent`)" in proc.stderr
    assert "A message that passes:" in proc.stderr
    assert "rechazado" not in proc.stderr and "falta" not in proc.stderr


def test_english_wins_over_spanish_rules_with_the_environment(tmp_path: Path) -> None:
    repo = installed(tmp_path, spanish_rules())
    proc = git_commit(repo, message(agent=None), env={"WORKSPACE_GUARD_LANG": "en"})
    assert proc.returncode != 0
    assert "commit refused — 1 problem" in proc.stderr and "rechazado" not in proc.stderr


def test_pre_receive_rejection_in_spanish(tmp_path: Path) -> None:
    seed = make_workspace(tmp_path / "seed", spanish_rules())
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(seed, "push", "-q", str(bare), "main")
    proc = run_cli(tmp_path, "install", "--server", str(bare))
    assert proc.returncode == 0, proc.stderr
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    (clone / "app" / "main.py").write_text("app = None\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--no-verify", "-m", message(files="app/main.py"))
    push = subprocess.run(
        ["git", "push", "origin", "main"], cwd=clone, capture_output=True, text=True, check=False
    )
    err = push.stderr
    assert push.returncode != 0 and "Traceback" not in err
    assert "workspace-guard: push rechazado — no se siguió el protocolo del workspace:" in err
    assert "✗ [protocol-insufficient] app/main.py:" in err
    assert "obtén la aprobación de system-architect-ai" in err
    assert "(consulta a system-architect-ai)" in err
    assert "Corrige los commits (git rebase -i" in err
    assert "push rejected" not in err


def test_check_commits_text_in_spanish(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "ws", spanish_rules())
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app" / "main.py").write_text("app = None\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message(files="app/main.py"))
    proc = run_cli(repo, "check-commits", f"{base}..HEAD")
    assert proc.returncode == 1, proc.stderr
    assert "está protegido con nivel crítico" in proc.stdout
    assert "AGENTE" in proc.stdout and "VIOLACIONES" in proc.stdout
    assert "1 commits revisados, 1 con violaciones" in proc.stdout
