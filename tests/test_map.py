"""`workspace-guard map`: the data (every tracked file decided as every layer decides it, the
recent violations per path) and the page itself, rendered by a real headless Chromium.

Chromium comes from Debian's packages: the session fixture uses the one on PATH, else installs it
with apt-get when running as root, else skips the browser tests with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import git, make_workspace, run_cli

from workspace_guard.commands.map import collect, office_index
from workspace_guard.core.decide import Decider
from workspace_guard.repo import Repo

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
NASTY = "docs/</script><script>window.pwned=1</script>&amp;.md"


def data_of(page: str) -> dict[str, object]:
    match = re.search(r'<script id="wg-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "no embedded data"
    loaded: dict[str, object] = json.loads(match.group(1))
    return loaded


@pytest.fixture
def mapped(workspace: Path) -> Path:
    """The example workspace with an awkward file name and two recorded violations."""
    nasty = workspace / NASTY
    nasty.parent.mkdir(parents=True, exist_ok=True)
    nasty.write_text("x\n")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "docs: add")
    denied = run_cli(
        workspace,
        "validate",
        "backend-framework-ai",
        "app/main.py",
        "alembic/versions/9_new.py",
        "docker-compose.yml",
    )
    assert denied.returncode == 1
    return workspace


# --- the data -------------------------------------------------------------------------------------


def test_every_tracked_file_is_decided_as_the_decider_does(mapped: Path) -> None:
    repo = Repo.discover(str(mapped))
    data = collect(repo)
    decider: Decider = repo.decider()
    rows = {row[0]: row for row in data["files"]}  # type: ignore[attr-defined]
    tracked = git(mapped, "ls-files", "-z").split("\0")[:-1]
    assert set(tracked) <= set(rows)
    for path in tracked:
        _, kind, ref = rows[path]
        office = decider.rules.office_of(path)
        rule = decider.rule_for(path)
        if office is not None:
            assert (kind, data["offices"][ref]["agent"]) == ("o", office.name)  # type: ignore[index]
        elif rule is not None and rule.level != "none":
            assert kind == rule.level[0] and data["rules"][ref]["pattern"] == rule.pattern  # type: ignore[index]
        else:
            assert kind == "u"


def test_violations_per_path_and_per_agent(mapped: Path) -> None:
    data = collect(Repo.discover(str(mapped)))
    violations = data["violations"]
    assert violations["app/main.py"]["count"] == 1  # type: ignore[index]
    assert violations["app/main.py"]["recent"][0]["agent"] == "backend-framework-ai"  # type: ignore[index]
    assert data["by_agent"] == {"backend-framework-ai": 3}
    assert data["rules_source"] == "HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "a",
        "a/b",
        ".workspace/departments/backend/backend-framework-ai/x.md",
        ".workspace/departments/backend/backend-framework-ai",
        ".workspace/departments/backend/x",
        ".workspace/departments/backend/backend-framework-ai-2/x",
        "deep/.workspace/departments/x",
    ],
)
def test_office_lookup_matches_the_rules(workspace: Path, path: str) -> None:
    rules = Repo.discover(str(workspace)).decider().rules
    offices = sorted(a.office or "" for a in rules.agents.values() if a.office)
    found = office_index(path, {o: i for i, o in enumerate(offices)})
    agent = rules.office_of(path)
    assert (offices[found] if found >= 0 else None) == (agent.office if agent else None)


# --- the command ----------------------------------------------------------------------------------


def test_map_writes_one_self_contained_page(mapped: Path) -> None:
    proc = run_cli(mapped, "map", "-o", "out/map.html")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    page = (mapped / "out" / "map.html").read_text()
    assert not re.search(r"""(src|href)\s*=|https?://|@import|url\(""", page), "fetches nothing"
    assert "default-src 'none'" in page
    assert "</script><script>window.pwned" not in page  # the data cannot close its script
    data = data_of(page)
    assert NASTY in [row[0] for row in data["files"]]  # type: ignore[attr-defined]
    assert any(row == ["alembic/versions/9_new.py", "x", -1] for row in data["files"])  # type: ignore[attr-defined]


def test_map_to_stdout_and_since(mapped: Path) -> None:
    proc = run_cli(mapped, "map", "--since", "all")
    assert proc.returncode == 0
    assert data_of(proc.stdout)["since"] is None
    future = run_cli(mapped, "map", "--since", "2999-01-01")
    assert data_of(future.stdout)["violations"] == {}


@pytest.mark.parametrize(("args", "code"), [(["--since", "yesterday"], 2), ([], 2)])
def test_map_errors(tmp_path: Path, args: list[str], code: int) -> None:
    proc = run_cli(tmp_path, "map", *args)  # not a repository / bad --since
    assert proc.returncode == code
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("workspace-guard:")


def test_map_without_rules_is_exit_2(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path / "bare-rules", rules_text="", commit=False)
    (repo / ".workspace" / "rules.yaml").unlink()
    proc = run_cli(repo, "map")
    assert proc.returncode == 2
    assert "no rules file" in proc.stderr


# --- in a real browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(
            "chromium is not installed and cannot be installed here (needs root and apt: "
            "apt-get install -y chromium)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc = subprocess.run(
        # parallel workers each ask (a session fixture is per worker): wait for dpkg's lock
        ["apt-get", "-o", "DPkg::Lock::Timeout=900", "install", "-y", "-q", "chromium"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    found = shutil.which("chromium")
    if proc.returncode != 0 or not found:
        pytest.skip(f"apt-get install chromium failed: {proc.stderr.strip()[-300:]}")
    return found


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Iterator[list[str]]:
    profile = tmp_path / "chromium-profile"
    yield [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]


def render(browser: list[str], url: str, *, console_clean: bool = True) -> str:
    """The DOM after the page's scripts ran; console errors fail the test."""
    proc = subprocess.run(
        [*browser, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    if console_clean:
        console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
        assert not any("Uncaught" in line or "Error" in line for line in console), console
    return proc.stdout


def rendered_chips(dom: str) -> set[str]:
    return set(re.findall(r'<span class="chip"[^>]*>([^<]+)</span>', dom))


def test_page_renders_without_errors_and_shows_the_owners(mapped: Path, browser: list[str]) -> None:
    page = mapped / "map.html"
    assert run_cli(mapped, "map", "-o", str(page)).returncode == 0
    dom = render(browser, page.as_uri())
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None
    assert '<div id="wg-error"' not in dom and "data-error" not in body.group(1)
    files = len(data_of(page.read_text())["files"])  # type: ignore[arg-type]
    assert f'data-ready="{files}"' in body.group(1)  # the script ran to its end
    chips = rendered_chips(dom)  # drawn by the script from the embedded JSON
    assert {"system-architect-ai", "security-backend-ai", "master-orchestrator"} <= chips
    assert "<script>window.pwned" not in dom  # a file name is text, never markup


def test_a_script_error_would_be_seen(mapped: Path, browser: list[str]) -> None:
    """The check above means something: a page whose script fails shows the error marker."""
    page = mapped / "map.html"
    assert run_cli(mapped, "map", "-o", str(page)).returncode == 0
    broken = mapped / "broken.html"
    text = page.read_text()
    opening = '<script id="wg-data" type="application/json">'
    start = text.index(opening) + len(opening)
    broken.write_text(text[:start] + "{}" + text[text.index("</script>", start) :])
    dom = render(browser, broken.as_uri(), console_clean=False)
    assert '<div id="wg-error">map error:' in dom
    assert "data-ready" not in re.search(r"<body([^>]*)>", dom).group(1)  # type: ignore[union-attr]


def test_search_by_path_and_by_agent(mapped: Path, browser: list[str]) -> None:
    page = mapped / "map.html"
    assert run_cli(mapped, "map", "-o", str(page)).returncode == 0
    dom = render(browser, page.as_uri() + "#q=app/main.py")
    assert 'data-path="app/main.py"' in dom
    assert 'data-path="docker-compose.yml"' not in dom
    assert re.search(r'id="wg-count"[^>]*>1 matching file', dom)
    row = dom.split('data-path="app/main.py"')[1].split("</div>")[0]
    assert "system-architect-ai" in row and "⚠ 1" in row
    by_agent = render(browser, page.as_uri() + "#agent=cloud-infrastructure-ai")
    assert 'data-path="docker-compose.yml"' in by_agent
    assert 'data-path="app/main.py"' not in by_agent
    nothing = render(browser, page.as_uri() + "#q=no-such-thing-anywhere")
    assert "Nothing matches." in nothing


def test_screenshot(mapped: Path, browser: list[str], tmp_path: Path) -> None:
    page = mapped / "map.html"
    assert run_cli(mapped, "map", "-o", str(page)).returncode == 0
    shot = tmp_path / "map.png"
    proc = subprocess.run(
        [*browser, "--window-size=1280,900", f"--screenshot={shot}", page.as_uri() + "#q=app"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one


# --- the default view: protected and owned files first, vendored and ignored trees folded ---------

VENV_FILES = 3200


@pytest.fixture
def vendored(tmp_path: Path) -> Path:
    """The seed's shape: a committed virtualenv of thousands of files (which sorts before app/),
    a committed node_modules, and a generated folder the ignore rules cover, force-added."""
    repo = make_workspace(tmp_path / "ws")
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    for i in range(VENV_FILES):
        target = site / f"pkg{i % 40:02d}" / f"mod{i}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n")
    for i in range(40):
        (repo / "web" / "node_modules" / "left-pad").mkdir(parents=True, exist_ok=True)
        (repo / "web" / "node_modules" / "left-pad" / f"f{i}.js").write_text("//\n")
    (repo / "web" / "index.js").write_text("//\n")
    for i in range(25):
        (repo / "generated").mkdir(exist_ok=True)
        (repo / "generated" / f"out{i}.txt").write_text("x\n")
    (repo / ".gitignore").write_text("generated/\n.venv/\n")
    git(repo, "add", "-A")
    git(repo, "add", "-f", ".venv", "generated")
    git(repo, "commit", "-q", "-m", "chore: commit everything, as the seed did")
    return repo


def test_vendored_and_ignored_trees_are_folded(vendored: Path) -> None:
    data = collect(Repo.discover(str(vendored)))
    folds = {f["path"]: (f["why"], f["files"]) for f in data["folded"]}  # type: ignore[index]
    assert folds == {
        ".venv/": ("vendored", VENV_FILES),
        "web/node_modules/": ("vendored", 40),
        "generated/": ("ignored", 25),
    }
    paths = {row[0] for row in data["files"]}  # type: ignore[index]
    assert ".venv/lib/python3.11/site-packages/pkg00/mod0.py" in paths  # folded, still decided


@pytest.mark.parametrize(
    ("paths", "ignored", "expected"),
    [
        (["a/b/node_modules/x/y.js", "a/b/c.js"], set(), [("a/b/node_modules/", "vendored", 1)]),
        (["vendor/x.go", "vendor/__pycache__/y.pyc"], set(), [("vendor/", "vendored", 2)]),
        (["web/src/vendor/a.tsx", "web/src/b.tsx"], set(), []),  # a marketplace's own code
        (["out/a", "out/b"], {"out/a"}, []),  # partly ignored: the project's own folder
        (["out/a", "out/sub/b"], {"out/a", "out/sub/b"}, [("out/", "ignored", 2)]),
        (["top.log"], {"top.log"}, []),  # a file at the root is never a tree
        (["venvish/a", ".venv-old/a"], set(), []),
    ],
)
def test_folded_trees(
    paths: list[str], ignored: set[str], expected: list[tuple[str, str, int]]
) -> None:
    from workspace_guard.commands.map_folds import folded_trees

    found = [(f["path"], f["why"], f["files"]) for f in folded_trees(paths, ignored)]
    assert found == expected


def test_the_map_opens_on_protected_and_owned_files(vendored: Path, browser: list[str]) -> None:
    page = vendored / "map.html"
    proc = run_cli(vendored, "map", "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    dom = render(browser, page.as_uri())
    assert 'data-path="app/main.py"' in dom  # a critical file, drawn as the page opens
    assert 'data-path=".venv/' not in dom  # not one of the virtualenv's files is drawn
    venv_row = dom.split('data-dir=".venv/"')[1].split("</div>")[0]
    assert f"{VENV_FILES} files" in venv_row and "vendored" in venv_row
    assert "ignored by git" in dom.split('data-dir="generated/"')[1].split("</div>")[0]
    assert dom.index('data-dir="app/"') < dom.index('data-dir=".venv/"')  # folded trees last
    assert re.search(r'id="wg-count"[^>]*>3265 files folded in 3 vendored or ignored trees', dom)
    found = render(browser, page.as_uri() + "#q=pkg07/mod7.py")  # still searchable
    assert 'data-path=".venv/lib/python3.11/site-packages/pkg07/mod7.py"' in found
