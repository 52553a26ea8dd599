"""The one table of git config keys that matter to enforcement, for the gate and the daemon.

A key matters when setting it switches the commit hooks off or moves them (`core.hooksPath`,
`core.fsmonitor`, `extensions.worktreeConfig`, which turns `config.worktree` on as a second place
for them), when git runs its value as a program (editors, pagers, diff/merge/filter drivers, gpg,
credential and ssh programs, `!` aliases, `submodule.*.update=!cmd`, browsers…), when it pulls in
settings from elsewhere (`include.*`, `includeIf.*`, `core.attributesFile`), or when it redirects
what workspace-guard trusts (`workspace-guard.*`, a trusted remote pointed elsewhere, an
`ext::`/`fd::` transport, a fetch refspec writing outside its own remote's namespace).

Matching follows git: section and key name case-insensitive, the subsection kept as written (a
pattern's `*` stands for any subsection, dots included). The Bash analysis (gates/harness/bash/
gitconfig) refuses a `git config` write of such a key; the watch daemon (gates/watch/gitconfig)
reports and reverts one.
"""

from __future__ import annotations

import fnmatch

# keys (lower case; `*` is a subsection) whose every change matters
ALWAYS = (
    "core.hookspath",
    "core.fsmonitor",
    "core.worktree",
    "core.editor",
    "core.pager",
    "core.sshcommand",
    "core.askpass",
    "core.gitproxy",
    "core.attributesfile",
    "core.alternaterefscommand",
    "extensions.worktreeconfig",
    "sequence.editor",
    "diff.external",
    "diff.*.command",
    "diff.*.textconv",
    "difftool.*.cmd",
    "difftool.*.path",
    "merge.*.driver",
    "mergetool.*.cmd",
    "mergetool.*.path",
    "filter.*.clean",
    "filter.*.smudge",
    "filter.*.process",
    "gpg.program",
    "gpg.*.program",
    "gpg.ssh.defaultkeycommand",
    "credential.helper",
    "credential.*.helper",
    "uploadpack.packobjectshook",
    "protocol.allow",
    "protocol.*.allow",
    "remote.*.uploadpack",
    "remote.*.receivepack",
    "remote.*.vcs",
    "url.*.insteadof",
    "url.*.pushinsteadof",
    "pager.*",
    "include.*",
    "includeif.*",
    "init.templatedir",
    "interactive.difffilter",
    "web.browser",
    "browser.*.cmd",
    "browser.*.path",
    "man.*.cmd",
    "man.*.path",
    "workspace-guard.*",
)
# keys that matter only for some values (judged by `_by_value`)
BY_VALUE = (
    "alias.*",
    "submodule.*.update",
    "sendemail.smtpserver",
    "sendemail.*.smtpserver",
    "remote.*.url",
    "remote.*.pushurl",
    "remote.*.fetch",
)
# workspace-guard's keys that decide nothing: the name the pre-push hook gives this clone's audit
# anchors (a changed one only makes `audit verify --remote` find no anchor, which it reports)
UNGUARDED = ("workspace-guard.cloneid",)
DEFAULT_REMOTE = "origin"


def norm_key(key: str) -> str:
    """A key as `git config --list` prints it: section and name in lower case, the subsection
    as written (`workspace-guard.rulesRef` → `workspace-guard.rulesref`)."""
    section, _, rest = key.partition(".")
    sub, dot, name = rest.rpartition(".")
    return f"{section.lower()}.{sub}{dot}{name.lower()}" if rest else key.lower()


def matches(key: str, pattern: str) -> bool:
    """Whether `key` (any case) is an instance of `pattern` (lower case, `*` a subsection)."""
    if pattern.endswith(".*") and pattern.count(".") == 1:  # a whole section
        return key.lower().startswith(pattern[:-1])
    section, _, rest = key.partition(".")
    sub, dot, name = rest.rpartition(".")
    parts = [section.lower(), sub.lower(), name.lower()] if dot else [section.lower(), rest.lower()]
    want = pattern.split(".")
    return len(parts) == len(want) and all(
        fnmatch.fnmatchcase(p, w) for p, w in zip(parts, want, strict=True)
    )


def subsection(key: str) -> str:
    """The subsection as written (`remote.Origin.url` → `Origin`), "" when there is none."""
    rest = key.partition(".")[2]
    return rest.rpartition(".")[0]


def trusted_remote(rules_ref: str | None) -> str:
    """The remote whose refs workspace-guard trusts: the one in `workspace-guard.rulesRef`
    (`refs/remotes/R/main` → `R`), else `origin`."""
    if rules_ref and rules_ref.startswith("refs/remotes/"):
        name = rules_ref[len("refs/remotes/") :].partition("/")[0]
        if name:
            return name
    return DEFAULT_REMOTE


def _fetch_escapes(remote: str, refspec: str) -> bool:
    """A fetch refspec writing outside `refs/remotes/<remote>/` (into the trusted remote's refs,
    a branch, a tag…). A refspec without a destination only updates FETCH_HEAD."""
    spec = refspec.strip().lstrip("+")
    if spec.startswith("^") or ":" not in spec:
        return False
    dst = spec.partition(":")[2].strip()
    return bool(dst) and not dst.startswith(f"refs/remotes/{remote}/")


def _by_value(key: str, pattern: str, values: list[str] | None, remote: str | None) -> bool:
    if values is None:  # not known here (a variable, `$(…)`): assume the worst
        return True
    if pattern in ("alias.*", "submodule.*.update"):
        return any(v.lstrip().startswith("!") for v in values)
    if pattern.startswith("sendemail."):
        return any(v.lstrip().startswith("/") for v in values)
    name = subsection(key)
    if pattern == "remote.*.fetch":
        return any(_fetch_escapes(name, v) for v in values)
    if any("ext::" in v.lower() or "fd::" in v.lower() for v in values):
        return True
    return remote is None or name == remote  # the trusted remote pointed elsewhere


def enforcement_key(key: str, values: list[str] | None, remote: str | None = None) -> bool:
    """Whether setting `key` to `values` (None: not known) matters to enforcement. `remote` is
    the trusted remote (None: not known, so any remote's URL counts)."""
    key = key.strip()
    if key.lower() in UNGUARDED:
        return False
    if any(matches(key, p) for p in ALWAYS):
        return True
    return any(matches(key, p) and _by_value(key, p, values, remote) for p in BY_VALUE)
