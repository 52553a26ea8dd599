"""git's config judged by content: which keys matter to enforcement, and who may change them.

git writes its own config all the time (`git push -u` records `branch.X.remote`/`merge`, `git
remote add` a remote, `git config user.name`), and `workspace-guard install` records its trusted
rules ref. Reporting every such write trains people to ignore the daemon, so a change is a
violation only when it touches a key that switches enforcement off, redirects it, or makes git
run a program of the writer's choice (`ENFORCEMENT`): hooks and fsmonitor, include files,
editors and pagers, external diff and filter drivers, ssh and credential programs, URL
rewrites, `!` aliases and workspace-guard's own keys.

Even such a key is workspace-guard's own write when `install` announced it on the audit chain
before writing it (`state/announce`: an `install`/`configure` record naming the file, the key
and the value): the daemon accepts exactly that value for that key, once.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from workspace_guard import git
from workspace_guard.core import gitconfig_keys
from workspace_guard.speed import gitconfig as gitconfig_files

log = logging.getLogger("workspace_guard.watch")

ENFORCEMENT = gitconfig_keys.ALWAYS + gitconfig_keys.BY_VALUE  # the table: core/gitconfig_keys
norm_key = gitconfig_keys.norm_key


def enforcement_key(key: str, values: list[str], remote: str | None = None) -> bool:
    """Whether a change of `key` to `values` matters to enforcement (`remote`: the trusted one)."""
    return gitconfig_keys.enforcement_key(key, values, remote)


def remote_of(current: dict[str, list[str]]) -> str:
    """The trusted remote named by this file's `workspace-guard.rulesRef` (else `origin`)."""
    ref = current.get(gitconfig_keys.norm_key("workspace-guard.rulesRef"), [])
    return gitconfig_keys.trusted_remote(ref[-1] if ref else None)


def values(data: bytes | None) -> dict[str, list[str]]:
    """key → its values, in file order, as git parses the file's bytes (includes not followed;
    the one reader: `speed/gitconfig.py`)."""
    return gitconfig_files.parse_bytes(data)


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """Keys whose values differ."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def violations(
    before: dict[str, list[str]], after: dict[str, list[str]], expected: Expected
) -> list[str]:
    """The changed keys that matter to enforcement and that `install` did not announce."""
    out = []
    remote = remote_of(after)
    for key in changed(before, after):
        new = after.get(key, [])
        if not enforcement_key(key, new + before.get(key, []), remote):
            continue
        if _by_value(key) and not enforcement_key(key, new, remote):
            continue  # a `!` alias removed or made plain, an `ext::` URL removed: nothing runs
        if _first_url(key, before, new):
            continue  # `git remote add origin URL`, `git clone`: the remote's first URL
        if not expected.take(key, new):
            out.append(key)
    return out


def dangerous_keys(current: dict[str, list[str]]) -> list[str]:
    """Enforcement keys present (used when the previous content is not known)."""
    # the previous content is not known: a trusted remote's URL is no evidence of a change
    return sorted(k for k, v in current.items() if enforcement_key(k, v, ""))


def _first_url(key: str, before: dict[str, list[str]], new: list[str]) -> bool:
    """The trusted remote given its first URL (no `ext::`/`fd::`): not a redirection."""
    return (
        gitconfig_keys.matches(key, "remote.*.url")
        and not before.get(key)
        and not enforcement_key(key, new, "")
    )


def _by_value(key: str) -> bool:
    return any(gitconfig_keys.matches(key, p) for p in gitconfig_keys.BY_VALUE)


def put_back(path: str, before: dict[str, list[str]], keys: list[str]) -> str | None:
    """Give `keys` in the config file at `path` their values in `before`; None when done, else
    why not."""
    for key in keys:
        git.run(["config", "--file", path, "--unset-all", key], None, check=False)
        for value in before.get(key, []):
            done = git.run(["config", "--file", path, "--add", key, value], None, check=False)
            if done.returncode != 0:
                return f"could not put back {key}: {done.stderr.decode(errors='replace').strip()}"
    log.warning("put back %s in %s", ", ".join(keys), path)
    return None


class Expected:
    """What `install` announced it is about to write: (file, key) → values, and work-tree path
    → blob id (None: a removal); each consumed once."""

    def __init__(self) -> None:
        self.pending: dict[str, list[str]] = {}
        self.files: dict[str, tuple[str | None, int]] = {}  # path → (blob, audit seq)

    def note(self, record: dict[str, Any], seq: int = 0) -> None:
        """An audit record; only `layer: install`, `action: configure` or `write` ones count."""
        if record.get("layer") != "install":
            return
        if record.get("action") == "write":
            path, blob = record.get("path"), record.get("blob")
            if isinstance(path, str) and (blob is None or isinstance(blob, str)):
                self.files[path] = (blob, seq)  # the latest announcement for a path counts
            return
        if record.get("action") != "configure":
            return
        key, value = record.get("key"), record.get("value")
        if isinstance(key, str) and (value is None or isinstance(value, str)):
            self.pending[norm_key(key)] = [] if value is None else [value]

    def take(self, key: str, new: list[str]) -> bool:
        """True (once) when `install` announced exactly these values for `key`."""
        if self.pending.get(key) == new:
            del self.pending[key]
            log.info("config %s written by workspace-guard install", key)
            return True
        return False

    def take_file(self, rel: str, blob: str | None) -> int | None:
        """The announcement's audit seq (once) when `install` announced exactly this blob (None:
        the removal) for the work-tree path `rel`; else None."""
        found = self.files.get(rel)
        if found is None or found[0] != blob:
            return None
        del self.files[rel]
        log.info("%s written by workspace-guard install", rel)
        return found[1]


def global_files(env: dict[str, str] | None = None) -> list[str]:
    """The global config files watched for this daemon's user: those git reads
    (`speed/gitconfig.py`) and, with `GIT_CONFIG_GLOBAL` set, `~/.gitconfig` and
    `$XDG_CONFIG_HOME/git/config` too (another process without the variable reads them)."""
    environ = dict(os.environ if env is None else env)
    found = gitconfig_files.global_files(environ)
    environ.pop("GIT_CONFIG_GLOBAL", None)
    found += gitconfig_files.global_files(environ) or [os.path.expanduser("~/.gitconfig")]
    out: list[str] = []
    for path in found:
        if path and path != os.devnull and os.path.abspath(path) not in out:
            out.append(os.path.abspath(path))
    return out
