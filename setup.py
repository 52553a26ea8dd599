# mypy: disable-error-code="import-untyped", allow-subclassing-any
"""Build step: compile the gettext catalogues (`.po` → `.mo`) with Babel while the package builds.

Metadata lives in setup.cfg; Babel is a build requirement (`[build-system] requires` in
pyproject.toml), never a runtime one. Regular builds (wheel, `pip install .`) write the `.mo`
files into the build directory; editable installs (`pip install -e .`) serve the package from the
source tree, so there they are written next to their `.po` sources (and when a `.po` is edited
later, the runtime reads it directly while its `.mo` is older: see workspace_guard/i18n.py).
A `.po` file Babel cannot read fails the build, naming the file and line: a broken catalogue
must never ship silently.

`python setup.py compile_catalogs` compiles them in the source tree by hand.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LOCALE = Path("workspace_guard") / "locale"


class PoError(ValueError):
    """A `.po` file that cannot be compiled (names the file and line)."""


def mo_from_po(text: bytes, name: str = "<po>") -> bytes:
    """The `.mo` (GNU gettext binary) Babel compiles from a `.po` file's bytes.

    Fuzzy and untranslated entries are left out, as GNU msgfmt does.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(text), abort_invalid=True)
    except PoFileError as exc:
        line = getattr(exc, "lineno", -1) + 1
        raise PoError(f"{name}:{line}: {exc.args[0] if exc.args else exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoError(f"{name}: {exc}") from exc
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_po(po: Path, mo: Path) -> None:
    """Compile one catalogue (atomically: a half-written `.mo` is never read)."""
    data = mo_from_po(po.read_bytes(), str(po))
    mo.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, mo)


def catalogues(root: Path) -> list[Path]:
    """Every `.po` source under `root`/workspace_guard/locale (relative to `root`)."""
    return sorted(p.relative_to(root) for p in (root / LOCALE).glob("*/LC_MESSAGES/*.po"))


def compile_all(source_root: Path, target_root: Path) -> list[Path]:
    """Compile each `.po` of `source_root` into the same relative place under `target_root`."""
    written = []
    for rel in catalogues(source_root):
        target = (target_root / rel).with_suffix(".mo")
        compile_po(source_root / rel, target)
        written.append(target)
    return written


class BuildPyWithCatalogues(build_py):
    """`build_py` that also compiles the catalogues (in place for editable installs)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            compile_all(HERE, HERE)
        else:
            compile_all(HERE, Path(self.build_lib))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            for rel in catalogues(HERE):
                path = str(Path(self.build_lib) / rel.with_suffix(".mo"))
                if path not in outputs:
                    outputs.append(path)
        return outputs


class CompileCatalogues(Command):
    """`python setup.py compile_catalogs`: compile the `.po` files next to themselves."""

    description = "compile the gettext catalogues in the source tree (needs Babel)"
    user_options: list[tuple[str, str | None, str]] = []  # noqa: RUF012 - distutils API

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        for path in compile_all(HERE, HERE):
            print(f"compiled {path.relative_to(HERE)}")


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPyWithCatalogues, "compile_catalogs": CompileCatalogues})
