"""Loop variables as write destinations: `for f in a b; do sed -i … "$f"; done` names each
destination, so each is judged (allowed where none is protected for the agent); what only the
run can know stays refused (ATTACK F99's class): a value from `read`, a variable written again, an
unquoted glob value, a glob whose folder the command also writes. The real hook, a real
repository, the Claude Code payload shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE_RULES, git, make_workspace
from helpers.harness import bash_denied

AGENT = "backend-framework-ai"  # owns no protected file in the example rules
OFFICE = ".workspace/departments/backend/backend-framework-ai"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = EXAMPLE_RULES.read_text().replace("harness:\n", "harness:\n  escalate_after: 100000\n")
    ws = make_workspace(tmp_path_factory.mktemp("loops") / "ws", text)
    for rel in ("app/plain/a.py", "app/plain/b.py", "docs/a.md", "docs/b.md", f"{OFFICE}/n.md"):
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text("x\n")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "more files")
    return ws


ALLOWED = [
    "for f in app/plain/a.py app/plain/b.py; do sed -i 's/x/y/' \"$f\"; done",
    "for f in app/plain/a.py app/plain/b.py; do sed -i 's/x/y/' $f; done",
    'for f in docs/a.md docs/b.md; do echo x >> "${f}"; done',
    'for f in \'docs/a.md\' "docs/b.md"; do cp "$f" "$f.bak"; done',
    'for d in app/plain docs; do touch "$d/new.txt"; done',
    "for f in app/plain/*.py; do sed -i 's/x/y/' \"$f\"; done",
    'for f in docs/*.md; do cp "$f" "$f.orig"; done',
    'for f in app/plain/a.py docs/a.md; do for g in x y; do echo > "$f.$g"; done; done',
    'cd app; for f in plain/a.py plain/b.py; do sed -i s/x/y/ "$f"; done',
    f"for f in {OFFICE}/n.md docs/a.md; do printf 'x\\n' > \"$f\"; done",
]


@pytest.mark.parametrize("command", ALLOWED)
def test_a_loop_over_literal_words_is_judged_value_by_value(ws: Path, command: str) -> None:
    assert bash_denied(ws, command, AGENT) is None, command


DENIED_BY_RULE = [
    ("for f in app/plain/a.py app/main.py; do sed -i 's/x/y/' \"$f\"; done", "app/main.py"),
    ("for f in app/*.py; do sed -i 's/x/y/' \"$f\"; done", "app/main.py"),
    ('cd app; for f in plain/a.py main.py; do sed -i s/x/y/ "$f"; done', "app/main.py"),
    ('for d in app/plain app/core; do echo x > "$d/config.py"; done', "app/core/config.py"),
    ('for f in app/*/; do echo x > "${f}config.py"; done', "app/core/config.py"),
    ('for f in docs app; do cp README.md "$f/main.py"; done', "app/main.py"),
    ('for f in app/core/.*; do echo x > "$f/main.py"; done', "app/main.py"),  # `..`
    ("shopt -u globskipdots; echo x | tee app/core/.*/main.py", "app/main.py"),
    ('for f in docs/a.md .workspace/rules.yaml; do echo x > "$f"; done', "rules.yaml"),
]


@pytest.mark.parametrize(("command", "named"), DENIED_BY_RULE)
def test_a_protected_value_is_denied_by_its_rule(ws: Path, command: str, named: str) -> None:
    reason = bash_denied(ws, command, AGENT)
    assert reason is not None, command
    assert named in reason or "paths under" in reason, reason


DENIED = [
    'for f in a .git; do cp README.md "$f/config"; done',
    'for f in docs .git; do cp README.md "$f/hooks/pre-commit"; done',
    'for f in docs .claude; do cp README.md "$f/settings.json"; done',
    'for f in a b; do :; done; f=.git; cp README.md "$f/config"',
    'for f in a b; do read f; cp README.md "$f/x"; done',
    'for f in a b; do :; done; f=$(echo .git); cp README.md "$f/x"',
    'for f in a b; do :; done; n=f; declare -n r=$n; read r; cp README.md "$f"',
    'for f in a b; do :; done; printf -v "$(echo f)" %s .git; cp README.md "$f/x"',
    "for f in docs/*.md; do sed -i s/x/y/ $f; done",  # unquoted: a matched name splits again
    'tar xf t.tar -C docs; for f in docs/*.md; do sed -i s/x/y/ "$f"; done',
    'for f in docs/*.md; do ln -s ../app/main.py docs/z.md; sed -i s/x/y/ "$f"; done',
    'cp -a /tmp/x docs; for f in docs/*.md; do echo x > "$f"; done',
    'while read f; do sed -i s/x/y/ "$f"; done < list.txt',
    'for f in $(cat list.txt); do sed -i s/x/y/ "$f"; done',
    'for f in $X docs/a.md; do sed -i s/x/y/ "$f"; done',
    'for f in ~/x docs/a.md; do sed -i s/x/y/ "$f"; done',
    'for f in "a b" docs/a.md; do sed -i s/x/y/ "$f"; done',
    'for f; do sed -i s/x/y/ "$f"; done',
    'select f in docs/a.md docs/b.md; do sed -i s/x/y/ "$f"; done',
    'sed -i s/x/y/ "$f"; for f in docs/a.md docs/b.md; do :; done',  # before the loop
    'for f in docs/a.md docs/b.md; do g=$f; done; echo x > "$g"',
    'for f in docs/a.md docs/b.md; do echo x > "${f%.md}"; done',
    'f=/tmp/; g() { local f; echo hi > "${f}app/main.py"; }; g',
    'f=/tmp/; g() { declare f; echo hi > "${f}app/main.py"; }; g',
    'f=/tmp/; g() { typeset f; echo hi > "${f}app/main.py"; }; g',
]


@pytest.mark.parametrize("command", DENIED)
def test_a_value_only_the_run_knows_stays_denied(ws: Path, command: str) -> None:
    assert bash_denied(ws, command, AGENT) is not None, command


def test_a_superuser_loop_is_judged_by_the_rules(ws: Path) -> None:
    command = 'for f in app/main.py docs/a.md; do sed -i s/x/y/ "$f"; done'
    assert bash_denied(ws, command, "master-orchestrator") is None
