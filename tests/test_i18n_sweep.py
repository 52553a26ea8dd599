"""Every error path a user can reach from the command line, under a Spanish locale (issue 15,
item 5): bad ranges for check-commits, the watch daemon's status and stop with no daemon, paths
that are not UTF-8, `commit:` section errors, `audit verify` on an altered log, every duration
error, the importers' pattern reasons and unreadable files. Each case runs the real CLI with
LANG=es_ES.UTF-8 and fails on any English sentence (the detector of test_i18n_adoption), on a
traceback, or on an exit code outside the contract; the same case in English must show English,
so the detector is known to see it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import BIN, git, make_workspace
from test_i18n_adoption import LOCALE_VARS, english_lines

from workspace_guard import i18n
from workspace_guard.core.patterns import PatternError, check_pattern

RULES = Path(".workspace") / "rules.yaml"
# English words these error paths use that the shared detector does not list (none is Spanish)
MORE_ENGLISH = frozenset(
    [
        "intact",
        "records",
        "running",
        "outside",
        "calendar",
        "duration",
        "expected",
        "unknown",
        "cannot",
        "does",
        "neither",
        "nor",
        "altered",
        "edited",
        "empty",
        "valid",
        "needs",
        "mapping",
        "revision",
    ]
)


def english(text: str) -> list[str]:
    """The shared detector's finds, plus lines holding one of MORE_ENGLISH outside code."""
    import re

    found = english_lines(text)
    for line in text.splitlines():
        prose = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", " ", line)
        words = {re.sub(r"\W", "", w).lower() for w in prose.split()}
        if words & MORE_ENGLISH and not any(line in f for f in found):
            found.append(f"{line!r}: {sorted(words & MORE_ENGLISH)}")
    return found


def env_for(lang: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env["LANG"] = "es_ES.UTF-8"
    if lang == "en":
        env["WORKSPACE_GUARD_LANG"] = "en"
    return env


def run(cwd: Path, args: list[str | bytes], lang: str = "es") -> tuple[int, str]:
    import subprocess

    proc = subprocess.run(
        [str(BIN / "workspace-guard"), *args],
        cwd=cwd,
        env=env_for(lang),
        capture_output=True,
        check=False,
    )
    return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")


def assert_spanish(code: int, out: str, codes: tuple[int, ...]) -> None:
    assert code in codes, out
    assert out.strip() and "Traceback" not in out, out
    assert not english(out), "English under LANG=es_ES.UTF-8:\n" + "\n".join(english(out))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("sweep") / "ws")


# --- commands that need nothing but the example workspace ----------------------------------------

CASES: list[tuple[list[str | bytes], tuple[int, ...]]] = [
    (["check-commits", "nosuch..HEAD"], (2,)),
    (["check-commits", "HEAD...nosuch"], (2,)),
    (["check-commits", "HEAD", "--base", "nosuch"], (2,)),
    (["watch", "status"], (1,)),
    (["watch", "stop"], (1,)),
    (["audit", "verify"], (0,)),
    (["validate", "backend-framework-ai", b"app/\xff.py"], (2,)),
    (["explain", b"app/\xffx.py"], (2,)),
    (["validate", "backend-framework-ai", "../outside.py"], (2,)),
    (["approve", "backend-framework-ai", "app/main.py", "--by", "x-ai", "--ttl", "5x"], (2,)),
    (["approve", "backend-framework-ai", "app/main.py", "--by", "x-ai", "--ttl", "99999w"], (2,)),
    (["audit", "--since", "2026-01-01T10:00+25:00"], (2,)),
    (["audit", "--since", "2026-02-30"], (2,)),
    (["audit", "--since", "0.5x"], (2,)),
    (["map", "--since", "99999w"], (2,)),
    (["import", "codeowners", "no-such-file"], (2,)),
    (["import", "codeowners", "-", "--handle", "bad"], (2,)),
    (["import", "mestore", "no-such-dir"], (1, 2)),
]


def case_id(args: list[str | bytes]) -> str:
    return " ".join(a if isinstance(a, str) else repr(a) for a in args)


@pytest.mark.parametrize(("args", "codes"), CASES, ids=[case_id(a) for a, _c in CASES])
def test_error_paths_speak_spanish(
    ws: Path, args: list[str | bytes], codes: tuple[int, ...]
) -> None:
    code, out = run(ws, args)
    assert_spanish(code, out, codes)
    code, shown = run(ws, args, "en")
    assert code in codes and english(shown), english


# --- `commit:` section errors ---------------------------------------------------------------------

COMMIT_SECTIONS = [
    "commit: 3\n",
    "commit:\n  nope: 1\n",
    "commit:\n  types: []\n",
    "commit:\n  types: [feat, 'bad name']\n",
    "commit:\n  require_area: maybe\n",
    "commit:\n  skip: [sometimes]\n",
    "commit:\n  areas: [3]\n",
    "commit:\n  fields: 3\n",
    "commit:\n  fields:\n    Bad_Name: {keys: [X]}\n",
    "commit:\n  fields:\n    ticket: {required: true}\n",
    "commit:\n  fields:\n    ticket: {keys: ['a b']}\n",
    "commit:\n  fields:\n    ticket: {keys: [Agente]}\n",
    "commit:\n  fields:\n    protocol: {values: {X: whatever}}\n",
    "commit:\n  fields:\n    protocol: {values: {X: ''}}\n",
    "commit:\n  fields:\n    protocol: {values: 3}\n",
]


@pytest.mark.parametrize("section", COMMIT_SECTIONS)
def test_commit_section_errors_in_spanish(tmp_path: Path, section: str) -> None:
    base = make_workspace(tmp_path / "ws")
    rules = base / RULES
    rules.write_text(rules.read_text() + "\n" + section)
    code, out = run(base, ["lint"])
    assert_spanish(code, out, (1, 2))
    assert "commit" in out
    code, shown = run(base, ["lint"], "en")
    assert english(shown), english


# --- audit verify on an altered log ---------------------------------------------------------------


def _logged(base: Path) -> Path:
    ws = make_workspace(base)
    for _ in range(4):  # each denial is one audit record
        run(ws, ["validate", "backend-framework-ai", "app/main.py"], "en")
    log = Path(git(ws, "rev-parse", "--git-common-dir").strip())
    path = (ws / log if not log.is_absolute() else log) / "workspace-guard" / "audit.jsonl"
    assert len(path.read_text().splitlines()) >= 3
    return path


def _edit(lines: list[str]) -> list[str]:
    record = json.loads(lines[1])
    record["agent"] = "master-orchestrator"
    return [lines[0], json.dumps(record) + "\n", *lines[2:]]


ALTERATIONS = {
    "edited": _edit,
    "removed": lambda lines: [lines[0], *lines[2:]],
    "garbage": lambda lines: [*lines[:2], "not json\n", *lines[2:]],
    "cut": lambda lines: lines[:1],
}


@pytest.mark.parametrize("how", sorted(ALTERATIONS))
def test_audit_verify_in_spanish(tmp_path: Path, how: str) -> None:
    log = _logged(tmp_path / "ws")
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(ALTERATIONS[how](lines)))
    ws = tmp_path / "ws"
    code, out = run(ws, ["audit", "verify"])
    assert_spanish(code, out, (1,))
    assert "alterado" in out
    code, shown = run(ws, ["audit", "verify"], "en")
    assert code == 1 and "altered" in shown


# --- a shallow clone ------------------------------------------------------------------------------


def test_shallow_clone_in_spanish(tmp_path: Path) -> None:
    origin = make_workspace(tmp_path / "origin")
    (origin / "app" / "x.py").write_text("x\n")
    git(origin, "add", "-A")
    git(origin, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "chore: two")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "shallow")
    code, out = run(tmp_path / "shallow", ["check-commits", "HEAD~1..HEAD"])
    assert_spanish(code, out, (2,))
    assert "superficial" in out


# --- PatternError itself --------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["a//b", "app/**x", "a/***", "x\\"])
def test_pattern_error_text_follows_the_language(pattern: str) -> None:
    with pytest.raises(PatternError) as caught:
        check_pattern(pattern)
    error = caught.value
    error.index = 3
    with i18n.speaking("es"):
        spanish = str(error)
        assert spanish.startswith("regla 3: patrón no válido"), spanish
        assert not english(spanish), spanish
        assert error.localized() in spanish
    with i18n.speaking("en"):
        assert str(error).startswith("rule 3: invalid pattern"), str(error)
        assert error.localized() == error.reason  # `reason` stays English for logs and tests


# --- the importers' pattern reasons ---------------------------------------------------------------

SEED = Path(__file__).parent / "fixtures" / "mestore" / "workspace"


def test_import_mestore_pattern_reasons_in_spanish(tmp_path: Path) -> None:
    import shutil

    seed = tmp_path / "seed"
    shutil.copytree(SEED, seed)
    protected = seed / ".workspace" / "PROTECTED_FILES.md"
    text = protected.read_text(encoding="utf-8")
    marker = "⚠️ tests/conftest.py"
    assert marker in text
    protected.write_text(text.replace(marker, "⚠️ app/**x.py\n⚠️ a//b.py\n" + marker, 1))
    code, out = run(seed, ["import", "mestore", "."])
    assert code in (0, 1) and "Traceback" not in out, out
    reasons = [line for line in out.splitlines() if "app/**x.py" in line or "a//b.py" in line]
    assert len(reasons) == 2 and all("patrón" in line for line in reasons), out
    assert not english("\n".join(reasons)), english("\n".join(reasons))
    code, shown = run(seed, ["import", "mestore", "."], "en")
    assert "not a valid pattern" in shown


def test_import_codeowners_pattern_reasons_in_spanish(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    owners = tmp_path / "CODEOWNERS"
    owners.write_text("* @org/all\napp/**x @a\n/a//b @b\n")
    code, out = run(ws, ["import", "codeowners", str(owners)])
    assert code in (0, 1) and "Traceback" not in out, out
    reasons = [line for line in out.splitlines() if "app/**x" in line or "/a//b" in line]
    assert len(reasons) == 2, out
    assert not english("\n".join(reasons)), english("\n".join(reasons))
    code, shown = run(ws, ["import", "codeowners", str(owners)], "en")
    assert "skipped" in shown


def test_protocol_file_notes_in_the_rules_language(tmp_path: Path) -> None:
    """The notes of the rules `import` adds for the protocol's own files are what `explain`
    shows: Spanish for a Spanish protocol, English when asked for."""
    import shutil

    seed = tmp_path / "seed"
    shutil.copytree(SEED, seed)
    code, out = run(seed, ["import", "mestore", "."])
    assert code in (0, 1), out
    assert "Definiciones de agentes, ajustes y hooks del harness" in out, out
    code, shown = run(seed, ["import", "mestore", "."], "en")
    assert "Agent definitions, settings and harness hooks" in shown
