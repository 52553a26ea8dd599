"""core.message against git itself: interpret-trailers, stripspace, commentChar=auto, commit.

Every expectation comes from running the installed git on the same text; the generated
messages are built from the shapes agents really produce (the template's fields, Signed-off-by
chains, Co-Authored-By, `🤖 Generated with` paragraphs, URLs, CRLF, folding, comments,
scissors + diff, `---` dividers) mixed with random text.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workspace_guard.core.message import (
    CUT_LINE,
    MessageEncodingError,
    Trailer,
    auto_comment_char,
    cleanup,
    find_separator,
    parse_message,
    parse_trailers,
    resolve_comment_char,
    scan_separator,
    to_json,
)
from workspace_guard.core.message_misplaced import find_misplaced_fields, misplaced_causes

TEMPLATE_KEYS = [
    "Workspace-Check",
    "Archivo",
    "File",
    "Agente",
    "Agent",
    "Protocolo",
    "Protocol",
    "Tests",
    "Aprobado-por",
    "Approved-by",
]
SCISSORS = f"# {CUT_LINE}"
FIELDS = (
    "Workspace-Check: ✅ Consultado\n"
    "Archivo: app/main.py\n"
    "Agente: backend-framework-ai\n"
    "Protocolo: SEGUIDO\n"
    "Tests: PASSED\n"
)


# --------------------------------------------------------------------------- git helpers


@pytest.fixture(scope="module")
def git_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        LC_ALL="C",
        GIT_AUTHOR_NAME="A",
        GIT_AUTHOR_EMAIL="a@example.com",
        GIT_COMMITTER_NAME="A",
        GIT_COMMITTER_EMAIL="a@example.com",
    )
    return env


def run_git(env: dict[str, str], *args: str, text: str = "", cwd: Path | None = None) -> str:
    proc = subprocess.run(
        ["git", *args],
        input=text.encode(),
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=60,  # a hung hook, not a slow one (parallel workers load the machine)
        check=True,
    )
    return proc.stdout.decode()


def git_trailers(env: dict[str, str], text: str, *config: str) -> list[tuple[str, str]]:
    """`git interpret-trailers --parse` output as (key, value); git prints `key: value`."""
    args = [a for c in config for a in ("-c", c)]
    out = run_git(env, *args, "interpret-trailers", "--parse", text=text)
    return [tuple(line.split(": ", 1)) for line in out.split("\n")[:-1]]  # type: ignore[misc]


def git_stripspace(env: dict[str, str], text: str, *, strip: bool, char: str = "#") -> str:
    args = ["-c", f"core.commentChar={char}", "stripspace"] + (["-s"] if strip else [])
    return run_git(env, *args, text=text)


def ours(text: str, **kw: object) -> list[tuple[str, str]]:
    return [(t.key, t.value) for t in parse_trailers(text, **kw).trailers]  # type: ignore[arg-type]


def scissors_after_divider(text: str) -> bool:
    """git 2.39 loops forever on these (ignore_non_trailer past the divider): never ask it."""
    lines = text.replace("\r\n", "\n").split("\n")
    div = next((i for i, s in enumerate(lines) if re.match(r"---[ \t\r\n]|---$", s)), None)
    cut = next((i for i, s in enumerate(lines) if s == SCISSORS), None)
    return div is not None and cut is not None and cut > div


def cut_at_scissors(text: str) -> str:
    text = text.replace("\r\n", "\n")
    if text.startswith(SCISSORS + "\n"):
        return ""
    head, sep, _ = text.partition("\n" + SCISSORS + "\n")
    return head + "\n" if sep else text


# --------------------------------------------------------------------------- strategies

WORDS = st.sampled_from(
    ["fix", "the", "bug", "ñandú", "área", "🤖", "✅", "a:b", "x", "#1", "--", "(a)", "http://h"]
)
RANDOM_LINE = st.one_of(
    st.lists(WORDS, min_size=1, max_size=5).map(" ".join),
    st.text(alphabet="ab: -#\t_é🤖\r()!/", max_size=12),
)
FIELD_LINES = st.sampled_from(
    [
        "Workspace-Check: ✅ Consultado",
        "Archivo: app/main.py",
        "Archivo: a.py, b/c.py",
        "Agente: backend-framework-ai",
        "Protocolo: SEGUIDO",
        "Protocolo: APROBACIÓN_OBTENIDA",
        "Tests: PASSED",
        "Aprobado-por: system-architect-ai",
        "agente:lowercase-no-space",
        "Agente : spaced",
        "Agente:",
    ]
)
TRAILER_LINES = st.one_of(
    FIELD_LINES,
    st.sampled_from(
        [
            "Signed-off-by: Ada <ada@example.com>",
            "Signed-off-by:Bob <b@example.com>",
            "Co-Authored-By: Claude <noreply@anthropic.com>",
            "Reviewed-by: R <r@x>",
            "(cherry picked from commit 0123456789abcdef)",
            "https://example.com/issue/1",
            "Fixes: #12",
            "Key\t: tabbed",
        ]
    ),
)
BAD_TRAILER_LINES = st.sampled_from(
    ["Área: api", "Workspace_Check: ✅ Consultado", "BREAKING CHANGE: x", "Fixes #12", "Ünïcode: v"]
)
FOLDED = st.sampled_from(["  continued", "\tcontinued value", " ", "   more: text"])
SPECIAL = st.sampled_from(
    [
        "",
        "   ",
        "# a comment",
        "#",
        "---",
        "--- a/file.py",
        "---not-a-divider",
        "Conflicts:",
        "\tapp/main.py",
        "🤖 Generated with [Claude Code](https://claude.ai/code)",
    ]
)
SUBJECTS = st.one_of(
    st.sampled_from(
        [
            "feat(api): add endpoint",
            "fix: crash",
            "docs(área)!: breaking",
            "Merge branch 'x'",
            "Agente: in the subject",
            "# not the subject",
            "",
        ]
    ),
    RANDOM_LINE,
)
LINE = st.one_of(RANDOM_LINE, TRAILER_LINES, BAD_TRAILER_LINES, FOLDED, SPECIAL)
PARAGRAPH = st.one_of(
    st.lists(TRAILER_LINES, min_size=1, max_size=6),
    st.lists(st.one_of(TRAILER_LINES, FOLDED), min_size=1, max_size=6),
    st.lists(LINE, min_size=1, max_size=5),
    st.just(FIELDS.splitlines()),
    st.just(["🤖 Generated with [Claude Code](https://claude.ai/code)"]),
    st.just([SCISSORS, "diff --git a/x b/x", "+Agente: from-the-diff", "@@ -1 +1 @@"]),
)


@st.composite
def messages(draw: st.DrawFn) -> str:
    lines = [draw(SUBJECTS)]
    if draw(st.booleans()):
        lines.insert(0, "")  # leading blank line(s), as hand-written files have
    for para in draw(st.lists(PARAGRAPH, max_size=5)):
        lines += [""] * draw(st.sampled_from([0, 1, 1, 1, 2])) + para
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r\n")
    return text


SLOW = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --------------------------------------------------------------------------- properties vs git


@SLOW
@given(text=messages())
def test_trailers_match_git_on_the_raw_text(git_env: dict[str, str], text: str) -> None:
    assume(not scissors_after_divider(text))
    assert ours(text) == git_trailers(git_env, text)


@SLOW
@given(text=messages())
def test_cleanup_matches_git_stripspace(git_env: dict[str, str], text: str) -> None:
    cut = cut_at_scissors(text)
    assert cleanup(text, mode="strip") == git_stripspace(git_env, cut, strip=True)
    assert cleanup(text, mode="whitespace") == git_stripspace(git_env, cut, strip=False)


@SLOW
@given(text=messages())
def test_trailers_of_the_cleaned_message_match_git(git_env: dict[str, str], text: str) -> None:
    """What the hook checks is what git will commit: the trailers of git's own cleanup."""
    committed = git_stripspace(git_env, cut_at_scissors(text), strip=True)
    assert ours(cleanup(text)) == git_trailers(git_env, committed)
    assert [(t.key, t.value) for t in parse_message(text).trailers] == git_trailers(
        git_env, committed
    )


# Shapes where the raw file and the cleaned message give git the same trailers: one blank line
# between paragraphs, comment lines only as whole paragraphs, no trailing blanks on values.
PLAIN_LINE = st.one_of(
    st.lists(WORDS, min_size=1, max_size=5).map(" ".join), TRAILER_LINES, BAD_TRAILER_LINES
)
PLAIN_PARAGRAPH = st.one_of(
    st.lists(PLAIN_LINE, min_size=1, max_size=6),
    st.just(FIELDS.splitlines()),
    st.just(["# Please enter the commit message", "#", "# On branch main"]),
    st.just(["🤖 Generated with [Claude Code](https://claude.ai/code)"]),
)


@SLOW
@given(
    subject=st.sampled_from(["feat(api): x", "fix: y", "chore(ci)!: z"]),
    paras=st.lists(PLAIN_PARAGRAPH, max_size=5),
)
def test_trailers_of_cleanup_equal_git_on_the_raw_hook_file(
    git_env: dict[str, str], subject: str, paras: list[list[str]]
) -> None:
    """The brief's property, on the shapes a hook file really has (see the module notes)."""
    text = "\n\n".join(["\n".join([subject]), *("\n".join(p) for p in paras)]) + "\n"
    assert ours(cleanup(text)) == git_trailers(git_env, text)


@pytest.mark.parametrize(
    ("text", "config"),
    [
        ("s\n\nRev: x\nfoo bar\nbaz\nqux\n", "trailer.reviewed-by.key=Reviewed-by"),
        ("s\n\nAgente: x\nbody one\nbody two\nbody three\n", "trailer.Agente.key=Agente"),
        ("s\n\nAgente: x\nbody one\nbody two\nbody three\nfour\n", "trailer.Agente.key=Agente"),
        ("s\n\nagente : x\nbody\n", "trailer.agente.key=agente"),
    ],
)
def test_known_keys_play_the_part_of_trailer_config(
    git_env: dict[str, str], text: str, config: str
) -> None:
    key = config.split("=", 1)[1]
    got = ours(text, known_keys=[key])
    expected = git_trailers(git_env, text, config)
    # git also rewrites a matched token to the configured spelling; we keep it as written.
    assert [(k.lower()[:3], v) for k, v in got] == [(k.lower()[:3], v) for k, v in expected]


@pytest.mark.parametrize("char", [";", "@", "!", "$", "%", "^", "&", "|", ":", "*"])
def test_cleanup_with_another_comment_char(git_env: dict[str, str], char: str) -> None:
    text = f"subj\n{char} comment\n\n# kept\n{char}\nbody  \n\n\n{char}x\nend\n"
    assert cleanup(text, comment=char) == git_stripspace(git_env, text, strip=True, char=char)
    assert parse_trailers(f"s\n\nA: b\n{char} c\n", comment=char).trailers == (Trailer("A", "b"),)


# --------------------------------------------------------------------------- real commits


@pytest.fixture
def repo(tmp_path: Path, git_env: dict[str, str]) -> Path:
    run_git(git_env, "init", "-q", str(tmp_path / "r"))
    (tmp_path / "r" / "f").write_text("a\n")
    run_git(git_env, "add", "f", cwd=tmp_path / "r")
    return tmp_path / "r"


def commit_seen(env: dict[str, str], repo: Path, message: str, *args: str) -> tuple[str, str]:
    """Commit through an editor that keeps the file; return (hook's view, committed message)."""
    seen = repo.parent / "seen"
    (repo.parent / "msg").write_text(message)
    editor = f"cp .git/COMMIT_EDITMSG {seen}; true"
    subprocess.run(
        ["git", *args, "commit", "-q", "--allow-empty", "-F", "../msg", "-e"],
        env={**env, "GIT_EDITOR": editor},
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=60,  # a hung hook, not a slow one (parallel workers load the machine)
    )
    raw = run_git(env, "cat-file", "commit", "HEAD", cwd=repo)
    return seen.read_text(), raw.split("\n\n", 1)[1]


AUTO_MESSAGES = [
    "fix: plain\n\nAgente: a\n",
    "#123 fix\n\nbody\n",
    "#1\n;2\n\nAgente: a\n",
    "#1\n;2\n@3\n!4\n\nbody\n",
    "fix\n\n# not a comment when ';' is chosen\n\nAgente: a\n",
]


@pytest.mark.parametrize("message", AUTO_MESSAGES)
@pytest.mark.parametrize("verbose", [False, True])
def test_comment_char_auto_against_git_commit(
    git_env: dict[str, str], repo: Path, message: str, verbose: bool
) -> None:
    args = ["-c", "core.commentChar=auto"]
    seen, committed = commit_seen(
        git_env, repo, message, *args, *(["-c", "commit.verbose=true"] if verbose else [])
    )
    char = resolve_comment_char("auto", seen)
    assert char == auto_comment_char(message)
    assert cleanup(seen, comment=char) == committed


def test_comment_char_auto_without_an_editor_keeps_every_line() -> None:
    # `git commit -m` appends no comment block: git's rule on the file strips nothing.
    text = "#123 fix\n;note\n"
    assert resolve_comment_char("auto", text) == "@"
    assert cleanup(text, comment=resolve_comment_char("auto", text)) == text


@pytest.mark.parametrize(
    "fields_tail",
    [
        FIELDS,
        FIELDS + "\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>\n",
        FIELDS + "Co-Authored-By: Claude <noreply@anthropic.com>\n",
    ],
)
@pytest.mark.parametrize("verbose", [False, True])
def test_hook_view_equals_the_committed_trailers(
    git_env: dict[str, str], repo: Path, fields_tail: str, verbose: bool
) -> None:
    args = ["-c", "commit.verbose=true"] if verbose else []
    seen, committed = commit_seen(git_env, repo, "feat(api): x\n\n" + fields_tail, *args)
    assert ("# " + CUT_LINE in seen) == verbose
    hook = parse_message(seen.encode())
    assert hook.text == committed
    assert [(t.key, t.value) for t in hook.trailers] == git_trailers(git_env, committed)


def test_cleanup_modes_as_git_commit_applies_them(git_env: dict[str, str], repo: Path) -> None:
    text = "subj  \n\n\n# comment\nbody\n"
    for mode, expected in [
        ("strip", "subj\n\nbody\n"),
        ("whitespace", "subj\n\n# comment\nbody\n"),
        ("verbatim", text),
        ("scissors", "subj\n\n# comment\nbody\n"),
    ]:
        (repo.parent / "m").write_text(text)
        run_git(
            git_env, "commit", "-q", "--allow-empty", f"--cleanup={mode}", "-F", "../m", cwd=repo
        )
        committed = run_git(git_env, "cat-file", "commit", "HEAD", cwd=repo).split("\n\n", 1)[1]
        assert committed == expected == cleanup(text, mode=mode)


# --------------------------------------------------------------------------- examples


def test_notes_table_cases() -> None:
    assert len(parse_trailers("s\n\n" + FIELDS).trailers) == 5
    assert parse_trailers("s\n\n" + FIELDS + "Área: api\n").trailers == ()
    assert parse_trailers("s\n\nbody text\n" + FIELDS).trailers == ()
    appended = "s\n\n" + FIELDS + "\n🤖 Generated with x\n\nCo-Authored-By: C <c@x>\n"
    assert parse_trailers(appended).trailers == (Trailer("Co-Authored-By", "C <c@x>"),)
    assert len(parse_trailers("s\n\n" + FIELDS + "Co-Authored-By: C <c@x>\n").trailers) == 6
    assert parse_trailers("s\n\nAgente : a\nAgente:b\nAgente:\n").trailers == (
        Trailer("Agente", "a"),
        Trailer("Agente", "b"),
        Trailer("Agente", ""),
    )
    # git 2.39 reads a bare URL line as a trailer `https: //x`; later gits may not.
    assert parse_trailers("s\n\nA: b\nhttps://x\n").trailers[1] == Trailer("https", "//x")


def test_divider_and_scissors() -> None:
    assert parse_trailers("s\n\nA: b\n---\nB: c\n").trailers == (Trailer("A", "b"),)
    assert parse_trailers("s\n\nA: b\n---x\nB: c\n").trailers == ()
    text = f"s\n\nA: b\n{SCISSORS}\ndiff\nB: c\n"
    assert parse_trailers(text).trailers == (Trailer("A", "b"),)
    # where git 2.39 hangs, we answer
    assert parse_trailers(f"s\n\nA: b\n---\nx\n{SCISSORS}\n").trailers == (Trailer("A", "b"),)


def test_block_lines_and_body() -> None:
    msg = parse_message("feat(api)!: add thing\n\nWhy it matters.\n\n" + FIELDS)
    assert (msg.type, msg.area, msg.description, msg.breaking) == ("feat", "api", "add thing", True)
    assert msg.body == "Why it matters."
    assert (msg.block.start_line, msg.block.end_line) == (4, 9)
    assert to_json(msg) == {
        "subject": "feat(api)!: add thing",
        "type": "feat",
        "area": "api",
        "description": "add thing",
        "body": "Why it matters.",
        "trailers": [{"key": t.key, "value": t.value} for t in msg.trailers],
    }
    assert list(to_json(msg)) == ["subject", "type", "area", "description", "body", "trailers"]


@pytest.mark.parametrize(
    ("subject", "parsed"),
    [
        ("fix: x", ("fix", None, "x", False)),
        ("fix!: x", ("fix", None, "x", True)),
        ("docs(área): descripción", ("docs", "área", "descripción", False)),
        ("fix(): x", ("fix", "", "x", False)),
        ("fix:x", (None, None, None, False)),
        ("Merge branch 'a'", (None, None, None, False)),
        ("fix(a): ", ("fix", "a", None, False)),
    ],
)
def test_subject(subject: str, parsed: tuple[object, ...]) -> None:
    msg = parse_message(subject + "\n")
    assert (msg.type, msg.area, msg.description, msg.breaking) == parsed


def test_empty_and_comment_only_messages() -> None:
    for raw in ["", "\n\n", "# only\n# comments\n", f"{SCISSORS}\ndiff\n"]:
        msg = parse_message(raw)
        assert (msg.subject, msg.body, msg.trailers, msg.text) == ("", "", (), "")


def test_non_utf8_reports_the_offset() -> None:
    with pytest.raises(MessageEncodingError) as info:
        parse_message(b"fix: ok\n\nAgente: caf\xe9\n")
    assert (info.value.offset, info.value.line) == (20, 3)
    assert isinstance(info.value, ValueError)


def test_crlf() -> None:
    msg = parse_message(("fix: x\n\n" + FIELDS).replace("\n", "\r\n").encode())
    assert len(msg.trailers) == 5 and "\r" not in msg.text


def test_multi_char_comment_string() -> None:
    text = "fix: x\n// note\n\nAgente: a\n//: b\n"
    assert cleanup(text, comment="//") == "fix: x\n\nAgente: a\n"
    assert parse_message(text, comment="//").trailers == (Trailer("Agente", "a"),)
    assert resolve_comment_char("//", text) == "//"
    assert resolve_comment_char(None, text) == "#"


def test_unknown_cleanup_mode() -> None:
    with pytest.raises(ValueError, match="cleanup mode"):
        cleanup("x", mode="bogus")


# --------------------------------------------------------------------------- misplaced fields


def misplaced(text: str) -> tuple[list[tuple[str, int]], list[str]]:
    msg = parse_message(text)
    found = find_misplaced_fields(msg, TEMPLATE_KEYS)
    return found, misplaced_causes(msg, found)


def test_fields_in_the_block_are_not_misplaced() -> None:
    assert misplaced("feat(a): x\n\n" + FIELDS) == ([], [])


def test_generated_with_paragraph_after_the_fields() -> None:
    found, causes = misplaced(
        "feat(a): x\n\n" + FIELDS + "\n🤖 Generated with [Claude Code](https://claude.ai/code)\n"
        "\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
    )
    assert found[0] == ("Workspace-Check", 3) and len(found) == 5
    assert "🤖 Generated with" in causes[0] and "last paragraph" in causes[0]


def test_non_ascii_and_underscore_keys() -> None:
    found, causes = misplaced("feat(a): x\n\n" + FIELDS + "Área: api\n")
    assert len(found) == 5
    assert any("`Área` is not a valid git trailer key" in c and "`Area`" in c for c in causes)
    found, causes = misplaced(
        "feat(a): x\n\n" + FIELDS.replace("Workspace-Check", "Workspace_Check")
    )
    assert ("Workspace_Check", 3) in found
    assert any("write `Workspace-Check`" in c for c in causes)


def test_fields_glued_to_the_body() -> None:
    found, causes = misplaced("feat(a): x\n\nSome explanation.\n" + FIELDS)
    assert len(found) == 5
    assert causes == [
        "line 3 `Some explanation.` is body text in the same paragraph as the fields: "
        "leave a blank line between the body and the fields"
    ]


def test_fields_in_the_subject_paragraph_and_after_a_divider() -> None:
    _, causes = misplaced("feat(a): x\n" + FIELDS)
    assert any("subject's paragraph" in c for c in causes)
    _, causes = misplaced("feat(a): x\n\nbody\n---\n" + FIELDS)
    assert any("`---`" in c for c in causes)


def test_text_glued_after_the_fields() -> None:
    _, causes = misplaced("feat(a): x\n\n" + FIELDS + "🤖 Generated with Claude Code\n")
    assert any("right after the fields" in c for c in causes)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aZ09-_ \t:=#é\n", max_size=12))
def test_the_default_separator_match_is_gits_loop(line: str) -> None:
    """The one-regex find_separator answers like git's character loop on every line."""
    assert find_separator(line) == scan_separator(line, ":")


@pytest.mark.parametrize(
    ("line", "index"),
    [("Key: v", 3), ("Key : v", 4), (": v", 0), (" Key: v", -1), ("Ke y: v", -1), ("Ké: v", -1)],
)
def test_find_separator_cases(line: str, index: int) -> None:
    assert find_separator(line) == index
    assert scan_separator(line, ":") == index
