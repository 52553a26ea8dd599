"""Instructions read from a file are judged without reading the file (ATTACK F92): a patch or a
script a command reads from a file can be rewritten between the gate's decision and its use (a
background job started by an earlier, allowed call: `nohup sh -c 'sleep 2; cp evil p.patch' &`,
then `sleep 4; apply_patch < p.patch`). So no verdict depends on such a file's content; a patch
given inline (a here-document) is read, and the denial of a patch file says how to give it so.

Every place where a command reads its instructions from a file, and how it is judged:

| command | judged as |
|---|---|
| `apply_patch < F`, `applypatch < F` | every file (the patch may change) |
| `git apply F`, `git am F`, `git apply < F`, `git am < F` | every file |
| `patch -i F`, `patch < F` | every file (already) |
| `. F`, `source F`, `bash F`, `sh < F`, `python3 F`, `python3 < F` | code the gate cannot read |
| `sed -f F`, `awk -f F`, `vim -s F`, `vim -S F`, `sqlite3 DB < F`, `at -f F` | the same |
| `ed FILE < F`, `ex FILE < F`, `vi -es FILE < F` | the same (an ed script may `w` any file) |
| `cat F \\| ed FILE` | code from a pipe: every file |
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import bash_denied

AGENT = "backend-framework-ai"
OFFICE = ".workspace/departments/backend/backend-framework-ai"
BENIGN = f"*** Begin Patch\n*** Add File: {OFFICE}/n.txt\n+hi\n*** End Patch\n"
EVIL = "*** Begin Patch\n*** Update File: app/main.py\n@@\n-x\n+y\n*** End Patch\n"


def _diff(path: str) -> str:
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"


def _mbox(path: str) -> str:
    head = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
    return head + "From: a <a@b>\nSubject: [PATCH] x\n\n---\n" + _diff(path)


def _workspace(tmp_path: Path, policy: str | None = None) -> Path:
    text = EXAMPLE_RULES.read_text()
    extra = "  escalate_after: 100000\n" + (f"  unknown_code: {policy}\n" if policy else "")
    ws = make_workspace(tmp_path / "ws", text.replace("harness:\n", "harness:\n" + extra))
    (ws / OFFICE).mkdir(parents=True, exist_ok=True)
    return ws


def test_f92_background_rewrite_of_a_patch_file(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    patch = f"{OFFICE}/p.patch"
    (ws / patch).write_text(BENIGN)
    call_a = (
        f"printf '{EVIL}' > {OFFICE}/evil.txt; "
        f"nohup sh -c 'sleep 2; cp {OFFICE}/evil.txt {patch}' >/dev/null 2>&1 &"
    )
    assert bash_denied(ws, call_a, AGENT) is None  # office writes only
    reason = bash_denied(ws, f"sleep 4; apply_patch < {patch}", AGENT)
    assert reason is not None
    assert "apply_patch <<'EOF'" in reason  # how to give the patch inline
    assert bash_denied(ws, f"apply_patch < {OFFICE}/evil.txt", AGENT) is not None


PATCH_FILE_COMMANDS = [
    "apply_patch < {f}",
    "applypatch < {f}",
    "cd app && apply_patch < ../{f}",
    "git apply {f}",
    "git apply -v {f}",
    "git apply < {f}",
    "git am {f}",
    "git am < {f}",
    "patch -p1 -i {f}",
    "patch -p1 < {f}",
]


@pytest.mark.parametrize("template", PATCH_FILE_COMMANDS)
def test_a_patch_file_is_every_file_whatever_it_holds(tmp_path: Path, template: str) -> None:
    """The verdict is the same for a benign and an evil patch file: every file."""
    ws = _workspace(tmp_path)
    patch = f"{OFFICE}/p.patch"
    for content in (BENIGN, _diff(f"{OFFICE}/n.txt"), _mbox(f"{OFFICE}/n.txt"), EVIL):
        (ws / patch).write_text(content)
        reason = bash_denied(ws, template.format(f=patch), AGENT)
        assert reason is not None, (template, content)
        assert "docker-compose.yml" in reason or "every" in reason, reason


INLINE_OFFICE = [
    f"apply_patch <<'EOF'\n{BENIGN}EOF\n",
    f"git apply <<'EOF'\n{_diff(OFFICE + '/n.txt')}EOF\n",
    f"git apply -v <<'EOF'\n{_diff(OFFICE + '/n.txt')}EOF\n",
    f"git am <<'EOF'\n{_mbox(OFFICE + '/n.txt')}EOF\n",
    f"cd {OFFICE} && git apply <<'EOF'\n{_diff(OFFICE + '/n.txt')}EOF\n",
    f"apply_patch <<'EOF'\n{BENIGN.replace('+hi', '+echo $HOME `x`')}EOF\n",  # quoted: fixed
    f"git apply <<'EOF'\n{_diff(OFFICE + '/n.txt')}+echo $HOME\nEOF\n",
]
INLINE_PROTECTED = [
    f"apply_patch <<'EOF'\n{EVIL}EOF\n",
    f"git apply <<'EOF'\n{_diff('app/main.py')}EOF\n",
    f"git apply -p1 <<'EOF'\n{_diff('app/main.py')}EOF\n",
    f"git am <<'EOF'\n{_mbox('app/main.py')}EOF\n",
    f"cd app && git apply <<'EOF'\n{_diff('app/main.py')}EOF\n",  # paths from the top
    f"cd app && git apply <<'EOF'\n{_diff('main.py')}EOF\n",  # and from here
    f"git apply --directory=app <<'EOF'\n{_diff('main.py')}EOF\n",
    f"git apply -p2 <<'EOF'\n{_diff('x/app/main.py')}EOF\n",
    f"git apply <<EOF\n{_diff('$P')}EOF\n",  # an expansion in the text
    "X='*** Update File: app/main.py'; apply_patch <<EOF\n*** Begin Patch\n$X\n*** End Patch\nEOF\n",
    "apply_patch <<EOF\n*** Begin Patch\n$(cat h)\n*** End Patch\nEOF\n",
    "apply_patch <<EOF\n*** Begin Patch\n`cat h`\n*** End Patch\nEOF\n",
    f"git apply <<EOF\n{_diff(OFFICE + '/n.txt')}$(cat h)\nEOF\n",
    f"git am --continue <<'EOF'\n{_mbox(OFFICE + '/n.txt')}EOF\n",  # applies what am left
    f"git apply {OFFICE}/x.patch <<'EOF'\n{_diff(OFFICE + '/n.txt')}EOF\n",  # a file too
]


@pytest.mark.parametrize("command", INLINE_OFFICE, ids=lambda c: c[:40])
def test_an_inline_patch_is_read(tmp_path: Path, command: str) -> None:
    ws = _workspace(tmp_path)
    assert bash_denied(ws, command, AGENT) is None


@pytest.mark.parametrize("command", INLINE_PROTECTED, ids=lambda c: c[:40])
def test_an_inline_patch_naming_a_protected_file_is_denied(tmp_path: Path, command: str) -> None:
    ws = _workspace(tmp_path)
    reason = bash_denied(ws, command, AGENT)
    assert reason is not None and "app/main.py" in reason


SCRIPT_FILE_COMMANDS = [
    ". {f}",
    "source {f}",
    "bash {f}",
    "sh < {f}",
    "python3 {f}",
    "python3 < {f}",
    "sed -f {f} notes.txt",
    "awk -f {f} notes.txt",
    "vim -s {f} notes.txt",
    "vim -S {f}",
    "sqlite3 db.sqlite < {f}",
    "at -f {f} now",
    "ed notes.txt < {f}",
    "ed -s notes.txt < {f}",
    "ex notes.txt < {f}",
    "vi -es notes.txt < {f}",
    "ed < {f}",
]


@pytest.mark.parametrize("template", SCRIPT_FILE_COMMANDS)
def test_a_script_file_is_code_the_gate_cannot_read(tmp_path: Path, template: str) -> None:
    """Under `unknown_code: deny` every one is refused, whatever the script file holds."""
    ws = _workspace(tmp_path, "deny")
    script = f"{OFFICE}/s"
    for content in ("w app/main.py\nq\n", "p\nq\n"):
        (ws / script).write_text(content)
        reason = bash_denied(ws, template.format(f=script), AGENT)
        assert reason is not None and "unknown_code" in reason, (template, content)


@pytest.mark.parametrize(
    "command", ["cat {f} | ed notes.txt", "cat {f} | ex -s notes.txt", "cat {f} | vi -es notes.txt"]
)
def test_an_editor_script_from_a_pipe_is_every_file(tmp_path: Path, command: str) -> None:
    ws = _workspace(tmp_path)
    (ws / OFFICE / "s").write_text("p\nq\n")
    reason = bash_denied(ws, command.format(f=f"{OFFICE}/s"), AGENT)
    assert reason is not None and "app/main.py" in reason
