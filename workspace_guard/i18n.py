"""User-facing language: English, or Spanish with `language: es` / WORKSPACE_GUARD_LANG=es.

Messages are marked with `_()`; catalogues are compiled gettext files shipped in the package.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import gettext as _gettext

LANG_ENV = "WORKSPACE_GUARD_LANG"
_current = "en"


def set_language(rules_language: str | None) -> None:
    """Pick the language once per process: the environment wins over the rules file."""
    global _current
    _current = os.environ.get(LANG_ENV) or rules_language or "en"


_catalogs: dict[str, _gettext.NullTranslations] = {}


def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang not in _catalogs:
        import gettext

        localedir = os.path.join(os.path.dirname(__file__), "locale")
        _catalogs[lang] = gettext.translation("workspace_guard", localedir, [lang], fallback=True)
    return _catalogs[lang]


def _(message: str) -> str:
    """Translate `message` into the current language (identity for English)."""
    if _current == "en":
        return message
    return _catalog(_current).gettext(message)
