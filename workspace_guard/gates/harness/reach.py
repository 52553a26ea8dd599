"""The writes no rule decides: git's directory, the harnesses' settings, the hook configuration
`install` writes and the gate's own program — for a path under any spelling of it.

Each is a set of literal names (`.git`, `.claude/settings.json`…); on macOS and Windows
`.GIT/hooks` and `.Claude/settings.json` are those files (ATTACK F81), so a path is also tried
with its part below the repository or the home folder case-folded (`path_identity.folded`).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo

    Found = tuple[list[str], list[str], list[str], list[str]]


def claimed(repo: Repo, path: str, cwd: str, found: Found, superuser: bool) -> bool:
    """True (and the matching list of `found` — git's directory, settings, program, installed
    files — gets the path) when `path`, or its case-folded spelling, is one of those writes."""
    if _claimed(repo, path, cwd, found, superuser):
        return True
    from workspace_guard.gates.harness.path_identity import folded

    other = folded(repo.root, path, cwd) if "\x00" not in path else None
    if other is None:
        return False
    # the literal names those sets hold are dot-names (`.git`, `.claude`, `.env`…); any other
    # (the gate's own package, a hooks folder) exists on disk: one stat, only for such a name
    import os

    reachable = "/." in other or os.path.lexists(other)
    return reachable and _claimed(repo, other, cwd, found, superuser)


def _claimed(repo: Repo, path: str, cwd: str, found: Found, superuser: bool) -> bool:
    from workspace_guard.gates.harness import gitdir, harness_settings

    internal, settings, program, installed = found
    return (
        gitdir.collect(repo, path, cwd, internal)
        or harness_settings.claimed(path, cwd, settings, superuser, repo.root)
        or _installed(repo, path, cwd, installed, superuser)
        or _program(repo, path, cwd, program)
    )


def _installed(repo: Repo, path: str, cwd: str, found: list[str], superuser: bool) -> bool:
    """True (and `found` gets the repository-relative path) when `path` is hook configuration
    `install` writes in the repository, or a folder holding it (install_files.py), or an
    instruction file of a harness no rule governs (instruction_files.py); a superuser's call is
    judged by the rules like any other write."""
    if superuser or "\x00" in path:
        return False
    from workspace_guard.gates.harness.install_files import installation_file

    hit = installation_file(repo.root, path, cwd)
    if hit is None:  # an instruction file no rule governs (instruction_files.py)
        from workspace_guard.gates.harness.instruction_files import instruction_file

        hit = instruction_file(repo, path, cwd)
    if hit is not None:
        found.append(hit)
        return True
    return False


def _program(repo: Repo, path: str, cwd: str, found: list[str]) -> bool:
    """True (and `found` gets the path) when `path` lies in the installation that runs the gate
    (program_files.py): every agent, a superuser too."""
    from workspace_guard.gates.harness.disk_links import linked_outside
    from workspace_guard.gates.harness.program_files import is_program_file

    if is_program_file(path, cwd, repo.state_dir, repo.root) or linked_outside(path, cwd)[1]:
        found.append(path)
        return True
    return False
