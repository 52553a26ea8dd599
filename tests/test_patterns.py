"""Ownership patterns: a conformance table, error cases, and differential tests of the index.

Oracles: our own table (cases modelled on the examples of GitHub's "About code owners" page and
on the *kinds* of case in hmarr/codeowners testdata/patterns.json, written afresh), the plain
reference in reference_matcher.py (the definition executed literally, no shared code), and
pathspec's gitignore patterns for the syntax both share.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reference_matcher import pattern_matches, reference_match, reference_matches

from workspace_guard.core.patterns import (
    PatternError,
    PatternIndex,
    check_pattern,
    literal_prefix,
    pattern_regex,
)

# (pattern, path, expected). Python string escapes: "a\\ b" is the pattern  a\ b .
CONFORMANCE = [
    # GitHub doc: "*" owns everything
    ("*", "README.md", True),
    ("*", "deeply/nested/dir/file.txt", True),
    # GitHub doc: "*.js" owns JavaScript files anywhere; extensions are case sensitive
    ("*.js", "app.js", True),
    ("*.js", "src/lib/app.js", True),
    ("*.js", "src/app.jsx", False),
    ("*.js", "src/app.JS", False),
    ("*.js", "bundle.js/part.txt", True),  # a directory named *.js covers what lies below
    # GitHub doc: "/build/logs/" owns the root build/logs and all its subdirectories
    ("/build/logs/", "build/logs/today.log", True),
    ("/build/logs/", "build/logs/2024/01/x.log", True),
    ("/build/logs/", "src/build/logs/x.log", False),
    ("/build/logs/", "build/logs", False),  # a file named logs is not the directory
    ("/build/logs/", "build/logsX/x.log", False),
    # GitHub doc: "docs/*" owns docs/getting-started.md but not docs/build-app/troubleshooting.md
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/*", "src/docs/getting-started.md", False),  # a '/' inside anchors at the root
    ("docs/*", "docs", False),
    # notes §1.1: a last segment other than a lone '*' also covers what lies below a match
    ("docs/a*", "docs/abc/deep/file.md", True),
    ("docs/a*", "docs/a", True),
    ("docs/a*", "docs/b.md", False),
    # GitHub doc: "apps/" owns any apps directory anywhere
    ("apps/", "apps/web/index.ts", True),
    ("apps/", "src/apps/x.py", True),
    ("apps/", "apps", False),
    ("apps/", "myapps/x.py", False),
    # GitHub doc: "/docs/" owns the root docs directory only
    ("/docs/", "docs/a/b/c.md", True),
    ("/docs/", "src/docs/a.md", False),
    # GitHub doc: "**/logs" owns any logs directory (build/logs, deeply/nested/logs)
    ("**/logs", "build/logs/x.log", True),
    ("**/logs", "deeply/nested/logs/x", True),
    ("**/logs", "logs/x", True),
    ("**/logs", "logs", True),
    ("**/logs", "build/logsX/x", False),
    # GitHub doc: "/apps/github" (the un-own example) names the directory and all below it
    ("/apps/github", "apps/github/lib/x.rb", True),
    ("/apps/github", "apps/github", True),
    ("/apps/github", "apps/githubber/x.rb", False),
    ("/apps/github", "x/apps/github/y", False),
    # a pattern naming a directory covers all below it: app, /app, app/x
    ("app", "app/x/y.py", True),
    ("/app", "app/x/y.py", True),
    ("app/x", "app/x/y.py", True),
    ("app/x", "z/app/x/y.py", False),
    ("app", "z/app", True),
    ("app", "z/apple", False),
    ("/app", "z/app/y.py", False),
    # '**' spans directories: leading, middle, trailing
    ("foo/**/bar", "foo/bar", True),
    ("foo/**/bar", "foo/a/b/bar", True),
    ("foo/**/bar", "foo/a/bar/c.txt", True),
    ("foo/**/bar", "x/foo/bar", False),
    ("foo/**/bar", "foo/barn", False),
    ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "x/y/foo/bar/z", True),
    ("**/foo/bar", "foo/x/bar", False),
    ("a/**", "a/x", True),
    ("a/**", "a/x/y/z", True),
    ("a/**", "a", False),
    ("a/**/", "a/x", True),
    ("a/**/b/", "a/b/c", True),
    ("a/**/b/", "a/b", False),
    ("/a/**/a", "a/x", False),  # the lead directory is not the named one
    ("/a/**/a", "a/a", True),
    ("/a/**/a", "a/x/a/y", True),
    ("**", "a", True),
    ("**", "a/b/c", True),
    ("**/", "a", False),
    ("**/", "a/b", True),
    # '/*' is the root's direct entries: files at the top level only (like docs/*)
    ("/*", "README.md", True),
    ("/*", "src/a.py", False),
    ("/*/", "src/a.py", True),
    ("/*/", "README.md", False),
    ("*/", "a/b", True),
    ("*/", "a", False),
    ("/*.md", "README.md", True),
    ("/*.md", "docs/README.md", False),
    ("/a/*/BUILD", "a/x/BUILD", True),
    ("/a/*/BUILD", "a/x/y/BUILD", False),
    ("/a/*/BUILD", "a/BUILD", False),
    ("/a/*/BUILD", "a/x/BUILD/gen.txt", True),
    ("**/x/*.json", "x/a.json", True),
    ("**/x/*.json", "p/q/x/a.json", True),
    ("**/x/*.json", "p/x/y/a.json", False),
    # '*' never crosses '/'
    ("a*z", "a/z", False),
    ("/a*/z", "ab/z", True),
    ("/a*/z", "a/b/z", False),
    # '?' is exactly one character, never '/'
    ("?", "a", True),
    ("?", "ab", False),
    ("?", "x/y/z", True),
    ("f?o", "f/o", False),
    ("f?o", "dir/fxo", True),
    ("f?o", "fo", False),
    ("/src/v?/api.py", "src/v1/api.py", True),
    ("/src/v?/api.py", "src/v10/api.py", False),
    # '\' escapes: wildcards and spaces become literal
    ("\\*", "*", True),
    ("\\*", "a", False),
    ("f\\*o", "f*o", True),
    ("f\\*o", "foo", False),
    ("a\\?", "a?", True),
    ("a\\?", "ab", False),
    ("a\\ b", "x/a b", True),
    ("a\\ b", "x/a_b", False),
    ("a\\\\b", "a\\b", True),
    ("\\#notes", "#notes", True),
    ("#notes", "#notes", True),  # in YAML a leading '#' is just a character
    ("/my docs/a.txt", "my docs/a.txt", True),
    # '[', ']' and '!' are literal (hmarr/codeowners#42: Next.js [userId] routes)
    ("[userId]", "app/[userId]/page.tsx", True),
    ("[userId]", "app/u/page.tsx", False),
    ("/app/[id]/page.tsx", "app/[id]/page.tsx", True),
    ("/app/[id]/page.tsx", "app/i/page.tsx", False),
    ("[abc].py", "a.py", False),
    ("!important.txt", "!important.txt", True),
    ("!important.txt", "important.txt", False),
    ("/x/!*", "x/!a", True),
    ("/x/!*", "x/a", False),
    # nested directory names, at any depth
    ("tests", "a/tests/b/c.py", True),
    ("tests", "tests", True),
    ("tests", "a/mytests/x", False),
    ("tests/", "a/b/tests/c/d.py", True),
    # case sensitive, even where file systems are not
    ("/Docs/", "docs/x.md", False),
    ("README.md", "readme.md", False),
    ("*.PY", "a.py", False),
    # exact files, anchored by a leading '/' or by a '/' inside
    ("/a/b.py", "a/b.py", True),
    ("a/b.py", "x/a/b.py", False),
    ("b.py", "a/b.py", True),
    ("stem_*.py", "x/stem_.py", True),
    ("stem_*.py", "x/stem_a/b.py", False),
    ("*_test.go", "pkg/a_test.go", True),
    ("*_test.go", "pkg/a_test.go.bak", False),
]


def test_table_is_big_enough() -> None:
    assert len(CONFORMANCE) >= 60


@pytest.mark.parametrize(("pattern", "path", "expected"), CONFORMANCE)
def test_conformance(pattern: str, path: str, expected: bool) -> None:
    assert bool(pattern_regex(pattern).fullmatch(path)) is expected
    assert (PatternIndex([pattern]).match(path) == 0) is expected
    # behind a catch-all, so the index must find the pattern through its own structures
    assert PatternIndex(["*", pattern]).match(path) == (1 if expected else 0)
    assert pattern_matches(pattern, path) is expected  # the oracle itself passes the table


def test_pattern_regex_match_agrees_with_fullmatch() -> None:
    regex = pattern_regex("docs/*")
    assert regex.match("docs/a.md")
    assert not regex.match("docs/a/b.md")


def test_last_matching_rule_wins() -> None:
    # GitHub doc: later lines take precedence, "/apps/github" with no owner un-owns the subtree
    index = PatternIndex(["*", "*.js", "/apps/", "/apps/github"])
    assert index.match("apps/github/x.js") == 3
    assert index.match("apps/web/x.js") == 2
    assert index.match("lib/x.js") == 1
    assert index.match("lib/x.py") == 0
    assert index.matches("apps/github/x.js") == [0, 1, 2, 3]
    assert index.match_many(["apps/github/x.js", "lib/x.py"]) == [3, 0]


def test_literal_sources_merge_by_index() -> None:
    # an anchored file, a floating name and a '**' rule can all name the same basename
    assert PatternIndex(["/a/x.py", "x.py"]).match("a/x.py") == 1
    assert PatternIndex(["x.py", "/a/x.py"]).match("a/x.py") == 1
    assert PatternIndex(["/a/**/x.py", "/a/x.py", "x.py"]).match("a/x.py") == 2
    assert PatternIndex(["x.py", "/a/x.py", "/a/**/x.py"]).match("a/x.py") == 2
    assert PatternIndex(["/a/x.py/", "x.py"]).match("a/x.py/y") == 1
    assert PatternIndex(["x.py", "/a/x.py/"]).match("a/x.py/y") == 1


def test_no_rule_matches() -> None:
    index = PatternIndex(["/docs/", "*.md"])
    assert index.match("src/a.py") == -1
    assert index.matches("src/a.py") == []
    assert PatternIndex([]).match("a") == -1


def test_index_repeats_answers_from_its_caches() -> None:
    index = PatternIndex(["*", "/a/", "/a/b/*.py", "b.py", "/a/b/c.txt"])
    paths = ["a/b/x.py", "a/b/b.py", "a/b/c.txt", "a/c/d", "z.py", "a/b/x.py"]
    assert index.match_many(paths) == [2, 3, 4, 1, 0, 2]
    assert index.match_many(paths) == [2, 3, 4, 1, 0, 2]


def test_literal_prefix() -> None:
    assert literal_prefix("/app/api/*.py") == "app/api/"
    assert literal_prefix("/app/") == "app/"
    assert literal_prefix("app/main.py") == "app/main.py"
    assert literal_prefix("/*.md") == ""
    assert literal_prefix("*.py") is None
    assert literal_prefix("docs/") is None
    assert literal_prefix("**/logs") is None


# ---- errors -------------------------------------------------------------------------------

ERRORS = [
    # (pattern, fragment of the reason, column)
    ("", "empty", 0),
    ("   ", "whitespace", 0),
    ("a\x00b", "U+0000", 1),
    ("a\nb", "U+000A", 1),
    ("a\rb", "U+000D", 1),
    ("docs\\", "lone '\\'", 4),
    ("a/***/b", "'***'", 2),
    ("***", "'***'", 0),
    ("src/*.py ", "trailing whitespace", 8),
    (" src/", "leading whitespace", 0),
    ("/", "matches nothing", 0),
    ("a//b", "empty path segment", 2),
    ("a\\/b", "cannot escape '/'", 1),
    ("a\\/", "cannot escape '/'", 1),
    ("docs/**.md", "whole segment", 5),
    ("**foo", "whole segment", 0),
    ("./a", "'.' segment", 0),
    ("a/../b", "'..' segment", 2),
]


@pytest.mark.parametrize(("pattern", "fragment", "column"), ERRORS)
def test_check_pattern_errors(pattern: str, fragment: str, column: int) -> None:
    with pytest.raises(PatternError) as caught:
        check_pattern(pattern)
    assert fragment in caught.value.reason
    assert caught.value.column == column
    assert caught.value.pattern == pattern
    assert caught.value.index is None
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "pattern",
    ["a\\ ", "\\ a", "a\\\\", "x/a\\\\/", "**/", "/**", "a/**/b", "!x", "[x]", "#x", "a b", ".x"],
)
def test_valid_patterns(pattern: str) -> None:
    check_pattern(pattern)
    pattern_regex(pattern)


def test_index_error_names_the_rule() -> None:
    with pytest.raises(PatternError) as caught:
        PatternIndex(["*", "/ok/", "bad//x"])
    assert caught.value.index == 2
    assert caught.value.column == 4
    assert "rule 2" in str(caught.value)
    assert "'bad//x'" in str(caught.value)


def test_other_functions_raise_too() -> None:
    with pytest.raises(PatternError):
        pattern_regex("a***")
    with pytest.raises(PatternError):
        literal_prefix("")


# ---- differential tests ---------------------------------------------------------------------

# Path components: few, so that random rules and paths meet often; some carry characters that
# are special in patterns, so escaping and literal brackets get exercised.
NAMES = ["a", "b", "ab", "a.py", "b.md", "x_test.go", "a.test.ts", "[id]", "!x", "a b", "*", "?"]
SEGMENTS = [
    "a", "b", "ab", "a.py", "*", "**", "a*", "*.py", "*.md", "*_test.go", "?", "?b", "a?.py",
    "\\*", "\\?", "[id]", "!x", "a\\ b", "*b", "x_*", "*.test.ts", "b.md",
]  # fmt: skip


def _escape(name: str) -> str:
    """A path component written as a literal pattern segment."""
    return re.sub(r"([*?\\])", r"\\\1", name)


paths_st = st.lists(st.sampled_from(NAMES), min_size=1, max_size=5).map("/".join)


@st.composite
def rule_st(draw: st.DrawFn) -> str:
    """One rule of a kind that real rules files have, or a random composition."""
    kind = draw(st.integers(0, 7))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3))
    literal = "/".join(_escape(n) for n in names)
    if kind == 0:
        return draw(st.sampled_from(["*", "**", "/**", "**/*", "*/", "**/", "/*", "/*/"]))
    if kind == 1:
        return draw(st.sampled_from(["/", ""])) + literal + draw(st.sampled_from(["/", ""]))
    if kind == 2:
        return (
            draw(st.sampled_from(["", "**/"]))
            + _escape(names[0])
            + draw(st.sampled_from(["/", ""]))
        )
    if kind == 3:
        return draw(st.sampled_from(["*.py", "*.md", "*_test.go", "*.test.ts", "*b", "*.ts"]))
    if kind == 4:
        last = draw(st.sampled_from(["*", "*.md", "*.py", "**/a.py", "**/b", "**/*.py"]))
        again = "**/" + _escape(names[-1])  # the lead's own name again, further down
        return f"/{literal}/" + draw(st.sampled_from([last, again]))
    segments = draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4))
    return (
        draw(st.sampled_from(["/", "", "**/"]))
        + "/".join(segments)
        + draw(st.sampled_from(["/", ""]))
    )


def _valid(rule: str) -> bool:
    try:
        check_pattern(rule)
    except PatternError:
        return False
    return True


rules_st = st.lists(rule_st().filter(_valid), min_size=1, max_size=25)


try:  # the third reading, when installed (the test extra has it)
    import pathspec.util as pathspec_util
except ImportError:  # pragma: no cover
    pathspec_util = None


def _pathspec_compatible(rule: str) -> bool:
    """Syntax pathspec reads as we do: no classes, negation, escapes or comments."""
    return not re.search(r"[\[\]!\\]", rule) and not rule.startswith("#")


# One generated example feeds every differential check below: the index against the reference,
# each rule's regex against the reference, and the index against pathspec (on the rules pathspec
# reads as we do). Generating the examples is the cost (not the checks), so the three readings
# share them; 340 examples leave at least as many for pathspec as its own 300 had.
@settings(max_examples=340, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules_st, paths=st.lists(paths_st, min_size=1, max_size=30))
def test_index_and_regex_agree_with_reference_and_pathspec(
    rules: list[str], paths: list[str]
) -> None:
    index = PatternIndex(rules)
    assert index.match_many(paths) == [reference_match(rules, p) for p in paths]
    for path in paths:
        assert index.match(path) == reference_match(rules, path)
        assert index.matches(path) == reference_matches(rules, path)
    for rule in rules:
        regex = pattern_regex(rule)
        for path in paths:
            assert bool(regex.fullmatch(path)) == pattern_matches(rule, path), (rule, path)
    compatible = [r for r in rules if _pathspec_compatible(r)]
    event(f"pathspec checked: {bool(compatible) and pathspec_util is not None}")
    if not compatible or pathspec_util is None:
        return
    factory = pathspec_util.lookup_pattern("gitignore")
    compiled = [factory(r) for r in compatible]
    index = PatternIndex(compatible)
    for path in paths:
        expected = next(
            (i for i in range(len(compatible) - 1, -1, -1) if compiled[i].match_file(path)), -1
        )
        assert index.match(path) == expected, (compatible, path)


TINY = ["a", "b", "a.py"]


@st.composite
def dense_rule_st(draw: st.DrawFn) -> str:
    """Rules over three names, so that every kind of rule keeps naming the same entries."""
    parts = draw(st.lists(st.sampled_from([*TINY, "*", "**", "*.py", "?"]), min_size=1, max_size=3))
    lead = draw(st.sampled_from(["/", "", "**/"]))
    return lead + "/".join(parts) + draw(st.sampled_from(["/", ""]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.lists(dense_rule_st().filter(_valid), min_size=1, max_size=12),
    paths=st.lists(st.lists(st.sampled_from(TINY), min_size=1, max_size=4).map("/".join)),
)
def test_index_agrees_with_reference_dense(rules: list[str], paths: list[str]) -> None:
    index = PatternIndex(rules)
    assert index.match_many(paths) == [reference_match(rules, p) for p in paths]


def test_benchmark_workload_agrees_with_pathspec() -> None:
    """The benchmark's realistic rule set, on a sample: the shapes users write, at scale."""
    pathspec_util = pytest.importorskip("pathspec.util")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        import workload
    finally:
        sys.path.pop(0)
    data = workload.build(paths=3_000, rules=400, directories=60, seed=7)
    factory = pathspec_util.lookup_pattern("gitignore")
    compiled = [factory(r) for r in data.rules]
    got = PatternIndex(data.rules).match_many(data.paths)
    for path, index in zip(data.paths, got, strict=True):
        expected = next(
            (i for i in range(len(compiled) - 1, -1, -1) if compiled[i].match_file(path)), -1
        )
        assert index == expected, path
