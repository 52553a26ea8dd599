"""The Spanish catalogue as the tests read it: a `.po` file's messages, as Babel reads them."""

from __future__ import annotations

import io


def po_messages(text: bytes) -> dict[str, str]:
    """msgid → msgstr of a `.po` as Babel reads it (a plural keyed as gettext keys it: singular
    NUL plural, its forms joined by NUL); fuzzy and untranslated entries left out."""
    from babel.messages.pofile import read_po

    messages = {}
    for message in read_po(io.BytesIO(text), abort_invalid=True):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and "".join(forms) and not message.fuzzy:
            messages["\0".join(ids)] = "\0".join(forms)
    return messages
