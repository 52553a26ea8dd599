"""Tests for the Bash write-target analysis: the labelled corpus, each construct, fuzzing."""

from __future__ import annotations

import fnmatch
import posixpath
import re
import subprocess
import sys
import time

import pytest
from bash_corpus import ANY, CORPUS, PROTECTED, READS, ROOT, WRITES, Case
from hypothesis import given, settings
from hypothesis import strategies as st

from workspace_guard.gates.harness.bash import ANY_PATH, Analysis, Target, analyze, could_write
from workspace_guard.gates.harness.bash.syntax import BYPASS, GIT_WORKTREE, TOO_LARGE, UNPARSABLE

# Findings that, without a repository to ask, deny every protected path: refusals, and work-tree
# rewrites (the gate asks git which files change; where it cannot, every file counts).
_DENY_ALL = {BYPASS, GIT_WORKTREE, TOO_LARGE, UNPARSABLE}


def would_deny(command: str, cwd: str = ROOT) -> set[str]:
    """The protected paths the gate would deny for, using the module's reference matcher."""
    analysis = analyze(command, cwd)
    if any(f.kind in _DENY_ALL for f in analysis.findings):
        return set(PROTECTED)
    targets = analysis.targets
    return {p for p in PROTECTED if any(could_write(t, posixpath.join(ROOT, p)) for t in targets)}


def would_deny_fnmatch(command: str, cwd: str = ROOT) -> set[str]:
    """An independent caller: normpath, directory prefix, fnmatch for globs (``$VAR`` → ``*``)."""
    denied = set()
    analysis = analyze(command, cwd)
    if any(f.kind in _DENY_ALL for f in analysis.findings):
        return set(PROTECTED)
    for target in analysis.targets:
        path = posixpath.expanduser(target.path)
        if path == ANY_PATH:
            return set(PROTECTED)
        if target.glob:
            pattern = re.sub(r"\$\{[^}]*\}|\$\([^)]*\)|\$\w+|`[^`]*`", "*", path)
            if not pattern.startswith("*"):
                pattern = posixpath.normpath(pattern)
            for rel in PROTECTED:
                full = posixpath.join(ROOT, rel)
                chain = [full]
                while chain[-1] != "/":
                    chain.append(posixpath.dirname(chain[-1]))
                if any(fnmatch.fnmatchcase(c, pattern) for c in chain) or ".." in pattern:
                    denied.add(rel)
        else:
            norm = posixpath.normpath(path)
            for rel in PROTECTED:
                full = posixpath.join(ROOT, rel)
                if full == norm or full.startswith(norm.rstrip("/") + "/"):
                    denied.add(rel)
    return denied


def _expected(case: Case) -> set[str]:
    return set(PROTECTED) if case.writes == ANY else set(case.writes)


# --------------------------------------------------------------------------- the corpus


def test_corpus_size() -> None:
    assert len(CORPUS) >= 200
    assert len({(c.command, c.cwd) for c in CORPUS}) == len(CORPUS), "duplicate corpus entries"


@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.command[:60])
def test_every_write_is_denied(case: Case) -> None:
    expected = _expected(case)
    assert expected <= would_deny(case.command, case.cwd), analyze(case.command, case.cwd)
    assert expected <= would_deny_fnmatch(case.command, case.cwd)


def test_write_miss_rate_is_zero() -> None:
    misses = [c.command for c in WRITES if not _expected(c) <= would_deny(c.command, c.cwd)]
    assert misses == []


def _false_denies(deny: object) -> list[str]:
    return [c.command for c in READS if deny(c.command, c.cwd)]  # type: ignore[operator]


def test_false_deny_rate_on_reads() -> None:
    denied = _false_denies(would_deny)
    rate = len(denied) / len(READS)
    print(f"\nfalse denies (could_write): {len(denied)}/{len(READS)} = {rate:.1%}: {denied}")
    assert rate <= 0.05


def test_false_deny_rate_with_a_plain_fnmatch_caller() -> None:
    denied = _false_denies(would_deny_fnmatch)
    rate = len(denied) / len(READS)
    print(f"\nfalse denies (fnmatch): {len(denied)}/{len(READS)} = {rate:.1%}: {denied}")
    assert rate <= 0.05


@pytest.mark.parametrize(
    "case", [c for c in READS if "open(" not in c.command], ids=lambda c: c.command[:60]
)
def test_reads_are_allowed(case: Case) -> None:
    assert would_deny(case.command, case.cwd) == set(), analyze(case.command, case.cwd)


# --------------------------------------------------------------------------- one test per construct


def _targets(command: str, cwd: str = ROOT) -> list[tuple[str, str, bool, bool]]:
    return [(t.path, t.kind, t.certain, t.glob) for t in analyze(command, cwd).targets]


def _paths(command: str, cwd: str = ROOT) -> list[str]:
    return [t.path for t in analyze(command, cwd).targets]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("echo x > a", "/repo/a"),
        ("echo x >> a", "/repo/a"),
        ("echo x >| a", "/repo/a"),
        ("echo x 1> a", "/repo/a"),
        ("echo x 2> a", "/repo/a"),
        ("echo x &> a", "/repo/a"),
        ("echo x &>> a", "/repo/a"),
        ("exec 3<> a", "/repo/a"),
        ("echo x 9>a", "/repo/a"),
        ("echo x >a", "/repo/a"),
        ("echo x >& a", "/repo/a"),
        ("{fd}> a echo", "/repo/a"),
    ],
)
def test_redirections(command: str, expected: str) -> None:
    assert _targets(command) == [(expected, "redirect", True, False)]


@pytest.mark.parametrize(
    "command",
    ["ls 2>&1", "ls >/dev/null 2>&1", "ls &>/dev/null", "cat < a", "ls 1>&2", "exec 3>&-"],
)
def test_descriptors_and_dev_are_not_targets(command: str) -> None:
    assert analyze(command, ROOT) == Analysis((), None, True)


def test_heredoc_body_is_not_commands() -> None:
    a = analyze("cat > out.txt <<EOF\nrm -rf /repo\necho > app/main.py\nEOF\necho done", ROOT)
    assert _paths("cat > out.txt <<EOF\nrm -rf /repo\necho > app/main.py\nEOF\necho done") == [
        "/repo/out.txt"
    ]
    assert a.parse_error is None


def test_unquoted_heredoc_runs_its_command_substitutions() -> None:
    assert _paths("cat <<EOF\n$(rm app/main.py)\nEOF") == ["/repo/app/main.py"]
    assert _paths("cat <<'EOF'\n$(rm app/main.py)\nEOF") == []


def test_heredoc_with_tabs_and_two_bodies() -> None:
    cmd = "cat <<-A > x; cat <<B > y\n\tbody\n\tA\nbody\nB\nrm z"
    assert _paths(cmd) == ["/repo/x", "/repo/y", "/repo/z"]


@pytest.mark.parametrize(
    "command",
    [
        "a; rm f",
        "a && rm f",
        "a || rm f",
        "a & rm f",
        "a | rm f",
        "(rm f)",
        "{ rm f; }",
        "a\nrm f",
        "! rm f",
    ],
)
def test_lists_pipelines_and_groups(command: str) -> None:
    assert _paths(command) == ["/repo/f"]


@pytest.mark.parametrize(
    "command",
    [
        "echo $(rm f)",
        "echo `rm f`",
        'echo "$(rm f)"',
        "echo <(rm f)",
        "tee >(rm f)",
        "x=$(y=$(rm f))",
    ],
)
def test_substitutions_are_analysed(command: str) -> None:
    assert "/repo/f" in _paths(command)


@pytest.mark.parametrize(
    "command",
    [
        "bash -c 'rm f'",
        'sh -c "rm f"',
        "zsh -c 'rm f'",
        "bash -e -c 'rm f'",
        "bash -lc 'rm f'",
        "eval 'rm f'",
        "eval rm f",
        "sudo sh -c 'rm f'",
        "env X=1 rm f",
        "env -i PATH=/bin rm f",
        "sudo rm f",
        "sudo -u bob rm f",
        "command rm f",
        "time rm f",
        "time -p rm f",
        "nice rm f",
        "nice -n 5 rm f",
        "nohup rm f",
        "timeout 5 rm f",
        "timeout -k 1 5s rm f",
        "stdbuf -oL rm f",
        "exec rm f",
        "xargs -0 -n1 echo | rm f",
    ],
)
def test_wrappers_and_nested_shells(command: str) -> None:
    assert "/repo/f" in _paths(command)


def test_command_v_is_a_query() -> None:
    assert analyze("command -v rm", ROOT).targets == ()


def test_xargs_writer_means_any_path() -> None:
    assert _targets("ls | xargs rm") == [(ANY_PATH, "rm", False, True)]
    assert _targets("ls | xargs grep x") == []
    assert _paths("ls | xargs -I{} cp {} /tmp/out/") == ["/tmp/out/*"]
    assert _paths("ls | xargs cp -t /tmp/out") == ["/tmp/out/*"]


def test_cd_changes_later_relative_paths_only_in_its_shell() -> None:
    # /repo is not there: each `cd` may fail and leave the cwd as it was (flow.py)
    assert _paths("cd app && rm x") == ["/repo/app/x"]
    assert _paths("(cd app; rm x); rm y") == ["/repo/app/x", "/repo/x", "/repo/y"]
    assert _paths("cd app | rm x") == ["/repo/x"]
    assert _paths("{ cd app; }; rm x") == ["/repo/app/x", "/repo/x"]
    assert _paths("pushd app && popd && rm x") == ["/repo/x"]
    assert _paths("cd && rm x") == ["~/x"]
    assert _targets("cd $D && rm x") == [("$D/x", "rm", False, True)]
    assert _paths("cd app && bash -c 'cd api' && rm x") == ["/repo/app/x"]


@pytest.mark.parametrize(
    ("command", "paths"),
    [
        ("tee -a a b", ["/repo/a", "/repo/b"]),
        ("sed -i 's/a/b/' f g", ["/repo/f", "/repo/g"]),
        ("sed -i.bak -e 's/a/b/' f", ["/repo/f"]),
        ("sed --in-place=.b -n p f", ["/repo/f"]),
        ("sed -ie s/a/b/ f", ["/repo/f"]),
        ("sed -n -i p f", ["/repo/f"]),
        ("sed 's/a/b/w out' f", ["/repo/out"]),
        ("perl -pi -e 's/a/b/' f", ["/repo/f"]),
        ("perl -pie 's/a/b/' f", ["/repo/f"]),
        ("ruby -i.bak -pe 'x' f", ["/repo/f"]),
        ("awk -i inplace '{print}' f", ["/repo/f"]),
        ("cp a b", ["/repo/b"]),
        ("cp a b c/", ["/repo/c/a", "/repo/c/b"]),
        ("cp a .", ["/repo/./a"]),
        ("cp -t d a", ["/repo/d/a"]),
        ("cp -T a d", ["/repo/d"]),
        ("mv a b", ["/repo/a", "/repo/b"]),
        ("install -m 644 a b", ["/repo/b"]),
        ("install -d d e", ["/repo/d", "/repo/e"]),
        ("ln -s a b", ["/repo/b", "/repo/a"]),  # the link, and what it points at
        ("ln -s /x/a", ["/repo/./a", "/x/a"]),
        ("rsync -a src/ host:dst/", []),
        ("rsync -a src/ dst/", ["/repo/dst/"]),
        ("rm -rf a b", ["/repo/a", "/repo/b"]),
        ("rmdir d", ["/repo/d"]),
        ("unlink f", ["/repo/f"]),
        ("shred -n 3 f", ["/repo/f"]),
        ("touch -d yesterday f", ["/repo/f"]),
        ("truncate -s 0 f", ["/repo/f"]),
        ("mkdir -m 700 d", ["/repo/d"]),
        ("chmod 644 f", ["/repo/f"]),
        ("chmod -R go-w d", ["/repo/d"]),
        ("chmod --reference=r f", ["/repo/f"]),
        ("chown -R me:me d", ["/repo/d"]),
        ("chgrp g f", ["/repo/f"]),
        ("dd if=a of=b", ["/repo/b"]),
        ("patch f < x.diff", ["/repo/f"]),
        ("patch -p1 -i x.diff", ["/repo/*"]),
        ("patch -d sub -p1 < x.diff", ["/repo/sub/*"]),
        ("patch --dry-run -p1 < x.diff", []),
        ("sort -o out in", ["/repo/out"]),
        ("sort in", []),
        ("uniq in out", ["/repo/out"]),
        ("split -l 10 in part_", ["/repo/part_*"]),
        ("vim f", ["/repo/f"]),
        ("nano +3 f", ["/repo/f"]),
        ("code -g f:3:2", ["/repo/f"]),
        ("curl -o f https://h/x", ["/repo/f"]),
        ("curl -O https://h/a/f.tgz", ["/repo/f.tgz"]),
        ("wget -O f https://h/x", ["/repo/f"]),
        ("yq -i '.a=1' f.yml", ["/repo/f.yml"]),
        ("tar xf a.tar -C d", ["/repo/d/*"]),
        ("tar cf out.tar d", ["/repo/out.tar"]),
        ("unzip a.zip -d d", ["/repo/d/*"]),
        ("zip -r out.zip d", ["/repo/out.zip"]),
        ("docker cp c:/x f", ["/repo/f"]),
    ],
)
def test_known_writers(command: str, paths: list[str]) -> None:
    assert _paths(command) == paths


@pytest.mark.parametrize(
    ("command", "paths"),
    [
        ("git checkout -- a b", ["/repo/a", "/repo/b"]),
        ("git checkout HEAD~1 -- a", ["/repo/a"]),
        ("git checkout rev a", ["/repo/rev", "/repo/a"]),
        ("git checkout -b new", []),
        ("git restore a", ["/repo/a"]),
        ("git restore --source=HEAD a", ["/repo/a"]),
        ("git restore --staged a", []),
        ("git rm a", ["/repo/a"]),
        ("git rm --cached a", []),
        ("git mv a b", ["/repo/a", "/repo/b"]),
        ("git -C sub checkout -- a", ["/repo/sub/a"]),
        ("git clean -n", []),
        ("git clean -f d", []),
        ("git stash list", []),
        ("git reset HEAD a", []),
        ("git reset --hard", []),
        ("git apply x.patch", []),
        ("git apply --check x.patch", []),
        ("git am x.patch", []),
        ("git stash pop", []),
        ("git log -p", []),
        ("git format-patch -o out HEAD~2", ["/repo/out"]),
    ],
)
def test_git(command: str, paths: list[str]) -> None:
    assert _paths(command) == paths


def test_find_delete_and_exec() -> None:
    assert _targets("find app -name '*.py' -delete") == [
        ("/repo/app/*.py", "find", False, True),
        ("/repo/app/**/*.py", "find", False, True),
    ]
    assert _targets("find app -type f -exec rm {} +") == [("/repo/app", "rm", False, True)]
    assert _paths("find . -name x -fprint out") == ["/repo/out"]
    assert analyze("find . -name '*.py' -newer x", ROOT).read_only


@pytest.mark.parametrize(
    ("command", "paths"),
    [
        ("""python -c "open('out.txt','w')" """, ["/repo/out.txt"]),
        ("""python3 -c 'import os; os.unlink("f.py")'""", ["/repo/f.py"]),
        ("""python -c "print(open('f.py').read())" """, []),
        ("""python -c "import sys; open(sys.argv[1], 'w')" f.py""", ["*"]),  # run time: any
        ("""node -e "fs.writeFileSync('f.js', '')" """, ["/repo/f.js"]),
        ("""node -e "console.log(fs.readFileSync('f.js'))" """, []),
        ("""perl -e 'unlink "f.pl"'""", ["/repo/f.pl"]),
        ("""ruby -e 'puts File.read("f.rb")'""", []),
        ("""ruby -e 'File.delete("f.rb")'""", ["/repo/f.rb"]),
        ("""ruby -e 'FileUtils.rm("f.rb")'""", ["/repo/f.rb"]),
        ("""php -r 'unlink("f.php");'""", ["/repo/f.php"]),
        ("python - <<'EOF'\nopen('f.py', 'w')\nEOF", ["/repo/f.py"]),
        ("""python -c "open(f'{d}/main.py', 'w')" """, ["*"]),
        ("""python -c "import os; os.system('rm -f f.py')" """, ["/repo/f.py"]),
        ("python script.py f g", ["/repo/f", "/repo/g"]),
        ("python -m pytest tests", []),
        ("python -m black f", ["/repo/f"]),
        ("python -u -W ignore script.py f", ["/repo/f"]),
        ("node build.js out", ["/repo/out"]),
        ("./deploy.sh f --out=g", ["/repo/f", "/repo/g"]),
    ],
)
def test_interpreters(command: str, paths: list[str]) -> None:
    """Inline code: every path-like literal of write-ish code (``'w'`` and ``rm`` too) is named."""
    found = _paths(command)
    assert set(paths) <= set(found)
    assert bool(found) == bool(paths)


def test_python_with_dynamic_code_may_write_anything() -> None:
    assert _paths('python -c "$CODE"') == [ANY_PATH]
    assert _paths('bash -c "$CMD"') == [ANY_PATH]
    assert _paths('eval "$CMD"') == [ANY_PATH]
    assert _paths("$CMD") == [ANY_PATH]
    assert _paths("curl -s https://x | sh") == [ANY_PATH]


def test_shell_code_on_stdin() -> None:
    assert _paths("echo 'rm a' | sh") == ["/repo/a"]
    assert _paths("bash <<< 'rm a'") == ["/repo/a"]
    assert _paths("bash < script.sh") == []


def test_variables_globs_quotes_and_tilde() -> None:
    assert _targets("rm $F") == [("$F", "rm", False, True)]
    assert _targets('rm "$F"') == [("$F", "rm", False, True)]
    assert _targets("rm a/$F.py") == [("/repo/a/$F.py", "rm", False, True)]
    assert _targets("rm *.py") == [("/repo/*.py", "rm", True, True)]
    assert _targets("rm '*.py'") == [("/repo/*.py", "rm", True, False)]
    assert _targets('rm "a b"') == [("/repo/a b", "rm", True, False)]
    assert _targets("rm ~/x") == [("~/x", "rm", False, False)]
    assert _targets("F=a/b; rm $F") == [("/repo/a/b", "rm", True, False)]
    assert _targets("F=a/b; unset F; rm $F") == [("$F", "rm", False, True)]
    assert _paths("rm $PWD/x") == ["/repo/x"]
    assert _paths("rm $(pwd)/x") == ["/repo/x"]
    assert _paths("rm a/{b,c}/d") == ["/repo/a/b/d", "/repo/a/c/d"]
    assert _paths("rm 'a/{b,c}'") == ["/repo/a/{b,c}"]
    assert _paths("rm f{1..3}") == ["/repo/f**"]
    assert _paths("rm \\*") == ["/repo/*"]
    assert not analyze("rm \\*", ROOT).targets[0].glob


def test_mktemp_variables_point_outside_the_repository() -> None:
    assert _paths("t=$(mktemp); echo x > $t") == ["/tmp/tmp.*"]
    assert _paths("t=$(mktemp /tmp/fooXXXX); echo x > $t") == ["/tmp/foo*"]


def test_unknown_commands_mention_path_like_arguments() -> None:
    assert _targets("frobnicate --in=a -o b c 42 https://x/y") == [
        ("/repo/a", "mention", False, False),
        ("/repo/b", "mention", False, False),
        ("/repo/c", "mention", False, False),
    ]


@pytest.mark.parametrize(
    "command",
    [
        "cat f",
        "grep -rn x .",
        "git log -p",
        "git status",
        "sed -n 1p f",
        "head f | tail -1",
        "find . -name '*.py'",
        "sort f | uniq",
        "diff a b",
        "jq . f",
        "ls -la 2>/dev/null",
        "cd app && ls",
        "X=1",
        "export X=1",
        "echo hi",
        "[[ -f a ]] && cat a",
        "for f in *.py; do wc -l $f; done",
        "case $x in a) cat f;; esac",
    ],
)
def test_read_only(command: str) -> None:
    a = analyze(command, ROOT)
    assert a.read_only and a.targets == () and a.parse_error is None


@pytest.mark.parametrize(
    "command", ["make", "npm test", "python x.py", "docker-compose up", "rm f", "pytest -x"]
)
def test_not_read_only(command: str) -> None:
    assert not analyze(command, ROOT).read_only


@pytest.mark.parametrize(
    "command",
    [
        "echo 'unbalanced > app/main.py",
        'echo "unbalanced app/main.py',
        "echo $(rm app/main.py",
        "echo `rm app/main.py",
        "(rm app/main.py",
        "rm app/main.py )",
        "rm app/main.py; echo >",
        "| rm app/main.py",
        "rm app/main.py &&",
        "echo ${x app/main.py",
        "case x in a) rm app/main.py",
    ],
)
def test_parse_errors_fail_closed(command: str) -> None:
    a = analyze(command, ROOT)
    assert a.parse_error
    assert not a.read_only
    assert "/repo/app/main.py" in [t.path for t in a.targets]


def test_case_patterns_and_functions() -> None:
    assert _paths("case $1 in (a|b) rm x;; c) rm y;& *) rm z;;& esac") == [
        "/repo/x",
        "/repo/y",
        "/repo/z",
    ]
    assert _paths("f() { rm x; }; f") == ["/repo/x"]
    assert _paths("function f { rm x; }") == ["/repo/x"]
    assert _paths("for ((i=0;i<3;i++)); do rm x$i; done") == ["/repo/x$i"]
    assert _paths("if [[ a > b ]]; then :; fi") == []
    assert _paths("(( x > 2 )) && rm y") == ["/repo/y"]


def test_ansi_c_and_escapes_cannot_hide_a_name() -> None:
    assert _paths("rm $'\\x61pp'") == ["/repo/app"]
    assert _paths("rm a\\pp") == ["/repo/app"]
    assert _paths("rm \"a\"p'p'") == ["/repo/app"]
    assert _paths("\\rm app") == ["/repo/app"]


def test_line_continuation_and_comments() -> None:
    assert _paths("rm \\\n  x # rm y") == ["/repo/x"]
    assert _paths("echo a#b > c") == ["/repo/c"]


# --------------------------------------------------------------------------- could_write


@pytest.mark.parametrize(
    ("target", "protected", "expected"),
    [
        (Target("/repo/app/main.py", "rm", True, False), "/repo/app/main.py", True),
        (Target("/repo/app/./x/../main.py", "rm", True, False), "/repo/app/main.py", True),
        (Target("/repo/app", "rm", True, False), "/repo/app/main.py", True),
        (Target("/repo/ap", "rm", True, False), "/repo/app/main.py", False),
        (Target("/", "rm", True, False), "/repo/app/main.py", True),
        (Target("/repo/app/*.py", "rm", True, True), "/repo/app/main.py", True),
        (Target("/repo/*.py", "rm", True, True), "/repo/app/main.py", False),
        (Target("/repo/**/*.py", "rm", True, True), "/repo/app/main.py", True),
        (Target("/repo/app/*", "rm", True, True), "/repo/app/api/v1/x.py", True),
        (Target("/repo/app/m?in.py", "rm", True, True), "/repo/app/main.py", True),
        (Target("/repo/app/[mn]ain.py", "rm", True, True), "/repo/app/main.py", True),
        (Target("/repo/app/[!m]ain.py", "rm", True, True), "/repo/app/main.py", False),
        (Target("$X", "rm", False, True), "/repo/app/main.py", True),
        (Target("$D/main.py", "rm", False, True), "/repo/app/main.py", True),
        (Target("/tmp/$X", "rm", False, True), "/repo/app/main.py", False),
        (Target("/repo/$X/../main.py", "rm", False, True), "/repo/main.py", True),
        (Target(ANY_PATH, "rm", False, True), "/repo/app/main.py", True),
    ],
)
def test_could_write(target: Target, protected: str, expected: bool) -> None:
    assert could_write(target, protected) is expected


# --------------------------------------------------------------------------- robustness

_SHELLISH = st.text(
    alphabet="ab/.$'\"`(){}[]<>|&;\\\n\t *?=-~#!0123456789cdeEOFrm\x00", max_size=200
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    a = analyze(text, ROOT)
    assert isinstance(a, Analysis)
    assert not (a.parse_error or "").startswith("internal error"), a.parse_error


@settings(max_examples=1500, deadline=None)
@given(_SHELLISH)
def test_never_raises_on_shell_like_text(text: str) -> None:
    a = analyze(text, ROOT)
    assert not (a.parse_error or "").startswith("internal error"), a.parse_error
    for target in a.targets:
        could_write(target, "/repo/app/main.py")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abc/.", min_size=1, max_size=20).filter(lambda s: s.strip(".") != ""))
def test_redirect_target_is_found_whatever_the_name(name: str) -> None:
    assert _paths(f"echo x > '{name}'") == [posixpath.join(ROOT, name)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,
        "echo " + "x " * 500_000,
        "$(" * 300_000,
        "(" * 500_000,
        "{ " * 300_000,
        "'" * 1_000_001,
        "`" * 1_000_001,
        "echo {a,b}" * 100_000,
        "rm " + "{a,b}" * 200_000,
        "cat <<EOF\n" + "line\n" * 200_000,
        "\x00" * 1_000_000,
        "a;" * 500_000,
        "echo > x " * 100_000,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_huge_input_in_reasonable_time(text: str) -> None:
    """1 MB of hostile text: linear time (CPU time, so a busy machine does not fail the test)."""
    start = time.process_time()
    a = analyze(text, ROOT)
    assert time.process_time() - start < 15
    assert isinstance(a, Analysis)


def test_nul_bytes_do_not_hide_a_write() -> None:
    assert (
        "/repo/app/main.py" in _paths("echo x\x00 > app/main.py")
        or analyze("echo x\x00 > app/main.py", ROOT).targets
    )


def test_import_is_light() -> None:
    code = (
        "import sys, workspace_guard.gates.harness.bash as b; print(' '.join(sorted(sys.modules)))"
    )
    modules = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert not modules & {
        "yaml",
        "click",
        "git",
        "subprocess",
        "shlex",
        "inspect_heavy",
        "typing_extensions",
    }


def test_the_analysis_modules_import_without_cycles() -> None:
    """Each module of the subpackage imports only modules listed before it in a topological order."""
    import ast
    import pathlib

    import workspace_guard.gates.harness.bash as pkg

    folder = pathlib.Path(pkg.__file__).parent
    prefix = "workspace_guard.gates.harness.bash."
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        graph[path.stem] = {  # imports at run time (those under TYPE_CHECKING are for mypy)
            node.module.removeprefix(prefix)
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix)
        }
    done: set[str] = set()
    while len(done) < len(graph):
        ready = [m for m in graph if m not in done and graph[m] <= done]
        assert ready, f"import cycle among {sorted(set(graph) - done)}"
        done.update(ready)
    assert all(len(p.read_text().splitlines()) < 500 for p in folder.glob("*.py"))
