"""A repository as the commands see it: where it is, which rules to trust, where state lives.

Trust (contract §3, revised): without `--rules` / `WORKSPACE_GUARD_RULES`, rules are read as
committed at the trusted revision (`trust_root`: the upstream of the protected branch, else HEAD),
never from the working-tree copy, so an agent can grant itself a file neither by editing the rules
nor by committing them. Installed layers (git hooks, harness hooks, the daemon: `installed_layer`)
ignore `--rules` and the environment; only a file `install --rules` recorded in the repository's
config replaces the committed rules for them. Loaded rules are cached in the state directory
keyed by the blob id (`rules_cache`, tagged entries), so the hot path skips YAML and git.
"""

from __future__ import annotations

import os
import sys

from workspace_guard import git, rules_cache, trust_root
from workspace_guard.core.decide import Decider, shared
from workspace_guard.core.record import replace
from workspace_guard.errors import ConfigError, GuardError, PathError
from workspace_guard.i18n import N_, _, set_language, strerror

TYPE_CHECKING = False  # hot path: no hot entry imports `typing` (tests/test_import_budget.py)
if TYPE_CHECKING:
    from collections.abc import Callable

    from workspace_guard.core.model import Rules

DEFAULT_RULES = ".workspace/rules.yaml"
RULES_ENV = "WORKSPACE_GUARD_RULES"
STATE_DIRNAME = "workspace-guard"
MAX_READ = 64 * 1024 * 1024  # far above the loader's limit: it reports the size, we never hang
_LAYER = [False]  # an installed layer is running in this process (see `installed_layer`)
_NOTED: set[str] = set()  # the trust-root notes this process has said (`Repo.load_rules`)


def installed_layer(run: Callable[[], int]) -> int:
    """Run `run` as an installed layer (a git hook, a harness hook, the daemon): the rules come
    from the trusted revision or from the file `install --rules` recorded in the repository's
    config, never from `--rules` or WORKSPACE_GUARD_RULES, which whoever runs git or the agent
    harness sets (contract §3)."""
    previous = _LAYER[0]
    _LAYER[0] = True
    try:
        return run()
    finally:
        _LAYER[0] = previous


class Repo:
    """The repository a command runs in."""

    def __init__(
        self,
        info: git.RepoInfo,
        cwd: str,
        rules_option: str | None = None,
        *,
        trusted: trust_root.Trusted | None = None,
        config: trust_root.Config | None = None,
    ) -> None:
        self.info = info
        self.cwd = cwd
        self.rules_option = rules_option
        self.trusted = trusted
        self.config = config or {}
        self.warnings: list[str] = []
        self.trust_error: GuardError | None = None
        self.notes: list[tuple[str, dict[str, str]]] = []  # (message, fields): said in the
        # rules' language, once they are loaded (`load_rules`)
        self.quiet = False  # say neither the notes nor the working-tree warning (commands/hook)
        self._decider: Decider | None = None

    @classmethod
    def discover(cls, cwd: str | None = None, rules_option: str | None = None) -> Repo:
        """The repository containing `cwd`: from the ref files, the config file and the cache
        when they suffice (no git exec), else from git."""
        cwd = os.path.abspath(cwd or os.getcwd())
        info = _fast_info(cwd) or git.repo_info(cwd)
        config = trust_root.read_config(info.common_dir, cwd)
        if _LAYER[0]:
            option = trust_root.installed_rules_file(config, info.root or info.common_dir)
        else:
            option = rules_option or os.environ.get(RULES_ENV) or None
        repo = cls(info=info, cwd=cwd, rules_option=option, config=config)
        if option is None:
            repo._trust()
        return repo

    def _trust(self) -> None:
        """Find the trusted revision and its rules blob (`info.rules_blob`)."""
        try:
            trusted = trust_root.find(
                self.info.common_dir, self.cwd, self.info.head, self.config, record=_LAYER[0]
            )
        except GuardError as exc:
            self.trust_error = exc
            return
        self.trusted = trusted
        blob = self._blob_at(trusted.commit) if trusted.commit else None
        if blob is None and trusted.ref is not None and self.info.head:
            self.notes.append(
                (
                    N_(
                        "{ref} has no {rules} yet: the rules are read as committed at HEAD "
                        "until they are pushed"
                    ),
                    {"ref": trust_root.describe(trusted), "rules": DEFAULT_RULES},
                )
            )
            blob = self._blob_at(self.info.head)
        elif trusted.ref is None and trust_root.has_remote(self.config):
            self.notes.append(
                (
                    N_(
                        "no upstream of the protected branch was found (origin/HEAD, the "
                        "upstream of main or master, {key}): the rules are read as committed at "
                        "HEAD, which any agent that can commit can change; fetch, then run "
                        "`workspace-guard install` to record the trusted branch"
                    ),
                    {"key": "workspace-guard.rulesRef"},
                )
            )
        self.info = replace(self.info, rules_blob=blob)

    def _blob_at(self, commit: str) -> str | None:
        """The rules blob at `commit`: remembered, else from loose objects, else from git."""
        common = self.info.common_dir
        blob = rules_cache.blob_at(common, commit)
        if blob is None:
            blob = git.blob_from_loose(common, commit, DEFAULT_RULES)
        if blob is None:
            spec = f"{commit}:{DEFAULT_RULES}"
            proc = git.run(["rev-parse", "--verify", "-q", spec], self.cwd, check=False)
            found = proc.stdout.decode("ascii", "replace").strip()
            blob = found if proc.returncode == 0 and rules_cache.is_oid(found) else "-"
            rules_cache.remember_blob(common, commit, blob)
        return None if blob == "-" else blob

    @property
    def root(self) -> str:
        """The worktree top level (a bare repository has none)."""
        if self.info.root is None:
            raise ConfigError(_("this is a bare repository: there is no working tree to check"))
        return self.info.root

    @property
    def state_dir(self) -> str:
        """`<git common dir>/workspace-guard`: never in the working tree, shared by worktrees."""
        return os.path.join(self.info.common_dir, STATE_DIRNAME)

    def decider(self) -> Decider:
        """The trusted rules, compiled (loaded once per process)."""
        if self._decider is None:
            self._decider = shared(self.load_rules())
        return self._decider

    def load_rules(self) -> Rules:
        """Rules per the trust rule: explicit file, else the trusted revision (or HEAD where it
        has none), else the working tree with a warning."""
        if self.rules_option:
            path = os.path.join(self.cwd, self.rules_option)
            return _load_file(path, self.rules_option, self.state_dir)
        if self.trust_error is not None:
            raise self.trust_error
        # the warnings are said once the rules are loaded, in their language (or, when they do
        # not load, before the error)
        if self.info.rules_blob:
            try:
                return _load_blob(self.info.rules_blob, self.root, self.state_dir)
            finally:
                self._say_notes()
        path = os.path.join(self.root, DEFAULT_RULES)
        if not os.path.exists(path):
            self._say_notes()
            raise ConfigError(
                _("no rules file: {rules} is neither committed nor in the working tree").format(
                    rules=DEFAULT_RULES
                ),
                hint=_("run `workspace-guard init`, or name a file with --rules / {env}").format(
                    env=RULES_ENV
                ),
            )
        try:
            return _load_file(path, DEFAULT_RULES, self.state_dir)
        finally:
            self._say_notes()
            if not self.quiet:
                self.warn(
                    _(
                        "{rules} is not committed at HEAD; using the working-tree copy, which "
                        "any agent can edit — commit it to make it binding"
                    ).format(rules=DEFAULT_RULES)
                )

    def _say_notes(self) -> None:
        """The trust-root notes, once per process however many Repos it makes (none when
        `quiet`: of a commit's hooks only commit-msg says them)."""
        for message, fields in [] if self.quiet else self.notes:
            note = _(message).format(**fields)
            if note not in _NOTED:
                _NOTED.add(note)
                self.warn(note)

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


def _fast_info(cwd: str) -> git.RepoInfo | None:
    """RepoInfo without running git, when the ref files answer (rules blob: see `Repo._trust`)."""
    found = git.locate(cwd)
    head = found and git.read_head(found[1])
    if not found or not head:
        return None
    root, git_dir = found
    common, commit = head
    prefix = os.path.relpath(cwd, root)
    return git.RepoInfo(
        root=root,
        common_dir=common,
        git_dir=git_dir,
        bare=False,
        prefix="" if prefix == "." else prefix,
        rules_blob=None,
        has_head=True,
        head=commit,
    )


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


def _load_blob(blob: str, cwd: str, state_dir: str) -> Rules:
    key = f"blob:{blob}"
    rules = rules_cache.cached(state_dir, key)
    if rules is None:
        from workspace_guard.core.rules import load_rules

        rules = load_rules(git.cat_blob(blob, cwd), DEFAULT_RULES)
        rules_cache.store(state_dir, key, rules)
    set_language(rules.language)  # every command that loads rules speaks their language
    return rules


def _load_file(path: str, name: str, state_dir: str) -> Rules:
    """A rules file from disk. The cache is checked against the bytes themselves, not mtime and
    size: an edit of the same length within one timestamp tick must not keep the old rules."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_READ)
    except OSError as exc:
        raise ConfigError(
            _("cannot read the rules file {name}: {error}").format(name=name, error=strerror(exc))
        ) from exc
    key = f"file:{os.path.abspath(path)}"
    rules = rules_cache.cached(state_dir, key, data)
    if rules is None:
        from workspace_guard.core.rules import load_rules

        rules = load_rules(data, name)
        rules_cache.store(state_dir, key, rules, data)
    set_language(rules.language)  # every command that loads rules speaks their language
    return rules
