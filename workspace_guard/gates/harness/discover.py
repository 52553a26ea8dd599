"""Which repository judges a tool call: found from the paths it writes, not from the event's cwd.

The cwd says where the agent stands, not what it writes: an agent in `/tmp` may edit
`/work/repo/app/main.py`; an agent that ran `git init` in its office stands in a repository of
its own, yet its `../../app/main.py` is the outer repository's file, and the nested repository's
files are the outer repository's office files; a sibling `git worktree` of the same repository
holds the same protected files under another root. So each path is judged by the *outermost*
governed repository that contains it (one that has a rules file or workspace-guard state), and
worktrees of one repository are judged with the same rules. Where a `.git` is found but git
cannot describe the repository, the call is refused (fail closed): an error never allows.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.gate import Call, Verdict
    from workspace_guard.repo import Repo

_GLOB = "*?[$`{"


def _existing(path: str) -> str:
    """The nearest existing directory at or above `path`."""
    current = path
    while current and not os.path.isdir(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current or os.sep


def _candidates(path: str) -> list[tuple[str, str]]:
    """(worktree root, `.git` entry) of every repository containing `path`, innermost first."""
    found = []
    current = _existing(path)
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.lexists(dot_git):
            found.append((current, dot_git))
        parent = os.path.dirname(current)
        if parent == current:
            return found
        current = parent


def _common_dir(dot_git: str) -> str | None:
    """The git common dir behind a `.git` directory or `gitdir:` file (None when unreadable)."""
    git_dir = dot_git
    if os.path.isfile(dot_git):
        try:
            with open(dot_git, encoding="utf-8") as handle:
                text = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not text.startswith("gitdir:"):
            return None
        git_dir = os.path.normpath(os.path.join(os.path.dirname(dot_git), text[7:].strip()))
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except FileNotFoundError:
        return git_dir
    except (OSError, UnicodeDecodeError):
        return None


def _governed(root: str, dot_git: str) -> bool:
    """A repository under the protocol: a rules file, or workspace-guard's state in git's dir."""
    from workspace_guard.repo import DEFAULT_RULES, STATE_DIRNAME

    if os.path.isfile(os.path.join(root, DEFAULT_RULES)):
        return True
    common = _common_dir(dot_git)
    return common is not None and os.path.isdir(os.path.join(common, STATE_DIRNAME))


def root_of(path: str, *, ungoverned: bool = True) -> str | None:
    """The worktree root that judges `path`: the outermost governed repository containing it,
    else (with `ungoverned`) the innermost repository; None when no repository contains it."""
    found = _candidates(path)
    if not found:
        return None
    governed = [(root, dot_git) for root, dot_git in found if _governed(root, dot_git)]
    if not governed:
        return found[0][0] if ungoverned else None
    outer = _common_dir(governed[-1][1])
    for root, dot_git in found:  # a worktree of that same repository inside it judges its own
        if _common_dir(dot_git) == outer:
            return root
    return governed[-1][0]


class Repos:
    """The repositories of one call, discovered once each; worktrees share the first's rules."""

    def __init__(self) -> None:
        self.by_root: dict[str, Repo] = {}

    def get(self, root: str) -> Repo:
        from workspace_guard.errors import GitError
        from workspace_guard.gates.harness.gate import GateError
        from workspace_guard.repo import Repo

        repo = self.by_root.get(root)
        if repo is not None:
            return repo
        try:
            repo = Repo.discover(root)
        except GitError as exc:
            from workspace_guard.i18n import _

            text = _(
                "cannot read the repository at {path} ({error}); a repository the gate cannot "
                "read is not a repository it may let writes into"
            )
            raise GateError(text.format(path=root, error=exc.render())) from exc
        for other in self.by_root.values():  # a sibling worktree: the same rules judge it
            if other.info.common_dir == repo.info.common_dir:
                repo._decider = other.decider()
                break
        self.by_root[root] = repo
        return repo


def _written(call: Call) -> list[str]:
    """Absolute paths the call names as written (Bash: the analysis's literal targets)."""
    paths = [os.path.join(call.cwd, os.path.expanduser(p)) for p in call.paths]
    from workspace_guard.gates.harness.command_size import oversize

    if call.command is not None and not oversize(call.command):  # else refused unread
        from workspace_guard.gates.harness.bash import ANY_PATH, analyze
        from workspace_guard.gates.harness.bash.syntax import REF_WRITE

        analysis = analyze(call.command, call.cwd)
        paths += [f.cwd for f in analysis.of_kind(REF_WRITE) if not f.cwd.startswith(("$", "~"))]
        for target in analysis.targets:
            if target.path == ANY_PATH or target.path.startswith(("$", "~")):
                continue
            literal = target.path
            cut = min((literal.find(c) for c in _GLOB if c in literal), default=-1)
            if cut >= 0:
                literal = os.path.dirname(literal[:cut])
            paths.append(literal)
    return [os.path.normpath(p) for p in paths if p]


def repositories(call: Call) -> list[Repo]:
    """The repositories that judge `call`: the cwd's first, then those of the paths written."""
    from workspace_guard import git

    if any(name in os.environ for name in git._DISCOVERY_ENV):
        return _from_git(call.cwd)  # GIT_DIR and friends: git's own discovery decides
    repos = Repos()
    roots: list[str] = []
    for index, path in enumerate([os.path.join(call.cwd, "."), *_written(call)]):
        # a repository without the protocol is ours only when the agent works in it (its rules
        # are then missing: an error, as always); elsewhere (a dotfiles repository, another
        # clone) its files are none of the gate's business
        root = root_of(os.path.abspath(path), ungoverned=index == 0)
        if root is not None and root not in roots:
            roots.append(root)
    return [repos.get(root) for root in roots]


def _from_git(cwd: str) -> list[Repo]:
    from workspace_guard.errors import GitError, NotARepository
    from workspace_guard.gates.harness.gate import GateError
    from workspace_guard.repo import Repo

    try:
        return [Repo.discover(cwd)]
    except NotARepository:
        return []
    except GitError as exc:
        from workspace_guard.i18n import _

        text = _("cannot read the repository at {path} ({error})")
        raise GateError(text.format(path=cwd, error=exc.render())) from exc


def judge(call: Call, layer: str) -> tuple[Repo, Verdict] | None:
    """The call judged by every repository it reaches; None when it reaches none."""
    from workspace_guard.core.record import replace
    from workspace_guard.gates.harness.gate import Verdict, evaluate, record

    repos = [repo for repo in repositories(call) if repo.info.root is not None]
    if not repos:
        return None
    verdicts = [evaluate(repo, call) for repo in repos]
    first = verdicts[0]
    merged = Verdict(
        agent=first.agent,
        denied=tuple(d for v in verdicts for d in v.denied),
        allowed=tuple(d for v in verdicts for d in v.allowed),
        note=" ".join(dict.fromkeys(v.note for v in verdicts if v.note)),
        refusal=next((v.refusal for v in verdicts if v.refusal), ""),
        acts_for=first.acts_for,
        command=first.command,
    )
    where = next((r for r, v in zip(repos, verdicts, strict=True) if v.denied), repos[0])
    record(where, merged, layer, call)
    if merged.denied:
        from workspace_guard.gates.harness.escalate import escalate

        words = escalate(where, merged, layer)
        if words:
            merged = replace(merged, escalation=words)
    elif merged.allowed:  # allowed: warn when another worktree has the paths uncommitted
        from workspace_guard.gates.harness.elsewhere import warning

        text = warning(list(zip(repos, verdicts, strict=True)))
        if text:
            merged = replace(merged, warning=text)
    return where, merged
