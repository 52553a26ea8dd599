"""Links made in the same command by programs that do not name them (ATTACK F102, F105): an
archive extracted, a folder copied or moved with its links, a repository cloned, git writing a
link from its objects. A later write at or below what such a program wrote may go anywhere, so
it is judged as a write of every file; reads stay allowed, and so does the next call (the link
is on disk then, and followed). Real archives (tarfile, zipfile), a real repository with a link
on a side branch, judged by evaluate() and the hook."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import git, make_workspace
from helpers.harness import OTHER, bash_denied

from workspace_guard.gates.harness.gate import Call, evaluate
from workspace_guard.repo import Repo

OFF = ".workspace/departments/backend/backend-framework-ai"
TEXT = "../../../../app/main.py"  # from OFF/l
PATCH = f"""diff --git a/{OFF}/l b/{OFF}/l
new file mode 120000
index 0000000..4a7c4e7
--- /dev/null
+++ b/{OFF}/l
@@ -0,0 +1 @@
+{TEXT}
\\ No newline at end of file
"""


def _tar(path: Path, gz: bool = False) -> None:
    with tarfile.open(path, "w:gz" if gz else "w") as archive:
        member = tarfile.TarInfo("l")
        member.type, member.linkname = tarfile.SYMTYPE, TEXT
        archive.addfile(member)
        data = b"hello\n"
        plain = tarfile.TarInfo("readme.txt")
        plain.size = len(data)
        archive.addfile(plain, io.BytesIO(data))


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("l")
        info.create_system = 3  # unix: the mode below is read
        info.external_attr = 0o120777 << 16
        archive.writestr(info, TEXT)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("made")
    repo = make_workspace(top / "ws")
    office = repo / OFF
    _tar(office / "evil.tar")
    _tar(office / "evil.tgz", gz=True)
    _zip(office / "z.zip")
    (office / "link.patch").write_text(PATCH)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "docs: office files")
    # a side branch holding the link, made with plumbing (as F105's repro does)
    blob = git(repo, "hash-object", "-w", "--stdin", input=TEXT.encode()).strip()
    env = {**os.environ, "GIT_INDEX_FILE": str(top / "idx")}
    link = f"120000,{blob},{OFF}/l"
    for args in (["read-tree", "HEAD"], ["update-index", "--add", "--cacheinfo", link]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    tree = subprocess.run(
        ["git", "write-tree"], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    commit = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "docs: office link").strip()
    git(repo, "branch", "side", commit)
    # a folder and a repository outside the work tree holding a link (made by an earlier call)
    (top / "d").mkdir()
    os.symlink("../../../../../app/main.py", top / "d/l")
    make_source = top / "e"
    make_source.mkdir()
    git(make_source, "init", "-q")
    os.symlink("../../../../../app/main.py", make_source / "l")
    git(make_source, "add", "l")
    git(make_source, "commit", "-qm", "l")
    return repo


def _denied(ws: Path, command: str) -> list[str]:
    repo = Repo.discover(str(ws))
    verdict = evaluate(repo, Call(OTHER, "Bash", str(ws), command=command))
    return [d.path for d in verdict.denied]


def _commands(ws: Path, commands: list[str]) -> list[str]:
    top = ws.parent
    return [c.format(O=OFF, D=top / "d", E=top / "e", T=top) for c in commands]


DENIED = [
    # F102, the repro's own
    "tar xf {O}/evil.tar -C {O}; echo x >> {O}/l",
    "tar xf {O}/evil.tar -C {O} && echo x | tee -a {O}/l",
    "cd {O} && tar xf evil.tar && echo x >> l",
    "cd {O} && unzip -q z.zip && echo evil >> l",
    "git clone -q {E} {O}/c && echo evil >> {O}/c/l",
    "cp -a {D} {O}/c && echo evil >> {O}/c/l",
    "cp -r {D} {O}/c && echo evil >> {O}/c/l",
    "mv {D} {O}/c && echo evil >> {O}/c/l",
    # F102, variants
    "tar -xf {O}/evil.tar --directory={O} && sed -i s/a/b/ {O}/l",
    "tar -C {O} -xzf {O}/evil.tgz && cp README.md {O}/l",
    "bsdtar -xf {O}/evil.tar -C {O} && echo x > {O}/l",
    "tar xf {O}/evil.tar -C {O} && cd {O} && echo x >> l",
    "tar xf {O}/evil.tar -C {O} && echo x >> {O}/sub/../l",
    "tar xf {O}/evil.tar -C {O} && rm -rf {O}/l/",
    "unzip -q {O}/z.zip -d {O}/u && echo x >> {O}/u/l",
    "python3 -m zipfile -e {O}/z.zip {O}/u && echo x >> {O}/u/l",
    "7z x {O}/z.zip -o{O}/u && echo x >> {O}/u/l",
    "cd {O} && git clone -q file://{E} && echo x >> e/l",
    "git clone -q --depth 1 {E} {O}/c; cd {O}/c; echo x >> l",
    "cp -R {D} {O}/c; truncate -s 0 {O}/c/l",
    "cp -dr {D}/. {O}/c/ && echo x >> {O}/c/l",
    "cp --archive {D} {O}/c && echo x >> {O}/c/l",
    "rsync -a {D}/ {O}/c/ && echo x >> {O}/c/l",
    "mv {D}/l {O}/m && echo x >> {O}/m",
    "git worktree add -q {T}/wt2 side && echo x >> {T}/wt2/{O}/l",
    # F105, the repro's own
    "git checkout side -- {O}/l; echo evil >> {O}/l",
    "git restore --source=side -- {O}/l && echo evil >> {O}/l",
    "git cherry-pick side && echo evil >> {O}/l",
    "git merge -q side && echo evil >> {O}/l",
    "git stash -q; git checkout -q side; echo evil >> {O}/l",
    # F105, variants
    "git update-index --add --cacheinfo 120000,4a7c4e7,{O}/l && git checkout -- {O}/l && echo x >> {O}/l",
    "git restore -s side {O}/l && echo x >> {O}/l",
    "git switch -q side && echo x >> {O}/l",
    "git reset -q --hard side && echo x >> {O}/l",
    "git read-tree -u -m side && echo x >> {O}/l",
    "git checkout-index -f -a && echo x >> {O}/l",
    "git stash pop && echo x >> {O}/l",
    "git -C {O} checkout side -- l && echo x >> {O}/l",
    "git apply {O}/link.patch && echo x >> {O}/l",
    "git am {O}/link.mbox && echo x >> {O}/l",
    "patch -p1 < {O}/link.patch && echo x >> {O}/l",
    "git --work-tree={T}/x checkout side -- . && echo x >> {T}/x/{O}/l",
    "cd {O} && git checkout side -- . && echo x >> l",
    "git apply <<'EOF'\n" + PATCH + "EOF\necho x >> {O}/l",
]

ALLOWED = [
    "tar xzf {O}/evil.tgz -C {O} && ls {O}",
    "tar xf {O}/evil.tar -C {O} && cat {O}/l && wc -l {O}/readme.txt",
    "git checkout -- {O}/notes.md",
    "git clone -q {E} {O}/c && ls {O}/c && git -C {O}/c log --oneline",
    "cp {O}/notes.md {O}/copy.md && echo x >> {O}/copy.md",
    "cp -rL {D} {O}/c && echo x >> {O}/c/l",
    "tar xf {O}/evil.tar -C {T}/x && echo x >> {O}/notes.md",
    "echo x >> {O}/notes.md && tar xf {O}/evil.tar -C {O}",
    "mkdir -p {T}/build && tar xf {O}/evil.tar -C {T}/build && rm -rf {T}/build",
    "tar cf {O}/out.tar {O}/notes.md && echo x >> {O}/notes.md",
    "unzip -l {O}/z.zip && echo x >> {O}/notes.md",
    "git checkout -b feature && echo x >> {O}/notes.md",
    "git switch -c feature2 && echo x >> {O}/notes.md",
    "git stash list && echo x >> {O}/notes.md",
    "git status && git diff && echo x >> {O}/notes.md",
    "rsync -a {D}/ {T}/c/ && echo x >> {O}/notes.md",
    "git merge -q side && git log -1 && cat {O}/l",
]


@pytest.mark.parametrize("command", DENIED)
def test_a_write_below_what_a_link_maker_wrote_is_any_file(ws: Path, command: str) -> None:
    (command,) = _commands(ws, [command])
    assert _denied(ws, command), command


@pytest.mark.parametrize("command", ALLOWED)
def test_reads_and_writes_elsewhere_stay_allowed(ws: Path, command: str) -> None:
    (command,) = _commands(ws, [command])
    assert not _denied(ws, command), (command, _denied(ws, command)[:5])


def test_the_next_call_sees_the_link_on_disk(ws: Path, tmp_path: Path) -> None:
    """Extracting is allowed; the next call's write through the link is judged through it."""
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy, symlinks=True)
    office = copy / OFF
    assert bash_denied(copy, f"tar xf {OFF}/evil.tar -C {OFF}") is None
    os.symlink(TEXT, office / "l")  # what the allowed call made
    (office / "readme.txt").write_text("hello\n")
    assert os.path.islink(office / "l")
    assert bash_denied(copy, f"echo x >> {OFF}/readme.txt") is None
    reason = bash_denied(copy, f"echo x >> {OFF}/l")
    assert reason is not None and "app/main.py" in reason, reason


def test_the_denial_says_why(ws: Path) -> None:
    (command,) = _commands(ws, ["tar xf {O}/evil.tar -C {O}; echo x >> {O}/l"])
    reason = bash_denied(ws, command)
    assert reason is not None and "link" in reason, reason
