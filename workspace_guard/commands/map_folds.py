"""The trees the map folds: vendored and ignored folders that are committed anyway.

A repository that commits its virtualenv or `node_modules` has thousands of files nobody owns;
drawn open, they bury the files the protocol is about. The map shows each such tree as one folded
row with its counts (still searchable, still expandable), chosen here:

- *vendored*: a folder named like a tool's or a package manager's tree (`.venv`, `node_modules`,
  `__pycache__`, `site-packages`, …) wherever it sits, or `vendor/`, `third_party/` at the top;
- *ignored*: a folder whose every tracked file matches the repository's ignore rules
  (`git ls-files --cached --ignored --exclude-standard`): committed by mistake or on purpose, but
  not the project's own code.

Only the outermost such folder is reported. Folding is presentation only: every file is still
decided, counted and listed by search.
"""

from __future__ import annotations

from collections.abc import Iterable

from workspace_guard import git

VENDORED = frozenset(
    {
        ".venv",
        "venv",
        "virtualenv",
        "site-packages",
        "node_modules",
        "bower_components",
        "jspm_packages",
        "__pycache__",
        ".tox",
        ".nox",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".gradle",
        ".next",
        ".nuxt",
        ".yarn",
        ".pnpm-store",
        "htmlcov",
    }
)
# Vendored only at the top of the repository: deeper down these are often the project's own code
# (a marketplace's `frontend/src/components/vendor/`).
VENDORED_AT_ROOT = frozenset({"vendor", "third_party", "third-party", "external"})


def ignored_paths(root: str) -> set[str]:
    """The tracked paths that the ignore rules (.gitignore, info/exclude, core.excludesFile)
    match; none when git cannot say (the map then folds by name only)."""
    proc = git.run(
        ["ls-files", "-z", "--full-name", "--cached", "--ignored", "--exclude-standard"],
        root,
        check=False,
    )
    return set(git.zsplit(proc.stdout)) if proc.returncode == 0 else set()


def folded_trees(paths: Iterable[str], ignored: set[str]) -> list[dict[str, object]]:
    """`{"path": "dir/", "why": "vendored"|"ignored", "files": n}` for each outermost folder to
    fold, in path order."""
    totals: dict[str, int] = {}
    ignored_in: dict[str, int] = {}
    vendored: set[str] = set()
    for path in paths:
        parts = path.split("/")[:-1]
        prefix = ""
        for part in parts:
            prefix += part + "/"
            totals[prefix] = totals.get(prefix, 0) + 1
            if path in ignored:
                ignored_in[prefix] = ignored_in.get(prefix, 0) + 1
            if part in VENDORED or (part in VENDORED_AT_ROOT and prefix == part + "/"):
                vendored.add(prefix)
    folds: list[dict[str, object]] = []
    for folder in sorted(totals):
        if any(folder.startswith(str(f["path"])) for f in folds[-1:]):
            continue  # inside a fold already reported (sorted: its parent came just before)
        if folder in vendored:
            why = "vendored"
        elif ignored_in.get(folder, 0) == totals[folder]:
            why = "ignored"
        else:
            continue
        folds.append({"path": folder, "why": why, "files": totals[folder]})
    return folds
