"""`workspace-guard doctor [--fix]`: would every layer run, in every worktree?

A mute gate is indistinguishable from a passing one: a worktree whose `core.hooksPath` was
redirected runs no commit hook and says nothing; a harness command that no longer resolves lets
every edit through. The doctor asks git and the file system what really runs, names each layer
that would not, says the fix, and with `--fix` applies the fixes that are safe (reinstalling our
hooks where git looks for them, rewriting a stale harness command, moving a corrupt claims file
aside).
"""

from __future__ import annotations

import os

from workspace_guard import git
from workspace_guard.core.record import Record
from workspace_guard.errors import GuardError
from workspace_guard.i18n import N_, _, ngettext

TYPE_CHECKING = False  # on the SessionStart hook's path (gates/harness/coord.session_report)
if TYPE_CHECKING:
    from typing import Any

    from workspace_guard.repo import Repo

# the layers as the text output names them (the JSON keeps `layer` as is: it is an identifier)
LAYER_LABELS = {"rules": N_("rules"), "claims": N_("claims")}


class Check(Record):
    """One finding: `ok`, else the problem and its fix (`fixed`: what `--fix` did)."""

    layer: str
    ok: bool
    detail: str
    fix: str = ""
    fixed: str = ""
    where: str = ""
    skipped: bool = False  # a layer that is not configured here (not a failure)

    def to_json(self) -> dict[str, Any]:
        """One item of `doctor --format json`."""
        return {
            "layer": self.layer,
            "ok": self.ok,
            "skipped": self.skipped,
            "detail": self.detail,
            "fix": self.fix or None,
            "fixed": self.fixed or None,
            "where": self.where or None,
        }


def diagnose(repo: Repo, *, fix: bool = False, fast: bool = False) -> list[Check]:
    """Every check; `fast` (the harness's SessionStart) skips linting the rules."""
    checks = [_rules(repo, lint=not fast), _claims(repo, fix)]
    trees = worktrees(repo)
    checks += [_commit_hooks(repo, tree, fix) for tree in trees]
    checks += _config_includes(repo)
    checks += _harnesses(repo, fix)
    checks += _mcp(repo, fix)
    checks += [_daemon(repo), *_servers(repo)]
    return checks


def worktrees(repo: Repo) -> list[str]:
    """The working trees of the repository (main first), from `git worktree list`."""
    out = git.run(["worktree", "list", "--porcelain", "-z"], repo.root).stdout
    trees = []
    for field in out.decode("utf-8", "surrogateescape").split("\0"):
        if field.startswith("worktree "):
            path = field[len("worktree ") :]
            if os.path.isdir(path):
                trees.append(path)
    return trees or [repo.root]


# --- rules ---------------------------------------------------------------------------------------


def _rules(repo: Repo, *, lint: bool) -> Check:
    """The rules load from the trusted revision (and lint clean)."""
    from workspace_guard.repo import DEFAULT_RULES

    try:
        rules = repo.load_rules()
    except GuardError as exc:
        hint = exc.hint or _("fix the rules file, then commit it")
        return Check("rules", False, exc.message, hint)
    if repo.rules_option is None and not repo.info.rules_blob:
        return Check(
            "rules",
            False,
            _(
                "{rules} is not committed: the gates read it from the working tree, where any "
                "agent can edit it"
            ).format(rules=DEFAULT_RULES),
            _("commit {rules}").format(rules=DEFAULT_RULES),
        )
    if lint:
        errors = _lint_errors(repo, rules.path)
        if errors:
            return Check("rules", False, "; ".join(errors[:3]), "workspace-guard lint")
    from workspace_guard.commands.map import rules_source

    where = _source_words(rules_source(repo))  # the trusted revision, not always HEAD
    count = len(rules.protected)
    detail = ngettext(
        "{path} ({where}): {count} protected rule",
        "{path} ({where}): {count} protected rules",
        count,
    ).format(path=rules.path, where=where, count=count)
    return Check("rules", True, detail)


def _source_words(where: str) -> str:
    """`rules_source`'s words (map.py keeps them English for the page) in the user's language."""
    fixed = {"file": N_("file"), "working tree": N_("working tree")}
    if where in fixed:
        return _(fixed[where])
    head, sep, rest = where.partition("; ")
    if sep and rest.endswith(" has no rules yet"):
        name = rest[: -len(" has no rules yet")]
        return _("{head}; {name} has no rules yet").format(head=head, name=name)
    return where


def _lint_errors(repo: Repo, name: str) -> list[str]:
    from workspace_guard.commands.lint import lint_text

    blob = repo.info.rules_blob
    if repo.rules_option is not None or not blob:
        return []
    data = git.run(["cat-file", "blob", blob], repo.root).stdout
    findings = lint_text(data, name, git.ls_files(repo.root))
    return [str(f) for f in findings if f.level == "error"]


# --- claims --------------------------------------------------------------------------------------


def _claims(repo: Repo, fix: bool) -> Check:
    from workspace_guard.state.claims import ClaimsCorrupt, live, move_aside

    try:
        count = len(live(repo.state_dir).claims)
    except ClaimsCorrupt as exc:
        fixed = ""
        if fix:
            moved = move_aside(repo.state_dir)
            fixed = _("moved the corrupt claims file to {path}").format(path=moved)
        return Check("claims", bool(fixed), exc.message, "workspace-guard doctor --fix", fixed)
    detail = ngettext("{count} live claim", "{count} live claims", count).format(count=count)
    return Check("claims", True, detail)


# --- commit hooks --------------------------------------------------------------------------------


def hooks_dir(tree: str) -> str:
    """The hooks directory git really uses in `tree` (core.hooksPath, per-worktree config)."""
    out = git.run(["rev-parse", "--git-path", "hooks"], tree).stdout
    path = out.decode("utf-8", "surrogateescape").strip()
    return os.path.normpath(os.path.join(tree, path))


def hook_problems(directory: str) -> list[str]:
    """Why our commit hooks would not run from `directory` (empty: they would)."""
    from workspace_guard.commands.install import CLIENT_HOOKS, LEGACY_SUFFIX, is_ours

    problems = []
    for name in CLIENT_HOOKS:
        path = os.path.join(directory, name)
        where = {"name": name, "directory": directory}
        if not os.path.exists(path):
            problems.append(_("{name} hook missing in {directory}").format(**where))
        elif not is_ours(path):
            problems.append(_("{name} in {directory} is not workspace-guard's").format(**where))
        elif not os.access(path, os.X_OK):
            problems.append(_("{name} in {directory} is not executable").format(**where))
        else:
            problems += _baked_python(path, name)
        legacy = path + LEGACY_SUFFIX
        if os.path.exists(legacy) and not os.access(legacy, os.X_OK):
            problems.append(
                _("the chained hook {path} is not executable (it would be skipped)").format(
                    path=legacy
                )
            )
    return problems


def _baked_python(path: str, name: str) -> list[str]:
    """The interpreter an installed hook starts must still exist."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("WG_PYTHON="):
                exe = line.split("=", 1)[1].strip().strip("'")
                if exe and not os.access(exe, os.X_OK):
                    return [_("{name} starts {exe}, which is gone").format(name=name, exe=exe)]
                break
    return []


def _commit_hooks(repo: Repo, tree: str, fix: bool) -> Check:
    directory = hooks_dir(tree)
    problems = hook_problems(directory)
    if not problems:
        detail = _("hooks run from {directory}").format(directory=directory)
        return Check("commit", True, detail, where=tree)
    fixed = ""
    if fix:
        from workspace_guard.commands.install import install

        install(tree)
        if not hook_problems(hooks_dir(tree)):
            fixed = _("reinstalled the hooks into {directory}").format(directory=directory)
    detail = "; ".join(problems)
    fix_text = _("workspace-guard install (in {tree})").format(tree=tree)
    return Check("commit", bool(fixed), detail, fix_text, fixed, tree)


def _config_includes(repo: Repo) -> list[Check]:
    """git's configuration includes a file outside git's directory: whoever may write it sets
    `core.hooksPath`, `core.fsmonitor` or an alias for this repository, past every commit hook
    (the harness gate refuses tools to write it; a process outside every harness is not)."""
    from workspace_guard.gates.harness.gitdir import config_includes

    git_dirs = {os.path.realpath(d) for d in (repo.info.common_dir, repo.info.git_dir) if d}
    outside = [
        t
        for t in config_includes(repo)
        if not any(t == d or t.startswith(d.rstrip(os.sep) + os.sep) for d in git_dirs)
    ]
    if not outside:
        return []
    detail = _(
        "git's configuration includes {files}, outside git's directory: whoever can write there "
        "sets core.hooksPath, core.fsmonitor or aliases for this repository, past every hook"
    ).format(files=", ".join(outside))
    fix = _(
        "move those settings into .git/config and remove the include (git config --unset-all "
        "include.path, git config --remove-section includeIf.CONDITION)"
    )
    return [Check("commit", False, detail, fix, where=repo.root)]


# --- harnesses (commands/doctor_harness.py) ------------------------------------------------------


def _harnesses(repo: Repo, fix: bool) -> list[Check]:
    from workspace_guard.commands import doctor_harness

    checks = doctor_harness.harnesses(repo, fix)
    found = [
        (name, os.path.join(repo.root, rel))
        for name, rel in doctor_harness.HARNESS_FILES.items()
        if os.path.exists(os.path.join(repo.root, rel))
    ]
    from workspace_guard.commands.doctor_agents import shadowing

    return checks + _trust(repo, found) + shadowing(repo)


def _trust(repo: Repo, found: list[tuple[str, str]]) -> list[Check]:
    """Codex runs project hooks only in a trusted project (and skips them silently otherwise)."""
    if "codex" not in {name for name, _p in found}:
        return []
    from workspace_guard.commands.harness_install import TRUST_STEPS

    home = os.environ.get("CODEX_HOME") or os.path.expanduser("~/.codex")
    config = os.path.join(home, "config.toml")
    if _codex_trusts(config, repo.root):
        return [Check("harness", True, _("codex trusts {root}").format(root=repo.root))]
    return [
        Check(
            "harness",
            False,
            _("codex does not trust {root} ({config}): it would skip the hooks silently").format(
                root=repo.root, config=config
            ),
            _(TRUST_STEPS["codex"]).format(root=repo.root),
        )
    ]


def _mcp(repo: Repo, fix: bool) -> list[Check]:
    from workspace_guard.commands import doctor_harness

    claude = os.path.join(repo.root, doctor_harness.HARNESS_FILES["claude"])
    try:
        with open(claude, encoding="utf-8", errors="replace") as handle:
            hooked = "wg-hook claude" in handle.read()
    except OSError:
        hooked = False
    return doctor_harness.mcp(repo, fix, hooked)


# --- daemon and server ---------------------------------------------------------------------------


def _daemon(repo: Repo) -> Check:
    try:
        configured = bool(repo.decider().rules.watch)
    except GuardError:
        configured = False
    if not configured:
        return Check("watch", True, _("no `watch:` section in the rules"), skipped=True)
    from workspace_guard.gates.watch.control import holder

    if holder(repo.state_dir) is None:
        return Check("watch", False, _("the daemon is not running"), "workspace-guard watch start")
    return Check("watch", True, _("the daemon is running"))


def _servers(repo: Repo) -> list[Check]:
    """Remotes that are bare repositories on this machine must carry our pre-receive hook."""
    out = git.run(["config", "--get-regexp", r"^remote\..*\.url$"], repo.root, check=False)
    checks = []
    for line in out.stdout.decode("utf-8", "surrogateescape").splitlines():
        _key, _s, url = line.partition(" ")
        path = url[len("file://") :] if url.startswith("file://") else url
        if "://" in path or (not os.path.isabs(path) and ":" in path.split("/", 1)[0]):
            continue  # another machine (ssh, https, host:path)
        path = os.path.join(repo.root, path) if not os.path.isabs(path) else path
        if os.path.isdir(os.path.join(path, ".git")) or _work_tree_git_dir(path):
            checks.append(_working_remote(path))  # a clone of a same-machine workspace
            continue
        if not os.path.isdir(path) or not os.path.exists(os.path.join(path, "HEAD")):
            continue
        checks.append(_server(path))
        from workspace_guard.gates.push.server_pin import problem as tampered

        if found := tampered(path):  # changed outside a push: symbolic-ref (ATTACK F93)
            checks.append(Check("push", False, found, f"workspace-guard install --server {path}"))
        from workspace_guard.commands.server_provenance import mismatch

        if problem := mismatch(repo.cwd, path):
            fix = f"git -C {path} config workspace-guard.requireProvenance true"
            checks.append(Check("push", False, problem, fix, where=path))
    return checks


def _work_tree_git_dir(path: str) -> bool:
    """Whether `path` is the `.git` directory of a repository with a work tree."""
    return os.path.basename(os.path.normpath(path)) == ".git" and os.path.isfile(
        os.path.join(path, "HEAD")
    )


def _working_remote(path: str) -> Check:
    """A remote that is a repository with a work tree on this machine (a clone of another
    checkout): its own commit hooks guard it; pre-receive belongs on a shared bare one."""
    detail = _(
        "{path} is a repository with a work tree on this machine, not a shared bare repository: "
        "`install --server` is for the bare repository agents push to; pushes into this one are "
        "judged by its own hooks (run `workspace-guard install` there)"
    ).format(path=path)
    return Check("push", True, detail, where=path, skipped=True)


def _server(bare: str) -> Check:
    from workspace_guard.commands.install import SERVER_HOOKS, is_ours

    for name in SERVER_HOOKS:
        hook = os.path.join(hooks_dir(bare), name)
        if not (os.path.exists(hook) and is_ours(hook) and os.access(hook, os.X_OK)):
            text = _("the shared repository {path} has no workspace-guard {hook} hook")
            return Check(
                "push",
                False,
                text.format(path=bare, hook=name),
                f"workspace-guard install --server {bare}",
                where=bare,
            )
    detail = _("pre-receive and reference-transaction installed in {path}").format(path=bare)
    return Check("push", True, detail, where=bare)


# --- output --------------------------------------------------------------------------------------


def render(checks: list[Check]) -> str:
    """One line per check, the failures with their fix."""
    lines = []
    for check in checks:
        mark = "-" if check.skipped else ("✓" if check.ok and not check.fixed else "✗")
        lines.append(f"{mark} {label(check.layer)}: {check.detail}")
        if check.fixed:
            lines.append("    " + _("fixed: {fixed}").format(fixed=check.fixed))
        elif not check.ok:
            lines.append("    " + _("fix: {fix}").format(fix=check.fix))
    return "\n".join(lines)


def label(layer: str) -> str:
    """A layer's name in the user's language (text output only)."""
    return _(LAYER_LABELS[layer]) if layer in LAYER_LABELS else layer


def run(repo: Repo, *, fix: bool = False, fmt: str = "text") -> int:
    """The command: exit 0 when every layer would run, 1 otherwise."""
    checks = diagnose(repo, fix=fix)
    ok = all(c.ok for c in checks)
    if fmt == "json":
        import json

        print(json.dumps({"ok": ok, "checks": [c.to_json() for c in checks]}, indent=2))
    else:
        print(render(checks))
    return 0 if ok else 1


def _codex_trusts(config: str, root: str) -> bool:
    """`[projects."ROOT"]` with `trust_level = "trusted"` in Codex's config.toml (read as text:
    tomllib is not in every Python the project supports)."""
    import re

    try:
        with open(config, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return False
    head = re.escape(f'[projects."{root}"]')
    section = re.search(head + r"\s*\n(.*?)(?=^\[|\Z)", text, re.S | re.M)
    return bool(section and re.search(r'^\s*trust_level\s*=\s*"trusted"', section.group(1), re.M))
