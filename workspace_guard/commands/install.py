"""`install` / `uninstall`: put the git hooks where git really looks, keep what was there.

The hooks directory comes from `git rev-parse --git-path hooks`, which honours `core.hooksPath` and
linked worktrees. A hook that is not ours is kept as `<hook>.workspace-guard-legacy` and still runs
first; `uninstall` puts it back. The interpreter is baked in, so hooks work outside the virtualenv.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from workspace_guard import git
from workspace_guard.errors import ConfigError, GitError
from workspace_guard.fsutil import atomic_write
from workspace_guard.i18n import _, choose_for_workspace, strerror

MARKER = "workspace-guard-managed"
LEGACY_SUFFIX = ".workspace-guard-legacy"
CLIENT_HOOKS = ("commit-msg", "pre-commit", "reference-transaction", "pre-push", "post-rewrite")
SERVER_HOOKS = ("pre-receive", "reference-transaction")


def template() -> str:
    """The generic hook program shipped in `hooks/git-hook`."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, os.pardir, "resources", "hooks", "git-hook")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def render(python: str | None = None, *, server: bool = False) -> str:
    """The hook with this interpreter and its import path baked in (shell-quoted); `server`:
    the shared repository's hooks (gates/push/server_moves.py)."""
    exe = python or sys.executable
    text = template().replace("WG_PYTHON=''", f"WG_PYTHON={_shell_quote(exe)}", 1)
    if server:
        text = text.replace("WG_SERVER=''", "WG_SERVER=1", 1)
    path = "\n".join(import_path(python))
    return text.replace("WG_PATH=''", f"WG_PATH={_shell_quote(path)}", 1)


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def import_path(python: str | None = None) -> list[str]:
    """What the hook's `python -I -S` adds to sys.path to import workspace-guard and its
    libraries from where `python -I` would: this package's root first (for an editable install,
    its source tree, reached without the import-hook finder), then what the site module adds
    (site-packages, .pth lines). Entries that cannot pass through the hook (a newline in the
    name) are left out; the hook then falls back to importing `site` itself."""
    import workspace_guard

    exe = python or sys.executable
    root = os.path.dirname(os.path.dirname(os.path.abspath(workspace_guard.__file__)))
    with_site = _sys_path(exe, "-I")
    bare = set(_sys_path(exe, "-I", "-S"))
    found = [root] if python is None else []
    found += [p for p in with_site if p not in bare and p not in found]
    return [p for p in found if p and "\n" not in p and os.path.isdir(p)]


def _sys_path(python: str, *flags: str) -> list[str]:
    """sys.path of `python FLAGS` (no site: the stdlib only; with it: what site adds too)."""
    import subprocess

    code = "import sys; sys.stdout.write('\\0'.join(sys.path))"
    try:
        proc = subprocess.run(
            [python, *flags, "-c", code], capture_output=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return []  # nothing baked: the hook imports `site` as a normal start would
    text = proc.stdout.decode("utf-8", "surrogateescape")
    return [os.path.abspath(p) for p in text.split("\0") if p]


def hooks_dir(cwd: str) -> str:
    """The directory git runs hooks from (core.hooksPath, worktrees, bare repositories)."""
    path = git.out(["rev-parse", "--git-path", "hooks"], cwd)
    return os.path.abspath(os.path.join(cwd, path))


def is_ours(path: str) -> bool:
    """Whether an existing hook file was written by us (the marker line)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return MARKER in handle.read(4096)
    except OSError:
        return False


def install_hook(directory: str, name: str, content: str) -> str:
    """Write one hook; returns what happened (for the report)."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    legacy = path + LEGACY_SUFFIX
    action = _("installed")
    if os.path.lexists(path) and not is_ours(path):
        if os.path.lexists(legacy):
            raise ConfigError(
                _("{path} is not ours and {legacy} already exists").format(
                    path=path, legacy=legacy
                ),
                hint=_("merge the two hooks by hand, then run install again"),
            )
        os.replace(path, legacy)
        action = _("installed (kept the existing hook as {name}; it still runs first)").format(
            name=os.path.basename(legacy)
        )
    elif os.path.lexists(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            if handle.read() == content:
                return _("already installed")
        action = _("updated")
    atomic_write(path, content, mode=0o755)
    return action


def uninstall_hook(directory: str, name: str) -> str:
    """Remove our hook and put back the one that was there before."""
    path = os.path.join(directory, name)
    legacy = path + LEGACY_SUFFIX
    if not os.path.lexists(path):
        return _("not installed")
    if not is_ours(path):
        return _("left alone (not installed by workspace-guard)")
    os.remove(path)
    if os.path.lexists(legacy):
        os.replace(legacy, path)
        return _("removed (restored the previous hook)")
    return _("removed")


def install(cwd: str, *, server: str | None = None) -> list[tuple[str, str]]:
    """Client hooks in the repository at `cwd`, or `pre-receive` and `reference-transaction` in
    the bare repository `server`."""
    names: tuple[str, ...]
    if server is not None:
        directory = _server_hooks_dir(server)
        names = SERVER_HOOKS
    else:
        directory = hooks_dir(cwd)
        names = CLIENT_HOOKS
    content = render(server=server is not None)
    results = [
        (os.path.join(directory, name), _writing(install_hook, directory, name, content))
        for name in names
    ]
    return results if server is not None else results + notes_rewrite(cwd)


def uninstall(cwd: str, *, server: str | None = None) -> list[tuple[str, str]]:
    """Undo `install`."""
    directory = _server_hooks_dir(server) if server is not None else hooks_dir(cwd)
    names = SERVER_HOOKS if server is not None else CLIENT_HOOKS
    results = [
        (os.path.join(directory, name), _writing(uninstall_hook, directory, name)) for name in names
    ]
    return results if server is not None else results + notes_unrewrite(cwd)


def _writing(action: Callable[..., str], directory: str, name: str, *args: str) -> str:
    """A hooks directory we cannot write (permissions, read-only mount) is a usage problem with
    a message, not an internal error."""
    try:
        return action(directory, name, *args)
    except OSError as exc:
        path = os.path.join(directory, name)
        raise ConfigError(
            _("cannot change the hook {path}: {error}").format(path=path, error=strerror(exc)),
            hint=_("check the permissions of the hooks directory (git rev-parse --git-path hooks)"),
        ) from exc


def _server_hooks_dir(server: str) -> str:
    if not os.path.isdir(server):
        raise ConfigError(_("no such repository: {path}").format(path=server))
    try:
        info = git.repo_info(os.path.abspath(server))
    except GitError as exc:
        raise ConfigError(_("{path} is not a git repository").format(path=server)) from exc
    if not info.bare:
        raise ConfigError(
            _("{path} is not a bare repository").format(path=server),
            hint=_(
                "--server installs the pre-receive hook in the shared (bare) repository "
                "agents push to"
            ),
        )
    return hooks_dir(os.path.abspath(server))


def run_install(cwd: str, server: str | None, harnesses: set[str], rules: str | None = None) -> int:
    """`install`: the git hooks (or pre-receive on `server`), then each harness's hooks; in a
    clone, which rules the installed layers trust (trust_root.record). It speaks the language
    of the workspace's trusted rules, which it does not otherwise load."""
    choose_for_workspace(cwd)
    report(cwd, install(cwd, server=server))
    if server is not None:
        from workspace_guard.commands import server_provenance

        print(server_provenance.install(cwd, os.path.abspath(server)))
        from workspace_guard.gates.push.server_pin import pin

        print(pin(os.path.abspath(server)))  # the protected branch, pinned and recorded (F93)
        from workspace_guard.gates.push.server_moves import old_git_warning

        if old_git := old_git_warning(os.path.abspath(server)):
            print(_("workspace-guard: warning: {message}").format(message=old_git), file=sys.stderr)
    if server is None:
        from workspace_guard.trust_root import record

        for line in record(cwd, rules):
            print(line)
        from workspace_guard.gates.push.notes import NOTES_REF, PUSH_KEY

        print(
            _(
                "{ref}: the provenance notes of the commit gate; the pre-push hook pushes them "
                "before each push (git config {key} false turns that off)"
            ).format(ref=NOTES_REF, key=PUSH_KEY)
        )
        from workspace_guard.gates.push.local import reference_transaction_warning

        if old_git := reference_transaction_warning(cwd):
            print(_("workspace-guard: warning: {message}").format(message=old_git), file=sys.stderr)
    if harnesses:
        from workspace_guard.commands import harness_install, install_provenance

        for name in sorted(harnesses):
            before = install_provenance.versions(cwd, name)
            report(cwd, harness_install.install(cwd, name))
            report(cwd, install_provenance.record(cwd, before))
        report(cwd, [harness_install.require_provenance(cwd)])
        from workspace_guard.commands.lint_protocol import main_agent_warning

        if "claude" in harnesses and (warning := main_agent_warning(cwd)):
            print(f"workspace-guard: {warning}", file=sys.stderr)
    return 0


NOTES_CONFIG = (("notes.rewriteRef", None), ("notes.rewriteMode", "ignore"))


def _config_values(cwd: str, key: str) -> list[str]:
    proc = git.run(["config", "--local", "--get-all", key], cwd, check=False)
    return [v for v in proc.stdout.decode("utf-8", "replace").split("\n") if v]


def notes_rewrite(cwd: str) -> list[tuple[str, str]]:
    """`notes.rewriteRef` (the provenance notes ref) and `notes.rewriteMode=ignore`, so `commit
    --amend` and `rebase` carry a commit's note to the commit that replaces it, and never
    concatenate an old note with the fresh one commit-msg wrote (two JSON documents in one note
    are not a note). They are not enforcement keys (core/gitconfig_keys): the watch daemon lets
    any process write them, as it does git's own writes, so they need no announcement on the
    audit chain (state/announce is for the keys it judges), and install leaves the audit log
    as it was. A value the user set is left alone, and said; nothing is reported when all is
    already set."""
    from workspace_guard.gates.push.notes import NOTES_REF

    out = []
    for key, wanted in NOTES_CONFIG:
        value = wanted or NOTES_REF
        current = _config_values(cwd, key)
        if value in current:
            continue
        if current:
            action = _(
                "left at {current}, which you set (the post-rewrite hook still gives rewritten "
                "commits the notes the ledger proves)"
            ).format(current=", ".join(current))
        else:
            git.run(["config", "--local", key, value], cwd)
            action = _("set to {value}").format(value=value)
        out.append((f"git config {key}", action))
    return out


def notes_unrewrite(cwd: str) -> list[tuple[str, str]]:
    """Undo `notes_rewrite`: only the values install wrote."""
    from workspace_guard.gates.push.notes import NOTES_REF

    out = []
    for key, wanted in NOTES_CONFIG:
        if _config_values(cwd, key) == [wanted or NOTES_REF]:
            git.run(["config", "--local", "--unset-all", key], cwd, check=False)
            out.append((f"git config {key}", _("removed")))
    return out


def run_uninstall(cwd: str, server: str | None, harnesses: set[str]) -> int:
    """`uninstall`: what `install` wrote goes, any hook that was there before comes back."""
    choose_for_workspace(cwd)
    report(cwd, uninstall(cwd, server=server))
    if harnesses:
        from workspace_guard.commands import harness_install

        for name in sorted(harnesses):
            report(cwd, harness_install.uninstall(cwd, name))
        report(cwd, [harness_install.require_provenance(cwd, on=False)])
    return 0


def check_harnesses(cwd: str, harnesses: set[str]) -> int:
    """`install --harness X --check`: one line per check; 1 when any fails."""
    from workspace_guard.commands.harness_check import check

    if not harnesses:
        raise ConfigError(_("--check needs --harness NAME (or --claude)"))
    failed = False
    for name in sorted(harnesses):
        for status, text in check(cwd, name):
            print(f"{name}: {status}: {text}")
            failed = failed or status == "FAIL"
    return 1 if failed else 0


def report(cwd: str, results: list[tuple[str, str]]) -> None:
    """One line per file written or removed (relative to `cwd` when inside it)."""
    for path, action in results:
        shown = os.path.relpath(path, cwd) if path.startswith(cwd) else path
        print(f"{shown}: {action}")
