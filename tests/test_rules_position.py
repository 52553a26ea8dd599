"""Load errors name a protected rule by its position in the file (`protected[i]` counts every
entry, not only the rules that loaded before it), in English and in Spanish."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli
from test_i18n_adoption import LOCALE_VARS

RULES = """\
version: 1
escalation: a-ai
agents:
  a-ai: {}
protected:
  - 3
  - pattern: "x//y"
    owner: a-ai
  - pattern: ok
    owner: nobody-ai
  - pattern: fine
  - pattern: z
    level: weird
"""


@pytest.mark.parametrize("lang", ["en", "es"])
def test_protected_index_is_the_position_in_the_file(tmp_path: Path, lang: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    (ws / ".workspace" / "rules.yaml").write_text(RULES)
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LANG="es_ES.UTF-8" if lang == "es" else "C.UTF-8")
    proc = run_cli(ws, "lint", env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2) and "Traceback" not in out, out
    by_line = {line.split(":")[1]: line for line in out.splitlines() if "protected[" in line}
    assert "protected[0]" in by_line["6"], out
    assert "protected[1]" in by_line["7"], out
    assert "protected[2]" in by_line["10"], out
    assert "protected[4]" in by_line["13"], out
