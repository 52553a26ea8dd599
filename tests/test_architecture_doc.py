"""docs/architecture.md names every module of the package, so the map stays true as rooms are
added (issue 11): a new module without a line there fails here."""

from __future__ import annotations

from pathlib import Path

import workspace_guard

PACKAGE = Path(workspace_guard.__file__).parent
DOC = PACKAGE.parent / "docs" / "architecture.md"


def modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if path.name != "__init__.py" and not rel.startswith("resources/"):
            found.append(rel)
    return found


def test_every_module_is_on_the_map() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [rel for rel in modules() if f"`{rel}`" not in text]
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_the_map_names_no_module_that_is_gone() -> None:
    text = DOC.read_text(encoding="utf-8")
    index = text[text.index("## Every module") :]
    named = {line.split("`")[1] for line in index.splitlines() if line.startswith("| `")}
    assert named <= set(modules()), f"gone: {sorted(named - set(modules()))}"
