"""A repository as the commands see it: where it is, which rules to trust, where state lives.

Trust (contract §3): without `--rules` / `WORKSPACE_GUARD_RULES`, rules are read as committed at
HEAD, so an agent cannot grant itself a file by editing the working-tree copy. Loaded rules are
cached in the state directory keyed by the blob id, so the hot path skips YAML entirely.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import __version__, git
from workspace_guard.core.decide import Decider
from workspace_guard.core.model import Agent, ProtectedRule, Responsibility, Rules
from workspace_guard.core.record import asdict
from workspace_guard.errors import ConfigError, GitError, PathError
from workspace_guard.i18n import _, set_language

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_RULES = ".workspace/rules.yaml"
RULES_ENV = "WORKSPACE_GUARD_RULES"
STATE_DIRNAME = "workspace-guard"
MAX_READ = 64 * 1024 * 1024  # far above the loader's limit: it reports the size, we never hang


class Repo:
    """The repository a command runs in."""

    def __init__(self, info: git.RepoInfo, cwd: str, rules_option: str | None = None) -> None:
        self.info = info
        self.cwd = cwd
        self.rules_option = rules_option
        self.warnings: list[str] = []
        self._decider: Decider | None = None

    @classmethod
    def discover(cls, cwd: str | None = None, rules_option: str | None = None) -> Repo:
        """The repository containing `cwd`: from the ref files and the cache when they suffice,
        else from one `git rev-parse` (which also names the rules blob at HEAD)."""
        cwd = os.path.abspath(cwd or os.getcwd())
        option = rules_option or os.environ.get(RULES_ENV) or None
        info = _fast_info(cwd, option is None)
        if info is None:
            info = _slow_info(cwd, option is None)
            if option is None and info.head:
                _remember_head(info)
        return cls(info=info, cwd=cwd, rules_option=option)

    @property
    def root(self) -> str:
        """The worktree top level (a bare repository has none)."""
        if self.info.root is None:
            raise ConfigError("this is a bare repository: there is no working tree to check")
        return self.info.root

    @property
    def state_dir(self) -> str:
        """`<git common dir>/workspace-guard`: never in the working tree, shared by worktrees."""
        return os.path.join(self.info.common_dir, STATE_DIRNAME)

    def decider(self) -> Decider:
        """The trusted rules, compiled (loaded once per process)."""
        if self._decider is None:
            self._decider = Decider(self.load_rules())
        return self._decider

    def load_rules(self) -> Rules:
        """Rules per the trust rule: explicit file, else HEAD, else working tree with a warning."""
        if self.rules_option:
            path = os.path.join(self.cwd, self.rules_option)
            return _load_file(path, self.rules_option, self.state_dir)
        if self.info.rules_blob:
            return _load_blob(self.info.rules_blob, self.root, self.state_dir)
        path = os.path.join(self.root, DEFAULT_RULES)
        if not os.path.exists(path):
            raise ConfigError(
                f"no rules file: {DEFAULT_RULES} is neither committed nor in the working tree",
                hint=f"run `workspace-guard init`, or name a file with --rules / {RULES_ENV}",
            )
        self.warn(
            _(
                "{rules} is not committed at HEAD; using the working-tree copy, which any "
                "agent can edit — commit it to make it binding"
            ).format(rules=DEFAULT_RULES)
        )
        return _load_file(path, DEFAULT_RULES, self.state_dir)

    def rules_at(self, rev: str) -> Rules | None:
        """The rules as committed at `rev` (push gate, CI), or None when `rev` has none.

        An explicit `--rules` / WORKSPACE_GUARD_RULES file still wins: the operator chose it.
        """
        if self.rules_option:
            return self.load_rules()
        spec = f"{rev}:{DEFAULT_RULES}"
        proc = git.run(["rev-parse", "--verify", "-q", spec], self.cwd, check=False)
        blob = proc.stdout.decode("ascii", "replace").strip()
        if proc.returncode != 0 or not blob:
            return None
        return _load_blob(blob, self.cwd, self.state_dir)

    def warn(self, message: str) -> None:
        """A warning on stderr, once."""
        if message not in self.warnings:
            self.warnings.append(message)
            print(_("workspace-guard: warning: {message}").format(message=message), file=sys.stderr)

    def relative(self, path: str) -> str:
        """A path given by a user (absolute, or relative to the cwd) → repository-relative."""
        from workspace_guard.core.paths import normalize

        if "\x00" in path:
            raise PathError(_("path {path!r} contains a NUL byte").format(path=path))
        root = self.root
        absolute = os.path.normpath(os.path.join(self.cwd, path))
        rel = os.path.relpath(absolute, root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            real = os.path.realpath(absolute)
            rel = os.path.relpath(real, os.path.realpath(root))
            if rel == os.pardir or rel.startswith(os.pardir + os.sep):
                raise PathError(
                    _("{path!r} is outside the repository {root}").format(path=path, root=root),
                    hint=_("only paths inside the repository can be decided"),
                )
        rel = normalize(rel)
        if not rel:
            raise PathError(
                _("{path!r} is the repository root itself, not a file").format(path=path),
                hint=_("name the files or directories you are about to change"),
            )
        return rel

    def link_target(self, rel: str) -> str | None:
        """Where a symlinked path really points (repository-relative); None: no link, or outside."""
        if not rel or not _has_link_component(self.root, rel):
            return None
        real = os.path.realpath(os.path.join(self.root, rel))
        target = os.path.relpath(real, os.path.realpath(self.root))
        if target == os.pardir or target.startswith(os.pardir + os.sep) or target == rel:
            return None
        return target


def _slow_info(cwd: str, need_blob: bool) -> git.RepoInfo:
    """One `git rev-parse`; where HEAD lacks the rules but the working tree has them, git calls
    that an error ("exists on disk, but not in 'HEAD'"): it means "no blob", so ask without it."""
    try:
        return git.repo_info(cwd, DEFAULT_RULES if need_blob else None)
    except GitError as exc:
        if not need_blob or "but not in 'HEAD'" not in exc.message:
            raise
    return git.repo_info(cwd, None)


def _head_cache(common_dir: str, commit: str) -> str:
    return os.path.join(common_dir, STATE_DIRNAME, "cache", f"head-{commit}")


def _fast_info(cwd: str, need_blob: bool) -> git.RepoInfo | None:
    """RepoInfo without running git, when the ref files and the cache answer everything."""
    found = git.locate(cwd)
    head = found and git.read_head(found[1])
    if not found or not head:
        return None
    root, git_dir = found
    common, commit = head
    blob = None
    if need_blob:
        try:
            with open(_head_cache(common, commit), encoding="ascii") as handle:
                blob = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            blob = git.blob_from_loose(common, commit, DEFAULT_RULES)  # HEAD just moved
            if blob is None:
                return None
        if blob != "-" and not _is_oid(blob):
            return None  # a damaged entry: ask git (and rewrite it)
    prefix = os.path.relpath(cwd, root)
    return git.RepoInfo(
        root=root,
        common_dir=common,
        git_dir=git_dir,
        bare=False,
        prefix="" if prefix == "." else prefix,
        rules_blob=blob if blob and blob != "-" else None,
        has_head=True,
        head=commit,
    )


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _remember_head(info: git.RepoInfo) -> None:
    """Cache "commit → rules blob" (immutable facts) for the next call's fast path."""
    assert info.head is not None
    path = _head_cache(info.common_dir, info.head)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as handle:
            handle.write(info.rules_blob or "-")
        os.replace(tmp, path)
        _prune(os.path.dirname(path))
    except OSError:
        pass


CACHE_KEEP = {"head-": 256, "rules-": 32}  # entries kept per kind once the cache grows past 2x


def _prune(directory: str) -> None:
    """Forget the oldest entries (one per commit ever seen would grow without end); only on the
    slow path, which has just run git anyway."""
    entries: dict[str, list[tuple[float, str]]] = {kind: [] for kind in CACHE_KEEP}
    with os.scandir(directory) as found:
        for entry in found:
            kind = next((k for k in CACHE_KEEP if entry.name.startswith(k)), None)
            if kind is not None:
                entries[kind].append((entry.stat().st_mtime, entry.path))
    for kind, items in entries.items():
        if len(items) > 2 * CACHE_KEEP[kind]:
            for _, path in sorted(items)[: len(items) - CACHE_KEEP[kind]]:
                os.unlink(path)


def _has_link_component(root: str, rel: str) -> bool:
    """True when any existing component of `rel` (below `root`) is a symlink."""
    current = root
    for part in rel.split("/"):
        current = os.path.join(current, part)
        if os.path.islink(current):
            return True
        if not os.path.exists(current):
            return False
    return False


def _cache_path(state_dir: str, key: str) -> str:
    """The cache file of `key`. The name carries the version and the shape of the model classes,
    so an entry written by other code (an upgrade, a checkout mid-change) is never read back."""
    kind, _, rest = key.partition(":")
    name = rest if kind == "blob" else _digest(rest)
    shape = _digest(repr([c.__fields__ for c in (Rules, Agent, ProtectedRule, Responsibility)]))
    return os.path.join(state_dir, "cache", f"rules-{__version__}-{shape}-{kind}-{name}.marshal")


def _digest(text: str) -> str:
    """A stable short name for `text` with no import (hashlib or zlib cost 0.3-3 ms); it only
    names a file, whose content is checked against the full key."""
    return f"{hash(tuple(text.encode('utf-8', 'surrogateescape'))) & 0xFFFFFFFFFFFF:012x}"


def _cached(state_dir: str, key: str, content: bytes | None = None) -> Rules | None:
    """The cached rules for `key`; with `content`, only when they were loaded from those bytes.

    `marshal` rather than `pickle`: it is built in (pickle costs 1-2 ms of import on every
    validator call) and cannot run code from a tampered file. The file is read whole, then
    decoded: `marshal.load` on a file object reads it in small pieces, 8× slower for 1,000 rules.
    """
    import marshal

    try:
        with open(_cache_path(state_dir, key), "rb") as handle:
            stored_key, stored_content, plain = marshal.loads(handle.read())
        if stored_key != key or stored_content != content:
            return None
        return _from_plain(plain)
    except Exception:  # a cache: anything unreadable is a miss, never a failure
        return None


def _store(state_dir: str, key: str, rules: Rules, content: bytes | None = None) -> None:
    """Best effort: a read-only state dir (or a value marshal cannot hold) only costs speed."""
    import marshal

    path = _cache_path(state_dir, key)
    try:
        data = marshal.dumps((key, content, _to_plain(rules)))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        _prune(os.path.dirname(path))
    except (OSError, ValueError):
        pass


def _to_plain(rules: Rules) -> dict[str, Any]:
    plain = asdict(rules)
    plain["agents"] = {name: asdict(agent) for name, agent in rules.agents.items()}
    plain["protected"] = [asdict(rule) for rule in rules.protected]
    plain["responsibilities"] = [asdict(area) for area in rules.responsibilities]
    return plain


def _from_plain(plain: dict[str, Any]) -> Rules:
    agents = {name: Agent(**fields) for name, fields in plain.pop("agents").items()}
    protected = tuple(ProtectedRule(**fields) for fields in plain.pop("protected"))
    areas = tuple(Responsibility(**fields) for fields in plain.pop("responsibilities"))
    return Rules(**plain, agents=agents, protected=protected, responsibilities=areas)


def _load_blob(blob: str, cwd: str, state_dir: str) -> Rules:
    key = f"blob:{blob}"
    rules = _cached(state_dir, key)
    if rules is None:
        from workspace_guard.core.rules import load_rules

        rules = load_rules(git.cat_blob(blob, cwd), DEFAULT_RULES)
        _store(state_dir, key, rules)
    set_language(rules.language)  # every command that loads rules speaks their language
    return rules


def _load_file(path: str, name: str, state_dir: str) -> Rules:
    """A rules file from disk. The cache is checked against the bytes themselves, not mtime and
    size: an edit of the same length within one timestamp tick must not keep the old rules."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_READ)
    except OSError as exc:
        raise ConfigError(f"cannot read the rules file {name}: {exc.strerror}") from exc
    key = f"file:{os.path.abspath(path)}"
    rules = _cached(state_dir, key, data)
    if rules is None:
        from workspace_guard.core.rules import load_rules

        rules = load_rules(data, name)
        _store(state_dir, key, rules, data)
    set_language(rules.language)  # every command that loads rules speaks their language
    return rules
