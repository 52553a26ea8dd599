"""The daemon reports changes to the code every hook runs (ATTACK F13): a `*.pth` or a
customize module in this interpreter's site folders (here the user site, under the test's own
HOME), and the package's sources. Real daemon."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.watch import Start, wait_record


def user_site() -> Path:
    """The user site the daemon's interpreter reads (HOME is the test's own)."""
    code = "import site; print(site.getusersitepackages())"
    return Path(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True).stdout.strip())  # fmt: skip


def test_a_pth_file_dropped_in_a_site_folder_is_reported(workspace: Path, watchd: Start) -> None:
    folder = user_site()
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / "kept.pth"
    kept.write_text("# nothing\n")
    watchd()
    (folder / "zz-hook.pth").write_text("# import os; os._exit(0)\n")
    found = wait_record(workspace, area="install", change="created")
    assert found["path"] == str(folder / "zz-hook.pth") and found["level"] == "critical"
    (folder / "usercustomize.py").write_text("# changed at every start\n")
    wait_record(workspace, area="install", path=str(folder / "usercustomize.py"))
    kept.write_text("import os\n")
    changed = wait_record(workspace, area="install", path=str(kept))
    assert changed["change"] == "modified" and changed["sha_before"] != changed["sha_after"]
