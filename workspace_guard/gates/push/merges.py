"""A merge's own change beyond what `--cc` shows: protected paths taken from an older commit.

`git diff-tree --cc` hides a path whose merged content equals one parent's. That is right when
the parent's line made the change (its commits are checked one by one), and wrong when the
parent is already on the branch or behind it: a merge of (main, main~5) that takes
`app/main.py` from main~5 rolls the owner's later change back, and no commit the merge brings
made that change. So each parent counts as the branch in turn (the first parent is only git's
convention: `commit-tree -p OLD -p main` puts the old one first): a protected path whose entry
differs between that parent and the merge, and that no commit of another parent's line (`OTHER
--not PARENT`) changed, is the merge's own change — a roll-back, a deletion, a rules rewind —
and is judged like any commit's. Tree and commit ids only: no blob is read (blobless clones).
"""

from __future__ import annotations

from workspace_guard import git

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def taken_unchanged(
    cwd: str,
    sha: str,
    parents: Sequence[str],
    own: Sequence[str],
    protected: Callable[[str], str | None],
) -> list[str]:
    """The protected paths (normalised, not in `own`) that merge `sha` takes from an older
    commit; `protected(name)` is a name's normalised path when a rule protects it, else None."""
    seen = set(own)
    taken: list[str] = []
    brought_in: dict[str, str] = {}  # changes another parent's line made: re-merged below
    differs: dict[str, int] = {}  # from how many parents
    for at, parent in enumerate(parents):
        changed = _protected_between(cwd, parent, sha, seen, protected)
        for name in changed:
            differs[name] = differs.get(name, 0) + 1
        if not changed:
            continue
        brought: set[str] = set()
        for other in (*parents[:at], *parents[at + 1 :]):
            brought |= _changed_since(cwd, other, parent, changed)
        for name, path in changed.items():
            if name in brought:
                brought_in[name] = path
            elif path not in seen:
                seen.add(path)
                taken.append(path)
    # `--cc` hides content whose hunks each equal some parent's, which can still undo one
    # side's change (take side's text over main's where both changed the file, or part of a
    # side's change): the re-merge tells. It reads blobs, so it runs only where that can be: a
    # path both lines changed, or one that differs from every parent.
    left = {name: path for name, path in brought_in.items() if path not in seen}
    if left and len(parents) == 2:
        both = _changed_since(cwd, parents[0], parents[1], left)
        both &= _changed_since(cwd, parents[1], parents[0], left)
        left = {n: p for n, p in left.items() if n in both or differs.get(n) == len(parents)}
    if left and len(parents) == 2:
        for name in remerged_own(cwd, sha, parents, list(left)):
            if left[name] not in seen:
                seen.add(left[name])
                taken.append(left[name])
    return taken


def _protected_between(
    cwd: str, old: str, new: str, skip: set[str], protected: Callable[[str], str | None]
) -> dict[str, str]:
    """{name as git wrote it: normalised path} of the protected paths whose entry differs
    between the trees of `old` and `new` (not in `skip`)."""
    args = ["--no-replace-objects", "diff-tree", "-r", "-z", "--no-renames", "--name-only"]
    args += ["--no-ext-diff", "--ignore-submodules=none", old, new]
    listed = git.run(args, cwd)
    found = {}
    for raw in listed.stdout.split(b"\0"):
        if not raw:
            continue
        name = raw.decode("utf-8", "surrogateescape")
        path = protected(name)
        if path is not None and path not in skip:
            found[name] = path
    return found


def _changed_since(cwd: str, tip: str, base: str, names: dict[str, str]) -> set[str]:
    """Which of `names` a commit of `tip --not base` changed (merges by their `--cc` own
    change): those changes are checked, commit by commit, where they are new."""
    args = ["--no-replace-objects", "--literal-pathspecs", "log", "--format=", "--name-only"]
    args += ["-z", "--no-renames", "--cc", "--full-history", "--no-ext-diff"]
    args += ["--ignore-submodules=none", tip, "--not", base, "--", *names]
    listed = git.run(args, cwd)
    return {n.strip(b"\n").decode("utf-8", "surrogateescape") for n in listed.stdout.split(b"\0")}


_ESCAPES = {ord(k): v for k, v in zip('abtnvfr"\\', b'\a\b\t\n\v\f\r"\\', strict=True)}


def unquote(name: bytes) -> str:
    """A path as git prints it in a diff header with `core.quotePath=true` (C-style quoting
    where it holds `"`, `\\`, a control character or a byte above 0x7f), as the path itself:
    compared with the listing's names, never the quoted text (a quoted protected path must not
    drop out of a merge's own change)."""
    if not (name[:1] == b'"' and name[-1:] == b'"' and len(name) >= 2):
        return name.decode("utf-8", "surrogateescape")
    body, out, at = name[1:-1], bytearray(), 0
    while at < len(body):
        char = body[at]
        if char != 0x5C or at + 1 >= len(body):  # not a backslash
            out.append(char)
            at += 1
        elif body[at + 1] in _ESCAPES:
            out.append(_ESCAPES[body[at + 1]])
            at += 2
        else:
            digits = body[at + 1 : at + 4]
            out.append(int(digits, 8) & 0xFF if digits.isdigit() else body[at + 1])
            at += 4 if digits.isdigit() else 2
    return bytes(out).decode("utf-8", "surrogateescape")


def remerged_own(cwd: str, sha: str, parents: Sequence[str], dropped: Sequence[str]) -> list[str]:
    """Of the protected paths `--cc` dropped from merge `sha` (each hunk equals some parent's),
    those whose content is not what merging the two parents gives (`git merge-tree`): hunks
    picked from both sides can roll one side's change back ("hunk mixing") with no hunk of
    its own. A path the re-merge leaves conflicted stays dropped (a resolution that takes a
    side is what `--cc` says it is); where the re-merge cannot run (a blobless clone), every
    dropped path counts: strict, never lax."""
    args = ["--no-replace-objects", "merge-tree", "--write-tree", "-z", "--name-only"]
    merged = git.run([*args, "--no-messages", parents[0], parents[1]], cwd, check=False)
    items = [item for item in merged.stdout.split(b"\0") if item]
    if merged.returncode not in (0, 1) or not items:
        return list(dropped)
    tree = items[0].decode("ascii", "replace")
    conflicted = {item.decode("utf-8", "surrogateescape") for item in items[1:]}
    args = ["--no-replace-objects", "--literal-pathspecs", "diff-tree", "-r", "-z", "--name-only"]
    differ = git.run([*args, "--no-renames", tree, sha, "--", *dropped], cwd, check=False)
    if differ.returncode != 0:
        return list(dropped)
    found = {n.decode("utf-8", "surrogateescape") for n in differ.stdout.split(b"\0") if n}
    return [p for p in dropped if p in found and p not in conflicted]
