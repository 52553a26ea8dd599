"""Here-document lines as bash assembles them (ATTACK F106), checked against the real shells.

The corpus table HEREDOC_LINES (tests/bash_corpus_semantics.py) holds texts where bash 5.2 runs a
line the old analysis read as here-document data; here each one is run by the real bash in a tmp
dir (the premise: the hidden line writes app/main.py there) and must be denied. The marked cases
compare the analysis's view of which lines are commands with what bash (and ``sh``) run: every
marker a shell runs must be seen by the analysis, and where the analysis reports no error its view
is exactly bash's.
"""

from __future__ import annotations

import posixpath
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from bash_corpus_semantics import HEREDOC_LINES, HEREDOC_LINES_READS
from conftest import EXAMPLE_RULES, make_workspace
from helpers.harness import OTHER, bash_denied
from test_bash import would_deny

from workspace_guard.gates.harness.bash import analyze


def _run(shell: str, text: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shell, "-c", text],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", [c.command for c in HEREDOC_LINES], ids=lambda c: c[:60])
def test_bash_runs_the_hidden_line_and_the_analysis_denies_it(tmp_path: Path, command: str) -> None:
    assert "app/main.py" in would_deny(command), command
    (tmp_path / "app").mkdir()
    main = tmp_path / "app" / "main.py"
    main.write_text("x\n")
    proc = _run("bash", command, tmp_path)
    assert main.read_text() != "x\n", (command, proc.stderr)  # the premise: bash ran it


# Marked texts: `{N}` is a command writing the file mN. The comment says which bash runs.
MARKED = [
    "cat <<EOF\nhi\nEOF\\\\\\\n{1}\nEOF\n{2}",  # 2
    "cat <<EOF\nhi\nEOF\\\\\n{1}\nEOF\n{2}",  # 2
    "cat <<'EOF'\nEO\\\nF\n{1}\nEOF\n{2}",  # 2
    'cat <<"EOF"\nhi\\\nEOF\n{1}',  # 1
    "cat <<-EOF\n\tEO\\\n\tF\n{1}\n\tEOF\n{2}",  # 2
    "x=$(cat <<EOF\nEOF)\n{1}",  # 1
    "x=$(cat <<EOF\nhi\nEOF\n)\n{1}",  # 1
    "x=$(cat <<EOF\nhi\nEOF )\n{1}",  # 1
    "x=`cat <<EOF\nEOF)\n{1}\nEOF\n`\n{2}",  # 2
    "cat <<A <<B\na\nA\nb\nB\n{1}",  # 1
    "f() { cat <<EOF; }\nhi\nEOF\nf\n{1}",  # 1
    "cat <<EOF\n$({1})\nEOF\n{2}",  # 1 2
    "cat <<'EOF'\n$({1})\nEOF\n{2}",  # 2
    "cat <<EOF\nhi\\\n$({1})\nEOF\n{2}",  # 1 2
    "cat <<EOF\nhi\\\\\n$({1})\nEOF\n{2}",  # 1 2
    "cat <<EOF\nhi\nEO\\F\n{1}\nEOF\n{2}",  # 2
    "case a in a) cat <<EOF ;; esac\nhi\nEOF\n{1}",  # 1
    "{ cat <<EOF; } && {1}\nhi\nEOF\n{2}",  # 1 2
    'echo "$(cat <<EOF\nhi\nEOF\n)"\n{1}',  # 1
    "cat <(cat <<EOF\nhi\nEOF\n) >/dev/null\n{1}",  # 1
    "cat <<EOF\r\nhi\r\nEOF\r\n{1};\r\n",  # 1
    "cat <<EOF\nhi\nEOF \n{1}\nEOF\n{2}",  # 2
    'cat <<E"O"F\nEO\\\nF\n{1}\nEOF\n{2}',  # 2
    "cat <<EOF\nhi\nEOF\n{1} <<X\nEOF\nX\n{2}",  # 1 2
    "x=$(cat <<EOF\nhi\nEOF) ; {1}\n{2}",  # 1 2
    "x=$(cat <<EOF\nhi\nEOF) ; cat <<Z\nZ)\nZ\n{1}",  # 1
    "cat <<EOF # a comment \\\n{1}\nEOF\n{2}",  # 2
    "echo x # a comment \\\n{1}",  # 1
]


# Texts whose end bash and dash (or a line-by-line reading) put at different lines: bash runs the
# markers, the analysis must refuse the text (a parse error) and still deny.
MARKED_REFUSED = [
    "cat <<-'\tEOF'\nhi\n\tEOF\n{1}",  # 1
    "cat <<EOF\nhi\nEO\\\nF\n{1}\nEOF\n{2}",  # 1 2
    "cat <<-EOF\n\tEO\\\nF\n{1}\n\tEOF\n{2}",  # 1 2
    "cat <<A; cat <<B\na\nA\\\n\nb\nB\n{1}\nA\nB\n{2}",  # 1 2
    'echo "$(cat <<EOF\nEO\\\nF\n{1}\nEOF\n)"\n{2}',  # 1 2
    "cat <<EOF\nhi\n\\\nEOF\n{1}",  # 1
]


def _marked(text: str) -> str:
    for n in range(1, 4):
        text = text.replace(f"{{{n}}}", f"echo ran >> m{n}")
    return text


def _bash_runs(shell: str, text: str, tmp: Path) -> set[int]:
    for old in tmp.glob("m*"):
        old.unlink()
    _run(shell, text, tmp)
    return {n for n in range(1, 4) if (tmp / f"m{n}").exists()}


def _seen(text: str, cwd: Path) -> tuple[set[int], str | None]:
    """The markers the analysis sees as commands (their file is a target), and its parse error."""
    analysis = analyze(text, str(cwd))
    paths = {posixpath.normpath(t.path) for t in analysis.targets}
    return {n for n in range(1, 4) if str(cwd / f"m{n}") in paths}, analysis.parse_error


@pytest.mark.parametrize("marked", MARKED, ids=lambda c: c[:60])
def test_the_analysis_sees_the_lines_bash_runs(tmp_path: Path, marked: str) -> None:
    text = _marked(marked)
    ran = _bash_runs("bash", text, tmp_path)
    seen, error = _seen(text, tmp_path)
    assert ran, (marked, "bash ran no marker: the case checks nothing")
    assert error is None, (marked, error)  # these are all plain enough to be read exactly
    assert seen == ran, marked
    # the same text given to `bash -c`, `sh -c` and `eval`: the same lexer, the same view
    for wrapper in ("bash -c ", "sh -c ", "eval "):
        inner, inner_error = _seen(wrapper + shlex.quote(text), tmp_path)
        assert inner_error is not None or ran <= inner, (wrapper, marked)


@pytest.mark.parametrize("marked", MARKED_REFUSED, ids=lambda c: c[:60])
def test_shell_dependent_texts_bash_runs_are_refused(tmp_path: Path, marked: str) -> None:
    text = _marked(marked)
    ran = _bash_runs("bash", text, tmp_path)
    seen, error = _seen(text, tmp_path)
    assert ran, (marked, "bash ran no marker: the case checks nothing")
    assert error is not None, marked
    assert ran <= seen, marked  # the conservative reading still names each marker


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
@pytest.mark.parametrize(
    "marked", MARKED + MARKED_REFUSED + [c.command for c in HEREDOC_LINES], ids=lambda c: c[:60]
)
def test_what_sh_runs_is_seen_or_refused(tmp_path: Path, marked: str) -> None:
    """``sh`` may be dash, which ends a document elsewhere on continuations: what it runs is seen
    by the analysis, or the text is refused."""
    text = _marked(marked).replace("app/main.py", "m3")
    ran = _bash_runs("sh", text, tmp_path)
    seen, error = _seen(text, tmp_path)
    assert error is not None or ran <= seen, (marked, ran, seen)


@pytest.mark.parametrize(
    "command",
    [
        "cat <<EOF\nhi\nEO\0F\necho evil >> app/main.py",  # bash drops NUL bytes in a body
        "cat <<EOF\nhi\nEOF\\\nEOF\necho evil >> app/main.py",
        "cat <<EOF\nx\\\nEOF\n: <<Z\nEOF\necho evil >> app/main.py\nZ",
        "x=$(cat <<EOF\nEOF)\n: <<Z\nEOF\necho evil >> app/main.py\nZ\n)",
        "echo $(cat <<EOF)\nhi\nEOF",
        "cat <<$(echo  a)\nhi\n$(echo  a)",
        "a=(\n$(cat <<EOF\nx\nEOF\n)\n)",
        "x=$(cat <<A <<B\nA) ; echo evil >> app/main.py\nB\n)",
        "(( x = y <<EOF\n))\necho evil >> app/main.py\nEOF\n))",
        "echo $(( y <<EOF\n))\necho evil >> app/main.py\nEOF\n))",
    ],
    ids=repr,
)
def test_shell_dependent_ends_are_refused(command: str) -> None:
    """Where bash, dash or a line-by-line reading would end the document at different places
    (or the delimiter is not plain text), the text is refused with a reason, never allowed."""
    analysis = analyze(command, "/repo")
    assert analysis.parse_error, command
    assert "app/main.py" in would_deny(command) or "evil" not in command


@pytest.mark.parametrize("command", [c.command for c in HEREDOC_LINES_READS], ids=lambda c: c[:60])
def test_ordinary_heredocs_are_read_exactly(command: str) -> None:
    analysis = analyze(command, "/repo")
    assert analysis.parse_error is None, (command, analysis.parse_error)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    return make_workspace(tmp_path / "ws", text)


def test_the_hook_denies_the_repro_and_allows_a_commit_message(ws: Path) -> None:
    for command in (
        "cat <<EOF\nhi\nEO\\\nF\necho evil >> app/main.py",
        "x=$(cat <<EOF\nhi\nEOF)\necho evil >> app/main.py\nEOF\n)",
        "true <<END\nx\nEN\\\nD\ncp /dev/null .workspace/rules.yaml\nEND",
    ):
        assert bash_denied(ws, command, OTHER) is not None, command
    message = "git commit -q --allow-empty -F - <<'EOF'\nfix: x\n\nEO\\\nF\nEOF"
    assert bash_denied(ws, message, OTHER) is None
