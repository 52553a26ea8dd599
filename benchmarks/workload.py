"""A seeded synthetic repository and ownership rule set (notes/ownership-matching.md §4).

Shared by the benchmarks: ``build()`` gives unique file paths of depth 3-8 spread over a fixed
number of directories, and a rule list shaped like real CODEOWNERS / protocol files (a catch-all,
extension rules, anchored directories, directory names, globs, exact files), ordered from general
to specific with a fraction of rules displaced, because rule order is what makes the naive
reverse loop fast or slow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

EXTENSIONS = (
    ".py", ".ts", ".tsx", ".js", ".go", ".rs", ".java", ".md", ".json", ".yaml",
    ".yml", ".toml", ".css", ".html", ".sql", ".sh", ".c", ".h", ".txt", ".proto",
)  # fmt: skip
SPECIAL_FILES = ("Makefile", "BUILD", "Dockerfile", "README.md", "__init__.py", "package.json")
TOP_DIRS = ("app", "src", "lib", "services", "tools", "docs", "web", "infra", "pkg", "scripts")
DIR_WORDS = (
    "api", "v1", "v2", "core", "models", "schemas", "services", "utils", "tests", "fixtures",
    "migrations", "auth", "billing", "users", "admin", "config", "db", "cache", "events",
    "handlers", "middleware", "routes", "views", "components", "hooks", "store", "assets",
    "styles", "internal", "cmd", "proto", "client", "server", "workers", "jobs", "reports",
    "search", "notifications", "payments", "orders", "catalog", "inventory", "shipping",
    "analytics", "logging", "metrics", "security", "deploy", "k8s", "terraform", "ci", "common",
)  # fmt: skip
STEMS = (
    "main", "app", "index", "server", "client", "router", "models", "schema", "service",
    "handler", "utils", "helpers", "config", "settings", "constants", "types", "errors",
    "auth", "session", "token", "user", "account", "order", "payment", "invoice", "product",
    "cart", "search", "query", "cache", "queue", "worker", "job", "task", "event", "listener",
    "middleware", "validator", "serializer", "parser", "formatter", "logger", "metrics",
    "health", "deps", "database", "migration", "seed", "fixture", "factory", "mock", "stub",
    "api", "views", "forms", "widgets", "layout", "page", "button", "modal", "table", "chart",
    "report", "export", "import", "sync", "client_v2", "adapter", "gateway", "proxy", "store",
)  # fmt: skip


@dataclass(frozen=True)
class Workload:
    """Paths to decide and the ordered rules that decide them."""

    paths: list[str]
    rules: list[str]
    directories: list[str]


def build(
    paths: int = 100_000,
    rules: int = 1_000,
    directories: int = 200,
    seed: int = 1,
    displaced: float = 0.10,
) -> Workload:
    """The whole workload, reproducible from ``seed``."""
    rng = random.Random(seed)
    dirs = make_directories(rng, directories)
    files = make_paths(rng, dirs, paths)
    return Workload(files, make_rules(rng, dirs, files, rules, displaced), dirs)


def make_directories(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct directories of depth 2-7 that share prefixes like a real tree."""
    found: list[str] = []
    seen: set[str] = set()
    while len(found) < count:
        depth = rng.randint(2, 7)
        parents = [d for d in found if d.count("/") + 1 == depth - 1]
        if parents and rng.random() < 0.8:
            path = f"{rng.choice(parents)}/{rng.choice(DIR_WORDS)}"
        else:
            path = "/".join([rng.choice(TOP_DIRS), *rng.choices(DIR_WORDS, k=depth - 1)])
        if path not in seen:
            seen.add(path)
            found.append(path)
    return found


def make_paths(rng: random.Random, dirs: list[str], count: int) -> list[str]:
    """``count`` unique file paths; some directories are much busier than others."""
    weights = [rng.paretovariate(1.2) for _ in dirs]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        for directory in rng.choices(dirs, weights, k=count - len(out)):
            path = f"{directory}/{_file_name(rng)}"
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


def _file_name(rng: random.Random) -> str:
    """A file name: specials, plain, '.test.' and '_test' variants, numbered for variety."""
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(SPECIAL_FILES)
    stem = f"{rng.choice(STEMS)}{rng.randint(0, 40) or ''}"
    ext = rng.choice(EXTENSIONS)
    if roll < 0.12:
        return f"{stem}.test{ext}"
    if roll < 0.20:
        return f"{stem}_test{ext}"
    return f"{stem}{ext}"


# share of the rules after the catch-all and the extension rules, by kind (notes §4)
RULE_MIX = (
    ("anchored_dir", 0.26),
    ("dir_name", 0.04),
    ("globstar_file", 0.12),
    ("dir_star", 0.12),
    ("other", 0.10),
    ("exact_file", 0.36),
)
# general to specific: the order a maintainer tends to write them in
SPECIFICITY = {
    "catch_all": 0,
    "extension": 1,
    "dir_name": 2,
    "anchored_dir": 3,
    "dir_star": 5,
    "globstar_file": 5,
    "exact_file": 6,
}


def extension_rules() -> list[str]:
    """The 22 extension rules: one per extension plus the two test-file conventions."""
    return [f"*{ext}" for ext in EXTENSIONS] + ["*_test.go", "*.test.ts"]


def make_rules(
    rng: random.Random, dirs: list[str], paths: list[str], count: int, displaced: float
) -> list[str]:
    """``count`` distinct rules: '*' first, then the mix of RULE_MIX, general to specific.

    Rules are sorted by a specificity rank (SPECIFICITY; deeper directories rank later), with a
    little noise, then ``displaced`` of them are moved to random places.
    """
    kinds: list[tuple[float, str]] = [(SPECIFICITY["extension"], r) for r in extension_rules()]
    seen = {"*", *(rule for _, rule in kinds)}
    remaining = count - 1 - len(kinds)
    for kind, share in RULE_MIX:
        want = round(share * remaining) if kind != "exact_file" else count - 1 - len(kinds)
        maker = _MAKERS[kind]
        for _ in range(want * 100):
            if want == 0:
                break
            rule, rank = maker(rng, dirs, paths)
            if rule not in seen:
                seen.add(rule)
                kinds.append((rank + rng.random() / 20, rule))
                want -= 1
    ordered = ["*"] + [rule for _, rule in sorted(kinds)]
    return _displace(rng, ordered, displaced)


def _displace(rng: random.Random, rules: list[str], share: float) -> list[str]:
    """Move ``share`` of the rules (never the catch-all) to random places."""
    body = rules[1:]
    for _ in range(round(share * len(body))):
        body.insert(rng.randrange(len(body)), body.pop(rng.randrange(len(body))))
    return rules[:1] + body


def _prefix(rng: random.Random, directory: str, max_depth: int = 7) -> tuple[str, int]:
    """A random ancestor-or-self of ``directory`` and its depth."""
    parts = directory.split("/")
    depth = rng.randint(1, min(len(parts), max_depth))
    return "/".join(parts[:depth]), depth


def _anchored_dir(rng: random.Random, dirs: list[str], paths: list[str]) -> tuple[str, float]:
    prefix, depth = _prefix(rng, rng.choice(dirs))
    return f"/{prefix}/", SPECIFICITY["anchored_dir"] + depth / 10


def _dir_name(rng: random.Random, dirs: list[str], paths: list[str]) -> tuple[str, float]:
    return f"{rng.choice(DIR_WORDS)}/", SPECIFICITY["dir_name"]


def _globstar_file(rng: random.Random, dirs: list[str], paths: list[str]) -> tuple[str, float]:
    path = rng.choice(paths)
    directory, _, name = path.rpartition("/")
    prefix, depth = _prefix(rng, directory, 3)
    return f"/{prefix}/**/{name}", SPECIFICITY["globstar_file"] + depth / 10


def _dir_star(rng: random.Random, dirs: list[str], paths: list[str]) -> tuple[str, float]:
    directory = rng.choice(dirs)
    last = rng.choice(("*", "*.md", "*", "*" + rng.choice(EXTENSIONS)))
    return f"/{directory}/{last}", SPECIFICITY["dir_star"] + (directory.count("/") + 1) / 10


def _exact_file(rng: random.Random, dirs: list[str], paths: list[str]) -> tuple[str, float]:
    path = rng.choice(paths)
    return (f"/{path}" if rng.random() < 0.5 else path), SPECIFICITY["exact_file"]


def _other(rng: random.Random, dirs: list[str], paths: list[str]) -> tuple[str, float]:
    """The long tail: '**/name', '/top/*/BUILD', '?' globs, '**/x/*.json', 'stem_*.py'.

    Each is ranked with the rules it is as general as (the second value is its specificity).
    """
    roll = rng.randrange(5)
    if roll == 0:
        return f"**/{rng.choice(DIR_WORDS)}", SPECIFICITY["dir_name"]
    if roll == 1:
        return f"/{rng.choice(TOP_DIRS)}/*/{rng.choice(SPECIAL_FILES)}", SPECIFICITY["dir_star"]
    if roll == 2:
        directory, _, name = rng.choice(paths).rpartition("/")
        stem, dot, ext = name.partition(".")
        return f"/{directory}/{stem[:-1]}?{dot}{ext}", SPECIFICITY["exact_file"]
    if roll == 3:
        ext = rng.choice((".json", ".yaml", ".py"))
        return f"**/{rng.choice(DIR_WORDS)}/*{ext}", SPECIFICITY["dir_name"] + 0.5
    return f"{rng.choice(STEMS)}_*{rng.choice(EXTENSIONS)}", SPECIFICITY["extension"] + 0.5


_MAKERS = {
    "anchored_dir": _anchored_dir,
    "dir_name": _dir_name,
    "globstar_file": _globstar_file,
    "dir_star": _dir_star,
    "exact_file": _exact_file,
    "other": _other,
}
