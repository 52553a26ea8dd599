"""The remote whose default branch decides the rules is recorded, not chosen by a local name
(issue 12, ATTACK F104).

Where no `workspace-guard.rulesRef` is recorded, the local layers read the rules at the tracking
ref of the remote's own default branch, asked over the wire. Which remote that is, and at which
URL, `install` records (`workspace-guard.trustRemote`, `.trustRemoteUrl`), and the first judged
use records where an older install left nothing: a remote called `origin` added later, a rename
onto the recorded name, a changed URL or an `insteadOf` rewrite of it make the trusted revision
undetermined (fail closed with the repair), never the agent's. A repository with no rules
anywhere is not governed: nothing is written into it and nothing fails. Real clones of a real
bare "server" repository, real hooks, real processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli
from helpers.harness import claude_event, denied, hook
from helpers.repos import unadopted_workspace

RULES = ".workspace/rules.yaml"
AGENT = "backend-framework-ai"  # owns no protected file at app/main.py
NAME_KEY = "workspace-guard.trustRemote"
URL_KEY = "workspace-guard.trustRemoteUrl"
HEAD_KEY = "workspace-guard.trustRemoteHead"
PIN = "workspace-guard.rulesRef"


def _config(repo: Path, key: str) -> str:
    return git(repo, "config", "--local", "--get", key, check=False).strip()


def _outside(repo: Path, *args: str) -> str:
    """git run by a process outside the harness gate, its hooks disabled too."""
    nohooks = repo.parent / "nohooks"
    nohooks.mkdir(exist_ok=True)
    hook_file = repo / ".git/hooks/reference-transaction"
    if args[:2] == ("remote", "rename") and hook_file.exists():
        hook_file.unlink()  # git 2.39's `remote rename` runs it whatever core.hooksPath says
    return git(repo, "-c", f"core.hooksPath={nohooks}", *args)


def _unset(repo: Path, *keys: str) -> None:
    for key in keys:
        git(repo, "config", "--local", "--unset-all", key, check=False)


def _grant(text: str) -> str:
    old = "  - pattern: /app/main.py\n    owner: system-architect-ai\n"
    assert old in text
    return text.replace(old, f"  - pattern: /app/main.py\n    owner: {AGENT}\n")


def _refused(proc: subprocess.CompletedProcess[str]) -> str | None:
    """The reason a Claude-format hook answer blocks the call (a deny, or exit 2: the call is
    blocked and stderr says why), or None when it is allowed."""
    if proc.returncode == 2:
        assert proc.stderr.strip(), "a block without a reason"
        return proc.stderr
    return denied(proc)


def _write_main(ws: Path, cwd: Path | None = None, agent: str = AGENT) -> str | None:
    """The harness gate's answer to a Write of app/main.py (None: allowed)."""
    event = claude_event(
        cwd or ws, "Write", {"file_path": str(ws / "app/main.py"), "content": "x\n"}, agent
    )
    return _refused(hook(cwd or ws, "claude", event))


def _bash(ws: Path, command: str) -> str | None:
    return _refused(hook(ws, "claude", claude_event(ws, "Bash", {"command": command})))


def _server(tmp_path: Path, origin: Path, name: str = "server.git") -> Path:
    server = tmp_path / name
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(server))
    return server


def _evil(tmp_path: Path, clone: Path) -> Path:
    """The agent's own bare repository: this clone's history plus rules granting it app/main.py."""
    side = tmp_path / "side"
    git(tmp_path, "clone", "-q", str(clone), str(side))
    (side / RULES).write_text(_grant((side / RULES).read_text()))
    git(side, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "chore(workspace): rules")
    evil = tmp_path / "evil.git"
    git(tmp_path, "clone", "-q", "--bare", str(side), str(evil))
    return evil


@pytest.fixture
def governed(tmp_path: Path) -> Path:
    """A clone (remote `origin`) of a shared repository that has the example rules, installed."""
    server = _server(tmp_path, make_workspace(tmp_path / "origin"))
    git(tmp_path, "clone", "-q", str(server), "clone")
    clone = tmp_path / "clone"
    assert run_cli(clone, "install").returncode == 0
    return clone


# --- not governed -------------------------------------------------------------------------------


@pytest.mark.parametrize("reachable", [True, False])
def test_a_clone_with_an_origin_and_no_rules_is_not_governed(
    tmp_path: Path, workspace: Path, reachable: bool
) -> None:
    """The project's own checkout as the CI makes it: an origin, no rules anywhere; with the
    origin reachable or gone (the CI's copy of a clone)."""
    server = _server(tmp_path, unadopted_workspace(tmp_path / "plain"))
    git(tmp_path, "clone", "-q", "--no-local", str(server), "clone")
    clone = tmp_path / "clone"
    if not reachable:
        shutil.rmtree(server)
    for args in (("explain", "app/main.py"), ("lint",), ("claims",)):
        run_cli(clone, *args)
    # a write into it from another governed workspace, and one made standing in it
    assert _write_main(clone, cwd=workspace) is None
    proc = hook(clone, "claude", claude_event(clone, "Read", {"file_path": "app/main.py"}))
    assert proc.returncode == 0, proc.stderr
    assert "undetermined" not in proc.stdout + proc.stderr
    assert "cannot be determined" not in proc.stdout + proc.stderr
    assert not (clone / ".git/workspace-guard").exists()
    assert _config(clone, NAME_KEY) == "" and _config(clone, URL_KEY) == ""


# --- recorded at install ------------------------------------------------------------------------


def test_install_records_the_remote_and_its_url(governed: Path) -> None:
    url = _config(governed, "remote.origin.url")
    assert _config(governed, NAME_KEY) == "origin"
    assert _config(governed, URL_KEY) == url
    assert _config(governed, HEAD_KEY) == "refs/heads/main"
    assert _write_main(governed) is not None
    assert _write_main(governed, agent="system-architect-ai") is None


def test_a_clone_made_with_another_remote_name(tmp_path: Path) -> None:
    """`git clone -o upstream`, rulesRef not recorded (the F104 setup): the recorded `upstream`
    decides, and an `origin` the agent adds, fetches and renames into place decides nothing."""
    server = _server(tmp_path, make_workspace(tmp_path / "origin"))
    git(tmp_path, "clone", "-q", "-o", "upstream", str(server), "clone")
    clone = tmp_path / "clone"
    assert run_cli(clone, "install").returncode == 0
    _unset(clone, PIN)  # as an install made before the first push left it
    assert _config(clone, NAME_KEY) == "upstream"
    assert _write_main(clone) is not None
    evil = _evil(tmp_path, clone)
    command = f"git remote add o {evil} && git fetch -q o && git remote rename o origin"
    assert _bash(clone, command) is not None  # the rename onto `origin` is refused
    assert _bash(clone, "git remote rename o upstream") is not None  # onto the recorded name
    assert _bash(clone, f"git remote add upstream {evil}") is not None
    # done anyway (outside the gate): the recorded remote still decides
    _outside(clone, "remote", "add", "o", str(evil))
    _outside(clone, "fetch", "-q", "o")
    _outside(clone, "remote", "rename", "o", "origin")
    assert _write_main(clone) is not None
    proc = run_cli(clone, "explain", "app/main.py")
    assert "cannot be determined" not in proc.stderr


def test_an_origin_added_later_decides_nothing(governed: Path, tmp_path: Path) -> None:
    _outside(governed, "remote", "rename", "origin", "upstream")  # recorded: origin
    assert "workspace-guard install" in (_write_main(governed) or "")
    _unset(governed, PIN)  # it named refs/remotes/origin/main, gone with the rename
    assert run_cli(governed, "install").returncode == 0  # the repair records `upstream`
    assert _config(governed, NAME_KEY) == "upstream"
    evil = _evil(tmp_path, governed)
    _outside(governed, "remote", "add", "origin", str(evil))
    _outside(governed, "fetch", "-q", "origin")
    _outside(governed, "remote", "set-head", "origin", "main")
    _unset(governed, PIN)
    assert _write_main(governed) is not None
    assert _write_main(governed, agent="system-architect-ai") is None


def test_a_rename_onto_the_recorded_name_fails_closed(governed: Path, tmp_path: Path) -> None:
    evil = _evil(tmp_path, governed)
    _outside(governed, "remote", "rename", "origin", "old")
    _outside(governed, "remote", "add", "o", str(evil))
    _outside(governed, "fetch", "-q", "o")
    _outside(governed, "remote", "rename", "o", "origin")
    reason = _write_main(governed)
    assert reason is not None and "workspace-guard install" in reason
    # the owner is refused too: which rules decide cannot be told
    assert _write_main(governed, agent="system-architect-ai") is not None
    proc = run_cli(governed, "doctor")
    assert proc.returncode != 0 and "workspace-guard install" in proc.stdout + proc.stderr


@pytest.mark.parametrize("pinned", [True, False])
def test_a_changed_url_fails_closed(governed: Path, tmp_path: Path, pinned: bool) -> None:
    if not pinned:
        _unset(governed, PIN)
    evil = _evil(tmp_path, governed)
    assert _bash(governed, f"git remote set-url origin {evil}") is not None
    _outside(governed, "remote", "set-url", "origin", str(evil))
    _outside(governed, "fetch", "-q", "origin")
    reason = _write_main(governed)
    assert reason is not None and "workspace-guard install" in reason
    proc = run_cli(governed, "explain", "app/main.py")
    assert proc.returncode == 2 and str(evil) in proc.stderr


def test_an_insteadof_rewrite_of_the_url_fails_closed(governed: Path, tmp_path: Path) -> None:
    """F91's class: the URL in the config stays, git fetches from elsewhere."""
    evil = _evil(tmp_path, governed)
    url = _config(governed, "remote.origin.url")
    assert _bash(governed, f"git config url.{evil}.insteadOf {url}") is not None
    _outside(governed, "config", f"url.{evil}.insteadOf", url)
    reason = _write_main(governed)
    assert reason is not None and "insteadOf" in reason


def test_an_extra_remote_blocks_nobody(governed: Path, tmp_path: Path) -> None:
    """The DoS of F104: with the remote recorded, another remote changes nothing."""
    evil = _evil(tmp_path, governed)
    assert _bash(governed, f"git remote add evil {evil}") is None
    _outside(governed, "remote", "add", "evil", str(evil))
    _unset(governed, PIN)
    assert _write_main(governed) is not None
    assert _write_main(governed, agent="system-architect-ai") is None


# --- the remote's own HEAD ------------------------------------------------------------------------


def test_the_remote_head_names_the_branch_not_the_local_pointers(tmp_path: Path) -> None:
    """The server's default branch is `trunk`; the clone's origin/HEAD repointed at a branch
    holding the agent's rules is not followed."""
    origin = make_workspace(tmp_path / "origin")
    git(origin, "branch", "-m", "main", "trunk")  # the server's HEAD names trunk
    server = _server(tmp_path, origin)
    git(tmp_path, "clone", "-q", str(server), "clone")
    clone = tmp_path / "clone"
    assert run_cli(clone, "install").returncode == 0
    _unset(clone, PIN)
    assert _config(clone, HEAD_KEY) == "refs/heads/trunk"
    evil = _evil(tmp_path, clone)
    _outside(clone, "fetch", "-q", str(evil), "+trunk:refs/remotes/origin/main")
    _outside(clone, "remote", "set-head", "origin", "main")
    _outside(clone, "config", "branch.trunk.merge", "refs/heads/main")
    assert _write_main(clone) is not None
    assert _write_main(clone, agent="system-architect-ai") is None


# --- offline --------------------------------------------------------------------------------------


def test_an_offline_remote_keeps_the_recorded_branch(governed: Path, tmp_path: Path) -> None:
    _unset(governed, PIN)
    shutil.move(tmp_path / "server.git", tmp_path / "away.git")
    assert _write_main(governed) is not None
    assert _write_main(governed, agent="system-architect-ai") is None


def test_an_offline_remote_never_asked_fails_closed(governed: Path, tmp_path: Path) -> None:
    _unset(governed, PIN, HEAD_KEY)
    shutil.move(tmp_path / "server.git", tmp_path / "away.git")
    reason = _write_main(governed, agent="system-architect-ai")
    assert reason is not None and "workspace-guard install" in reason


# --- an older install -----------------------------------------------------------------------------


def test_an_older_install_gets_its_record_at_the_first_judged_use(
    governed: Path, tmp_path: Path
) -> None:
    _unset(governed, PIN, NAME_KEY, URL_KEY, HEAD_KEY)
    url = _config(governed, "remote.origin.url")
    # a read-only command reads, never records
    assert run_cli(governed, "explain", "app/main.py").returncode == 0
    assert _config(governed, NAME_KEY) == ""
    assert _write_main(governed) is not None  # judged: recorded now
    assert _config(governed, NAME_KEY) == "origin"
    assert _config(governed, URL_KEY) == url
    assert _config(governed, HEAD_KEY) == "refs/heads/main"
    audit = (governed / ".git/workspace-guard/audit.jsonl").read_text().splitlines()
    assert any(json.loads(line).get("key") == NAME_KEY for line in audit)
    evil = _evil(tmp_path, governed)
    _outside(governed, "remote", "set-url", "origin", str(evil))
    _outside(governed, "fetch", "-q", "origin")
    assert _write_main(governed, agent="system-architect-ai") is not None


def test_an_older_install_with_several_remotes_follows_mains_upstream(
    tmp_path: Path,
) -> None:
    server = _server(tmp_path, make_workspace(tmp_path / "origin"))
    git(tmp_path, "clone", "-q", "-o", "upstream", str(server), "clone")
    clone = tmp_path / "clone"
    assert run_cli(clone, "install").returncode == 0
    _unset(clone, PIN, NAME_KEY, URL_KEY, HEAD_KEY)
    evil = _evil(tmp_path, clone)
    _outside(clone, "remote", "add", "evil", str(evil))
    _outside(clone, "fetch", "-q", "evil")
    assert _write_main(clone) is not None
    assert _config(clone, NAME_KEY) == "upstream"
    assert _write_main(clone, agent="system-architect-ai") is None
