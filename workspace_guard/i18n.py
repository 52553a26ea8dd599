"""User-facing language: English, or Spanish with `language: es` / WORKSPACE_GUARD_LANG=es.

Messages are marked with `_()` (translated where they are shown) or `N_()` (marked where they are
defined, translated later with `_()`). Catalogues are gettext `.mo` files compiled from the `.po`
sources in `workspace_guard/locale/` when the package is built or installed (setup.py), so the
hot path pays only for reading one small binary file, and only when the language is not English.

The environment variable wins over the rules file, so a user can read the messages of a Spanish
workspace in English (`WORKSPACE_GUARD_LANG=en`) and the other way round. Before the rules are
loaded (usage errors, `init` in a new repository) the environment alone decides.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import gettext as _gettext

LANG_ENV = "WORKSPACE_GUARD_LANG"
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


def set_language(rules_language: str | None) -> None:
    """Pick the language once the rules are known: the environment wins over the rules file."""
    global _current  # noqa: PLW0603 - one language per process, chosen once the rules load
    _current = normalize(os.environ.get(LANG_ENV)) or normalize(rules_language) or "en"


def language() -> str:
    """The language messages are shown in now."""
    return _current or normalize(os.environ.get(LANG_ENV)) or "en"


def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang not in _catalogs:
        import gettext

        _catalogs[lang] = gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)
    return _catalogs[lang]


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


def has_catalog(lang: str) -> bool:
    """Whether the compiled catalogue for `lang` is installed (English needs none)."""
    if lang == "en":
        return True
    return os.path.exists(os.path.join(LOCALE_DIR, lang, "LC_MESSAGES", f"{DOMAIN}.mo"))
