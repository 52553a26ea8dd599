# mypy: disable-error-code="import-untyped", allow-subclassing-any
"""Build step: compile the gettext catalogues (`.po` → `.mo`) while the package is built.

Metadata lives in setup.cfg; this file only adds the catalogue compilation to `build_py`, in pure
Python (no GNU gettext tools needed on the build machine). Regular builds (wheel, `pip install .`)
write the `.mo` files into the build directory; editable installs (`pip install -e .`) serve the
package from the source tree, so there they are written next to their `.po` sources. Either way a
`.po` file that does not parse fails the build: a broken catalogue must never ship silently.

`python setup.py compile_catalogs` compiles them in the source tree by hand.
"""

from __future__ import annotations

import ast
import os
import struct
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LOCALE = Path("workspace_guard") / "locale"


class PoError(ValueError):
    """A `.po` file that cannot be compiled (names the file and line)."""


def parse_po(text: str, name: str = "<po>") -> dict[str, str]:
    """Messages of a `.po` file: msgid → msgstr (plural forms joined by NUL, context by EOT).

    Untranslated and fuzzy entries are left out, as GNU msgfmt does; the header (msgid "") is kept.
    """
    messages: dict[str, str] = {}
    entry: dict[str, list[str]] = {}
    field = ""
    fuzzy = False

    def flush() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry:
            _add_entry(messages, entry, fuzzy)
        entry, fuzzy = {}, False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if (not line or line.startswith("#")) and any(k.startswith("msgstr") for k in entry):
            flush()  # a blank line or a comment ends the entry before it
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if (keyword in ("msgctxt", "msgid") and keyword in entry) or (
            keyword == "msgctxt" and "msgid" in entry
        ):
            flush()
        if keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
            field = keyword
            entry[field] = [_po_string(rest, name, number)]
        elif line.startswith('"') and field:
            entry[field].append(_po_string(line, name, number))
        else:
            raise PoError(f"{name}:{number}: cannot read {line[:40]!r}")
    flush()
    return messages


def _add_entry(messages: dict[str, str], entry: dict[str, list[str]], fuzzy: bool) -> None:
    msgid = "".join(entry["msgid"])
    if "msgid_plural" in entry:
        msgid += "\0" + "".join(entry["msgid_plural"])
        forms = sorted(k for k in entry if k.startswith("msgstr["))
        msgstr = "\0".join("".join(entry[k]) for k in forms)
    else:
        msgstr = "".join(entry.get("msgstr", []))
    if "msgctxt" in entry:
        msgid = "".join(entry["msgctxt"]) + "\x04" + msgid
    if msgstr.strip("\0") and (not fuzzy or msgid == ""):
        messages[msgid] = msgstr


def _po_string(token: str, name: str, number: int) -> str:
    """One C-style quoted `.po` string (escapes as in Python's, which is what gettext uses)."""
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise PoError(f"{name}:{number}: expected a quoted string, found {token[:40]!r}")
    try:
        value = ast.literal_eval(token)
    except (SyntaxError, ValueError) as exc:
        raise PoError(f"{name}:{number}: bad string: {exc}") from exc
    if not isinstance(value, str):
        raise PoError(f"{name}:{number}: expected a string")
    return value


def mo_bytes(messages: dict[str, str]) -> bytes:
    """The GNU `.mo` encoding (little-endian, no hash table) of `messages`, UTF-8."""
    keys = sorted(messages)
    count = len(keys)
    ids_start = 7 * 4 + 16 * count
    id_table, ids_blob = _table([k.encode("utf-8") for k in keys], ids_start)
    strs = [messages[k].encode("utf-8") for k in keys]
    str_table, strs_blob = _table(strs, ids_start + len(ids_blob))
    header = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    return header + id_table + str_table + ids_blob + strs_blob


def _table(items: list[bytes], start: int) -> tuple[bytes, bytes]:
    """(length, offset) pairs for `items` laid out NUL-terminated from `start`, and the data."""
    pairs: list[int] = []
    data = b""
    for item in items:
        pairs += [len(item), start + len(data)]
        data += item + b"\0"
    return struct.pack(f"<{len(pairs)}I", *pairs), data


def compile_po(po: Path, mo: Path) -> None:
    """Compile one catalogue (atomically: a half-written `.mo` is never read)."""
    messages = parse_po(po.read_text(encoding="utf-8"), str(po))
    mo.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
    tmp.write_bytes(mo_bytes(messages))
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

    description = "compile the gettext catalogues in the source tree"
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
