"""workspace-guard's own writes to git's config, announced on the audit chain first.

The watch daemon treats a change of an enforcement key in `.git/config` (`workspace-guard.*`,
`core.hooksPath`, …) as a violation unless workspace-guard made it. It cannot see which process
wrote the file, so `install` says what it is about to write before writing it: an audit record
(`layer: install`, `action: configure`, `file`, `key`, `value`; `null` for a removal), then the
write. The daemon accepts exactly that value for that key, once (gates/watch/gitconfig). The
announcement is only as strong as the audit chain — and the harness gate lets only a superuser
run `install`.
"""

from __future__ import annotations

import os

from workspace_guard import git
from workspace_guard.state import audit


def git_config(cwd: str, key: str, value: str | None) -> git.Result:
    """`git config --local KEY VALUE` (or `--unset-all KEY` for None), announced first."""
    common = git.repo_info(cwd).common_dir
    record = {
        "layer": "install",
        "agent": None,
        "path": None,
        "owner": None,
        "level": None,
        "action": "configure",
        "escalate_to": None,
        "file": os.path.join(common, "config"),
        "key": key,
        "value": value,
    }
    audit.append(os.path.join(common, "workspace-guard"), [record])
    if value is None:
        return git.run(["config", "--local", "--unset-all", key], cwd, check=False)
    return git.run(["config", "--local", key, value], cwd)
