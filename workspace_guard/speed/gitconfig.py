"""git's config files as git itself reads them: which files, in which order, and their keys.

One reader for every layer (issue 11): the trust root and the commit gate read a key from these
files on every hook call, the watch daemon judges every change of them. git reads, in order:

1. the system file — `GIT_CONFIG_SYSTEM`, else the path compiled into git
   (`$(prefix)/etc/gitconfig`, `/etc/gitconfig` for `/usr`), which only git can name; none with
   `GIT_CONFIG_NOSYSTEM`;
2. the global files — `GIT_CONFIG_GLOBAL` alone when set (empty: none), else
   `$XDG_CONFIG_HOME/git/config` (default `~/.config/git/config`) and then `~/.gitconfig`;
3. the repository's `config` (in the common git dir);
4. the worktree's `config.worktree` — *only* when the repository's `config` file itself sets
   `extensions.worktreeConfig` (git reads extensions from that file alone, includes not
   followed); otherwise git ignores the file, whatever it holds;

and in each, whatever `include.path` / `includeIf.*.path` names. `git -c`, `GIT_CONFIG_COUNT` and
`GIT_CONFIG_PARAMETERS` come last, set by whoever runs git: never read here.

The simple files git writes itself are parsed without starting git (`parse_simple`, the hot
paths); anything unusual is left to git (`parse_bytes`, or the caller asks `git config`).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0", "")
RELEVANT = ("workspace-guard", "branch", "remote")  # what the trust root reads
WORKTREE_CONFIG = "extensions.worktreeconfig"

Config = dict[str, str]


def parse_simple(path: str, relevant: tuple[str, ...] = RELEVANT) -> Config | None:
    """`section[.sub].key` → last value for the `relevant` sections of a config file in the
    simple form git writes; {} for no file; None (ask git) for anything else: quoting, escapes,
    continuation lines, a key without `=`, or the old `[section.sub]` form."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    out: Config = {}
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            return None
        if line[0] == "[":
            parsed = _section(line)
            if parsed is None:
                return None
            section = parsed
            continue
        name, eq, value = line.partition("=")
        name = name.strip().lower()
        if section.partition(".")[0] not in relevant:
            continue
        if not eq or any(c in value for c in '"\\#;') or not name.replace("-", "").isalnum():
            return None
        out[f"{section}.{name}"] = value.strip()
    return out


def _section(line: str) -> str | None:
    """`[name]` → "name"; `[name "sub"]` → "name.sub" (sub kept as written); else None."""
    if not line.endswith("]"):
        return None
    body = line[1:-1].strip()
    name, _, sub = body.partition(" ")
    if not name.replace("-", "").isalnum():
        return None  # `[section.sub]` and other rarities: git knows
    name = name.lower()
    sub = sub.strip()
    if not sub:
        return name
    if len(sub) < 2 or sub[0] != '"' or sub[-1] != '"' or '"' in sub[1:-1] or "\\" in sub:
        return None
    return f"{name}.{sub[1:-1]}"


def parse_bytes(data: bytes | None) -> dict[str, list[str]]:
    """key → its values, in file order, as git parses these bytes (includes not followed)."""
    import tempfile

    from workspace_guard import git

    out: dict[str, list[str]] = {}
    if not data:
        return out
    with tempfile.NamedTemporaryFile(prefix="wg-config-") as handle:
        handle.write(data)
        handle.flush()
        proc = git.run(
            ["config", "--file", handle.name, "--no-includes", "--list", "-z"], None, check=False
        )
    for item in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if item:
            key, _, value = item.partition("\n")
            out.setdefault(key, []).append(value)
    return out


def worktree_config(common_dir: str) -> bool:
    """Whether git reads `config.worktree` here: `extensions.worktreeConfig` true in the
    repository's own `config` file (as git reads extensions: that file only, no includes)."""
    path = os.path.join(common_dir, "config")
    parsed = parse_simple(path, ("extensions",))
    value = None if parsed is None else parsed.get(WORKTREE_CONFIG, "")
    if value is not None and value.lower() in TRUE + FALSE:
        return value.lower() in TRUE
    from workspace_guard import git

    proc = git.run(
        ["config", "--file", path, "--no-includes", "--type=bool", "--get", WORKTREE_CONFIG],
        None,
        check=False,
    )
    # unreadable or not a boolean: git itself refuses to run there; read the file (stricter)
    return proc.returncode != 0 or proc.stdout.strip() == b"true"


def nosystem(env: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if env is None else env
    return environ.get("GIT_CONFIG_NOSYSTEM", "").strip().lower() in TRUE


_SYSTEM: dict[str, str | None] = {}


def system_file(env: Mapping[str, str] | None = None) -> str | None:
    """The system config file git reads (None with `GIT_CONFIG_NOSYSTEM`): `GIT_CONFIG_SYSTEM`,
    else the path compiled into this git, asked of git (`git config --system --show-origin`,
    else its install prefix: `git --exec-path`)."""
    environ = os.environ if env is None else env
    if nosystem(environ):
        return None
    if "GIT_CONFIG_SYSTEM" in environ:
        named = environ["GIT_CONFIG_SYSTEM"]
        return None if named in ("", os.devnull) else os.path.abspath(named)
    if "" not in _SYSTEM:
        _SYSTEM[""] = _compiled_system_file()
    return _SYSTEM[""]


def _compiled_system_file() -> str | None:
    from workspace_guard import git

    shown = git.run(["config", "--system", "--show-origin", "--list", "-z"], None, check=False)
    origin = shown.stdout.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    if origin.startswith("file:"):
        return os.path.abspath(origin[5:])
    exec_path = git.run(["--exec-path"], None, check=False).stdout.decode().strip()
    prefix = exec_path.split("/libexec/")[0].split("/lib/")[0] if exec_path else "/usr"
    return "/etc/gitconfig" if prefix in ("/usr", "") else os.path.join(prefix, "etc/gitconfig")


def global_files(env: Mapping[str, str] | None = None) -> list[str]:
    """The global files git reads, in its order (`GIT_CONFIG_GLOBAL` replaces both)."""
    environ = os.environ if env is None else env
    if "GIT_CONFIG_GLOBAL" in environ:
        named = environ["GIT_CONFIG_GLOBAL"]
        return [] if named in ("", os.devnull) else [os.path.abspath(named)]
    home = environ.get("HOME", "")
    xdg = environ.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else "")
    out = [os.path.join(xdg, "git", "config")] if xdg else []
    return out + ([os.path.join(home, ".gitconfig")] if home else [])


def files(
    common_dir: str, git_dir: str, env: Mapping[str, str] | None = None, *, system: bool = True
) -> list[tuple[str, str]]:
    """(scope, path) of the config files git reads for this worktree, in git's order
    (`system=False`: leave the system file out, for a caller that asks git for it)."""
    out: list[tuple[str, str]] = []
    named = system_file(env) if system else None
    if named:
        out.append(("system", named))
    out += [("global", path) for path in global_files(env)]
    out.append(("local", os.path.join(common_dir, "config")))
    if worktree_config(common_dir):
        out.append(("worktree", os.path.join(git_dir, "config.worktree")))
    return out


def includes(path: str, values: dict[str, list[str]]) -> list[str]:
    """The files `include.path` and every `includeIf.*.path` of the file at `path` name."""
    out = []
    for key, found in values.items():
        if key == "include.path" or (key.startswith("includeif.") and key.endswith(".path")):
            for value in found:
                target = os.path.expanduser(value) if value.startswith("~") else value
                if target:
                    out.append(os.path.normpath(os.path.join(os.path.dirname(path), target)))
    return out
