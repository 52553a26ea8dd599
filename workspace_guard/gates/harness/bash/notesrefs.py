"""Which notes refs a command writes (the gate refuses its own: gates/harness/state_refs.py).

``git notes`` writes ``--ref``'s ref, else ``GIT_NOTES_REF``, ``core.notesRef`` or
``refs/notes/commits`` (the gate reads those: :data:`NOTES_DEFAULT`); ``git config
core.notesRef|notes.rewriteRef REF`` makes later commands write REF.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import REF_WRITE, _Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.env import _Env

# A push refspec whose destination is filled from another ref (`X:refs/notes/…`): the gate's own
# refs may be pushed only under their own name.
RENAMED_MARK = "renamed="
# `git notes` without `--ref`: GIT_NOTES_REF, core.notesRef or refs/notes/commits (the gate reads)
NOTES_DEFAULT = "@notes-default"
ANY_NOTES = "refs/notes/*"


def notes_ref(name: str) -> str:
    """git's expansion of a notes ref name (``expand_notes_ref``)."""
    if name.startswith("refs/notes/"):
        return name
    if name.startswith("notes/"):
        return "refs/" + name
    return "refs/notes/" + name


def _known(text: str | None) -> bool:
    return text is not None and "$" not in text and "`" not in text


def notes_refs(args: list[_Word], keys: list[str]) -> list[str]:
    """``git notes [--ref R] add|append|copy|edit|merge|remove|prune``: writes a notes ref."""
    pos, values, _ = _split(args, _opts("--ref -m -F -C -c -s --strategy"))
    action = pos[0].text if pos else "list"
    if action in ("list", "show", "get-ref"):
        return []
    if any(k.strip().lower() == "core.notesref" for k in keys):
        return [ANY_NOTES]
    if "--ref" not in values:
        return [NOTES_DEFAULT]
    word = values["--ref"]
    if not word.literal or not _known(word.text):
        return [ANY_NOTES]
    ref = notes_ref(word.text)
    return [ref] if ref == word.text else [ref, word.text]  # the name as given, too


def config_notes(env: _Env, key: str, value: str | None) -> bool:
    """A kept write of ``core.notesRef``/``notes.rewriteRef``: later commands write its value
    (``value`` None: unknown, any notes ref). False for any other key."""
    if key.strip().lower() not in ("core.notesref", "notes.rewriteref"):
        return False
    ref = notes_ref(value) if value is not None and _known(value) and value else ANY_NOTES
    env.out.find(REF_WRITE, f"git config {key}", env.ctx.cwd, (ref,))
    return True
