"""User-facing language: English, or Spanish (`language: es`, WORKSPACE_GUARD_LANG=es, LANG=es_ES…).

Messages are marked with `_()` (translated where they are shown) or `N_()` (marked where they are
defined, translated later with `_()`). Catalogues are gettext `.mo` files compiled by Babel from
the `.po` sources in `workspace_guard/locale/` when the package is built or installed (setup.py),
so the hot path pays only for reading one small binary file, and only when the language is not
English. In a source checkout (an editable install: setup.py beside the package) a `.po` edited
after its `.mo` was compiled, or with no `.mo` at all, is read directly through Babel instead, so
a new translation shows at once instead of a stale one.

Who decides, first match wins:

1. `WORKSPACE_GUARD_LANG` (so a user can read a Spanish workspace's messages in English, and the
   other way round);
2. the rules file's `language:` (the project's choice);
3. the standard locale variables, as GNU gettext reads them: the locale is the first set of
   `LC_ALL`, `LC_MESSAGES`, `LANG`; unless that locale is `C`/`POSIX` (or unset), the colon list
   `LANGUAGE` is tried first, in order; the first supported language wins;
4. English.

The standard variables come after the rules file because nearly every machine sets `LANG`
(`en_US.UTF-8`, `C.UTF-8`): above the file they would silently undo a project's `language: es`.
Before the rules are loaded (usage errors, `--help`, `init` in a new repository) the environment
alone decides. Resolution is a few dictionary lookups: no `locale` import on the hot path.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import gettext as _gettext
    from collections.abc import Mapping

LANG_ENV = "WORKSPACE_GUARD_LANG"
LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")  # the first one set is the locale (POSIX order)
DOMAIN = "workspace_guard"
SUPPORTED = ("en", "es")
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")

_current: str | None = None  # None: not chosen yet (the environment alone decides)
_catalogs: dict[str, _gettext.NullTranslations] = {}


def normalize(value: str | None) -> str | None:
    """`es`, `ES`, `es_ES.UTF-8`, `es-MX` → `es`; anything unsupported (or empty) → None."""
    if not value:
        return None
    base = value.strip().lower().replace("-", "_").split(".")[0].split("@")[0].split("_")[0]
    return base if base in SUPPORTED else None


def from_locale(environ: Mapping[str, str] = os.environ) -> str | None:
    """The supported language the standard variables ask for, or None (English then).

    `LC_ALL` > `LC_MESSAGES` > `LANG` name the locale; `LANGUAGE` (`es:en`, `pt_BR:es`) is a
    list of preferences tried first, ignored under the `C`/`POSIX` locale as GNU gettext does.
    """
    setting = next((environ[key] for key in LOCALE_ENV if environ.get(key)), "")
    if setting.split(".")[0].split("@")[0] in ("", "C", "POSIX"):
        return None
    for item in environ.get("LANGUAGE", "").split(":"):
        chosen = normalize(item)  # `en` is supported too: an English preference ends the list
        if chosen:
            return chosen
    return normalize(setting)


def set_language(rules_language: str | None) -> None:
    """Pick the language once the rules are known: WORKSPACE_GUARD_LANG, then the rules file,
    then the standard locale variables."""
    global _current  # noqa: PLW0603 - one language per process, chosen once the rules load
    _current = (
        normalize(os.environ.get(LANG_ENV)) or normalize(rules_language) or from_locale() or "en"
    )


class speaking:  # lower case: used like a function, `with speaking("es"):`
    """Speak `rules_language` (as `set_language` chooses) inside a `with` block, then go back
    (a class, not contextlib: this module is on every hot path, contextlib costs ~5 ms)."""

    def __init__(self, rules_language: str | None) -> None:
        self.rules_language = rules_language
        self.before: str | None = None

    def __enter__(self) -> None:
        self.before = _current
        set_language(self.rules_language)

    def __exit__(self, *exc: object) -> None:
        global _current  # noqa: PLW0603 - put back what was there
        _current = self.before


def is_chosen() -> bool:
    """Whether `set_language` ran (the rules, or a help page's look at them, decided)."""
    return _current is not None


def language() -> str:
    """The language messages are shown in now."""
    return _current or normalize(os.environ.get(LANG_ENV)) or from_locale() or "en"


def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang not in _catalogs:
        # a source checkout (editable install) has setup.py beside the package
        checkout = os.path.exists(os.path.join(os.path.dirname(LOCALE_DIR), os.pardir, "setup.py"))
        _catalogs[lang] = load_catalog(LOCALE_DIR, lang, source_tree=checkout)
    return _catalogs[lang]


def load_catalog(locale_dir: str, lang: str, *, source_tree: bool) -> _gettext.NullTranslations:
    """The catalogue of `lang`: its compiled `.mo`, or in a source tree the `.po` itself when
    the `.mo` is missing or older (English when neither can be read)."""
    import gettext

    base = os.path.join(locale_dir, lang, "LC_MESSAGES", DOMAIN)
    if source_tree and _stale(base):
        compiled = _compile_source(base + ".po")
        if compiled is not None:
            return compiled
    return gettext.translation(DOMAIN, locale_dir, [lang], fallback=True)


def _stale(base: str) -> bool:
    try:
        source = os.stat(base + ".po").st_mtime_ns
    except OSError:
        return False
    try:
        return os.stat(base + ".mo").st_mtime_ns < source
    except OSError:
        return True


def _compile_source(po: str) -> _gettext.NullTranslations | None:
    """`po` compiled in memory with Babel (a build and test requirement); None without it or
    when the file does not read."""
    import gettext
    import io

    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import PoFileError, read_po
    except ImportError:
        return None
    try:  # abort_invalid: Babel would otherwise print its warnings on stdout (a hook's answer)
        with open(po, "rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
        out = io.BytesIO()
        write_mo(out, catalog)
        out.seek(0)
        return gettext.GNUTranslations(out)
    except (OSError, ValueError, PoFileError):
        return None


def _(message: str) -> str:
    """Translate `message` into the current language (identity for English)."""
    lang = language()
    if lang == "en":
        return message
    return _catalog(lang).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, translated (Spanish plurals follow English)."""
    lang = language()
    if lang == "en":
        return singular if count == 1 else plural
    return _catalog(lang).ngettext(singular, plural, count)


def N_(message: str) -> str:  # the gettext convention for "mark now, translate later"
    """Mark `message` for translation where it is defined; `_()` translates it where it is shown."""
    return message


def severity(level: str) -> str:
    """`warning` / `info` as a finding's text shows them (`error` reads the same in Spanish;
    JSON keeps the English key)."""
    words = {"warning": N_("warning"), "info": N_("info")}
    return _(words[level]) if level in words else level


def strerror(exc: OSError) -> str:
    """The system's reason for `exc`, in the current language: every error the C library names
    (workspace_guard/oserrors.py); `str(exc)` for one it does not."""
    import errno

    from workspace_guard.oserrors import OS_ERRORS

    name = errno.errorcode.get(exc.errno or 0, "")
    if name in OS_ERRORS:
        return _(OS_ERRORS[name])
    return exc.strerror or str(exc)


# what Python's JSON parser says (its `msg`, in English), in our words
_JSON_REASONS = {
    "Expecting value": N_("a value was expected"),
    "Extra data": N_("there is more after the value"),
    "Expecting property name enclosed in double quotes": N_("a key in double quotes was expected"),
    "Expecting ',' delimiter": N_("a `,` was expected"),
    "Expecting ':' delimiter": N_("a `:` was expected"),
    "Unterminated string starting at": N_("a string is never closed"),
    "Invalid control character at": N_("a control character inside a string"),
    "Invalid \\escape": N_("an invalid escape in a string"),
    "Invalid \\uXXXX escape": N_("an invalid \\uXXXX escape in a string"),
}


def json_reason(exc: ValueError) -> str:
    """Why `json.loads` refused its input, in the current language, with where (Python's own
    text is English whatever the locale): a `JSONDecodeError` gives its line, column and
    character; bytes that are not UTF-8 the first bad byte; anything else its own text."""
    if isinstance(exc, UnicodeDecodeError):
        return _("not UTF-8 (byte {offset})").format(offset=exc.start)
    msg = getattr(exc, "msg", None)
    where = [getattr(exc, key, None) for key in ("lineno", "colno", "pos")]
    if not isinstance(msg, str) or not all(isinstance(x, int) for x in where):
        return str(exc)
    reason = _(_JSON_REASONS[msg]) if msg in _JSON_REASONS else msg
    return _("{reason}: line {line}, column {column} (character {pos})").format(
        reason=reason, line=where[0], column=where[1], pos=where[2]
    )


def choose_for_workspace(start: str) -> None:
    """Before any rules are loaded (help, usage errors, `install`): the environment, then the
    `language:` of the rules of the workspace around `start`."""
    if not is_chosen():
        set_language(workspace_language(start))


def workspace_language(start: str) -> str | None:
    """The `language:` of the rules the commands would read in the repository around `start`:
    the trusted revision's (trust_root), else the working-tree file's (None if none). Read as
    text, not parsed: this must stay cheap and never fail."""
    committed = _trusted_rules_text(start)
    if committed is not None:
        return _language_line(committed)
    return _working_tree_language(start)


def _language_line(text: str) -> str | None:
    import re

    found = re.search(r"^language:\s*[\"']?([A-Za-z_-]+)", text, re.MULTILINE)
    return found.group(1) if found else None


def _trusted_rules_text(start: str) -> str | None:
    """The rules text as the commands read it: the explicit file (WORKSPACE_GUARD_RULES), else
    the rules blob of the trusted revision (HEAD where it has none); None where nothing is
    committed or anything goes wrong."""
    from workspace_guard import git
    from workspace_guard.errors import GuardError
    from workspace_guard.repo import Repo

    try:
        repo = Repo.discover(start)
        if repo.rules_option:
            with open(os.path.join(repo.cwd, repo.rules_option), "rb") as handle:
                return handle.read(1 << 20).decode("utf-8", "replace")
        blob = repo.info.rules_blob
        if not blob or repo.trust_error is not None:
            return None
        return git.cat_blob(blob, repo.cwd).decode("utf-8", "replace")
    except (GuardError, OSError, ValueError):
        return None


def _working_tree_language(start: str) -> str | None:
    """The `language:` of the working-tree rules file around `start` (None if none)."""
    here = os.path.abspath(start)
    while True:
        candidate = os.path.join(here, ".workspace", "rules.yaml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8", errors="replace") as handle:
                    return _language_line(handle.read(1 << 20))
            except OSError:
                return None
        if os.path.exists(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def has_catalog(lang: str) -> bool:
    """Whether the compiled catalogue for `lang` is installed (English needs none)."""
    if lang == "en":
        return True
    return os.path.exists(os.path.join(LOCALE_DIR, lang, "LC_MESSAGES", f"{DOMAIN}.mo"))
