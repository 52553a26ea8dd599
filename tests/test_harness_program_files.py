"""The installation that runs the gate (its Python, standard library, site-packages, user site,
virtualenv, package files, the recorded program) is out of every tool call's reach, a
superuser's included: a written `.pth` or module would answer every later hook call. Real hook
processes; nothing is written there (only the gate is asked)."""

from __future__ import annotations

import os
import shlex
import site
import sys
from pathlib import Path

import pytest
from helpers.harness import OTHER, claude_event, denied, hook
from helpers.repos import git

import workspace_guard

SUPERUSER = "master-orchestrator"
REASON = "installation that runs workspace-guard"


def _site_packages() -> str:
    return site.getsitepackages()[0]


def _stdlib() -> str:
    return os.path.dirname(os.__file__)


def _user_site() -> str:
    """The hook's user site: below the HOME it starts with."""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return os.path.join(os.environ["HOME"], ".local", "lib", version, "site-packages")


def _package() -> str:
    return os.path.dirname(os.path.abspath(workspace_guard.__file__))


# (kind, file) — a file in each kind of root the hook process runs from
ROOTS = {
    "pth": lambda: os.path.join(_site_packages(), "zz_gate.pth"),
    "sitecustomize": lambda: os.path.join(_site_packages(), "sitecustomize.py"),
    "dependency": lambda: os.path.join(_site_packages(), "yaml", "__init__.py"),
    "user-site": lambda: os.path.join(_user_site(), "usercustomize.py"),
    "stdlib": lambda: os.path.join(_stdlib(), "encodings", "__init__.py"),
    "venv-bin": lambda: os.path.join(sys.prefix, "bin", "python"),
    "console-script": lambda: os.path.join(sys.prefix, "bin", "workspace-guard"),
    "package": lambda: os.path.join(_package(), "__init__.py"),
    "package-module": lambda: os.path.join(_package(), "gates", "harness", "gate.py"),
}


def _tool(ws: Path, tool: str, data: dict[str, object], agent: str = OTHER) -> str | None:
    return denied(hook(ws, "claude", claude_event(ws, tool, data, agent=agent)))


def _bash(ws: Path, command: str, agent: str = OTHER) -> str | None:
    return _tool(ws, "Bash", {"command": command}, agent)


@pytest.mark.parametrize("kind", sorted(ROOTS))
def test_a_file_tool_may_not_write_the_installation(workspace: Path, kind: str) -> None:
    path = ROOTS[kind]()
    for tool, data in [
        ("Write", {"file_path": path, "content": "import os; os._exit(0)\n"}),
        ("Edit", {"file_path": path, "old_string": "a", "new_string": "b"}),
    ]:
        reason = _tool(workspace, tool, data)
        assert reason is not None and REASON in reason, (tool, path, reason)


@pytest.mark.parametrize("kind", sorted(ROOTS))
@pytest.mark.parametrize(
    "shape",
    [
        "sed -i 1s/^/x/ {p}",
        "echo 'import os' >> {p}",
        "cp /dev/null {p}",
        "echo x | tee -a {p}",
        "python3 -c \"open('{p}', 'a').write('x')\"",
    ],
)
def test_a_shell_command_may_not_write_the_installation(
    workspace: Path, kind: str, shape: str
) -> None:
    path = ROOTS[kind]()
    command = shape.format(p=path if "open(" in shape else shlex.quote(path))
    reason = _bash(workspace, command)
    assert reason is not None and REASON in reason, (command, reason)


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf {prefix}/lib",
        "mv {package} /tmp/elsewhere",
        "ln -sf /bin/true {prefix}/bin/python",
        "cd {sp} && echo x > zz.pth",
    ],
)
def test_replacing_or_reaching_it_by_other_spellings(workspace: Path, command: str) -> None:
    command = command.format(prefix=sys.prefix, package=_package(), sp=_site_packages())
    reason = _bash(workspace, command)
    assert reason is not None and REASON in reason, (command, reason)


def test_through_a_symbolic_link(workspace: Path, tmp_path: Path) -> None:
    link = tmp_path / "sp"
    link.symlink_to(_site_packages())
    reason = _tool(workspace, "Write", {"file_path": str(link / "zz.pth"), "content": "x"})
    assert reason is not None and REASON in reason, reason
    reason = _bash(workspace, f"echo x > {link}/zz.pth")
    assert reason is not None and REASON in reason, reason


def test_a_superuser_may_not_either(workspace: Path) -> None:
    path = ROOTS["pth"]()
    reason = _tool(workspace, "Write", {"file_path": path, "content": "x"}, SUPERUSER)
    assert reason is not None and REASON in reason, reason
    reason = _bash(workspace, f"echo x >> {ROOTS['package']()}", SUPERUSER)
    assert reason is not None and REASON in reason, reason


def test_the_recorded_program_is_protected(workspace: Path, tmp_path: Path) -> None:
    venv = tmp_path / "other-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib").mkdir()
    (venv / "bin" / "workspace-guard").write_text("#!/bin/sh\n")
    common = git(workspace, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    state = Path(common) / "workspace-guard"
    state.mkdir(exist_ok=True)
    (state / "program").write_text(f"{venv / 'bin' / 'workspace-guard'}\n")
    reason = _bash(workspace, f"echo x > {venv}/lib/zz.pth")
    assert reason is not None and REASON in reason, reason
    reason = _tool(workspace, "Write", {"file_path": str(venv / "bin" / "workspace-guard")})
    assert reason is not None and REASON in reason, reason


@pytest.mark.parametrize(
    "command",
    [
        "echo x > {out}/notes.txt",
        "cp /dev/null {out}/copy.py",
        "echo x | tee -a {out}/log.txt",
        "sed -i s/a/b/ {out}/file.txt",
        "cat {sp}/yaml/__init__.py",
        "ls {prefix}/bin",
        "{python} -c 'print(1)'",
    ],
)
def test_other_writes_outside_the_repository_stay_allowed(
    workspace: Path, tmp_path: Path, command: str
) -> None:
    out = tmp_path / "outside"
    out.mkdir()
    command = command.format(out=out, sp=_site_packages(), prefix=sys.prefix, python=sys.executable)
    assert _bash(workspace, command) is None, command
    path = str(out / "new.py")
    assert _tool(workspace, "Write", {"file_path": path, "content": "x"}) is None


@pytest.mark.parametrize(
    ("tool", "key"),
    [("mcp__filesystem__write_file", "path"), ("mcp__desktop-commander__write_file", "path")],
)
def test_an_mcp_write_may_not_either(workspace: Path, tool: str, key: str) -> None:
    reason = _tool(workspace, tool, {key: ROOTS["pth"](), "content": "x"})
    assert reason is not None and REASON in reason, reason
    out = str(workspace.parent / "elsewhere.txt")
    assert _tool(workspace, tool, {key: out, "content": "x"}) is None


def test_a_glob_that_may_reach_it(workspace: Path, tmp_path: Path) -> None:
    stdlib = Path(_stdlib())
    pattern = f"{stdlib.parent}/*/encodings/__init__.py"
    reason = _bash(workspace, f"sed -i 1s/^/x/ {pattern}")
    assert reason is not None and REASON in reason, reason
    assert _bash(workspace, f"rm -rf {stdlib.parent.parent}/*") is not None
    (tmp_path / "out").mkdir()
    assert _bash(workspace, f"rm -f {tmp_path}/out/*.txt") is None
