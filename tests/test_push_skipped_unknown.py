"""A commit whose template the gate skips (`fixup!`, `squash!`, `amend!`, `Revert "…"`) still
needs an agent the rules know to change a protected path (ATTACK F29): an unknown `Agente` is
nobody who may change it, whether or not the template was checked."""

from __future__ import annotations

import pytest
from conftest import git
from helpers.gitserver import push
from helpers.pushserver import Server, assert_rejected


@pytest.mark.parametrize(
    "subject", ["fixup! fix(app): x", "squash! fix(app): x", "amend! fix(app): x", 'Revert "x"']
)
def test_a_skipped_template_with_an_unknown_agent_cannot_change_a_protected_file(
    server: Server, subject: str
) -> None:
    clone = server.clone("attacker")
    (clone / "app" / "main.py").write_text("app = None\n")
    git(clone, "add", "app/main.py")
    tree = git(clone, "write-tree").strip()
    parent = git(clone, "rev-parse", "HEAD").strip()
    message = f"{subject}\n\nAgente: nobody-in-particular\n"
    sha = git(clone, "commit-tree", tree, "-p", parent, "-m", message).strip()
    err = assert_rejected(push(clone, "origin", f"{sha}:refs/heads/main"), server, sha)
    assert "agent-unknown" in err
