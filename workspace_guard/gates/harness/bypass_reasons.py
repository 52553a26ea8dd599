"""The refusal of each class of hook bypass or enforcement setting, in its own words.

The Bash analysis (``bash/gitconfig.py``) marks every ``bypass`` finding with its class and the
setting it names; a refusal says which setting and why that class matters, rather than one
sentence about ``core.hooksPath`` for all of them.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash import gitconfig as g
from workspace_guard.i18n import N_, _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.syntax import Finding

# {key}: the setting (when the class has one); {detail}: what the analysis saw
_REASONS = {
    g.HOOKS: N_(
        "The command changes the git setting `{key}`, which tells git where the hooks are "
        "({detail}): the workspace protocol's git hooks would not run. That is never "
        "allowed; leave core.hooksPath as `workspace-guard install` set it."
    ),
    g.PROGRAM: N_(
        "The command sets the git setting `{key}`, whose value git runs as a program (an "
        "editor, pager, `!` alias, driver, filter or helper) in later git commands, hooks or "
        "not, where the gate cannot read it ({detail}). Such settings are not changed through "
        "the agent harness: pass it for one command with `git -c` if it is harmless, or ask a "
        "person to set it."
    ),
    g.WORKTREE_CONFIG: N_(
        "The command changes the git setting `{key}`, which gives git a second configuration "
        "file per worktree or another work tree ({detail}), where the hooks could be moved "
        "unseen. It is not changed through the agent harness: ask a person."
    ),
    g.INCLUDE: N_(
        "The command changes the git setting `{key}`, which makes git read settings, attributes"
        " or hook templates from another file the gate does not check ({detail}). It is not "
        "changed through the agent harness: ask a person."
    ),
    g.REMOTE: N_(
        "The command changes `{key}`, which decides where the trusted remote's refs come from, "
        "or gives git a URL that runs a program ({detail}): the rules the local layers trust "
        "could be replaced. Add another remote under a new name instead."
    ),
    g.OWN: N_(
        "The command changes workspace-guard's own setting `{key}` ({detail}), which decides "
        "which rules are trusted and how the hooks run; only `workspace-guard install`, run by "
        "a person, writes it."
    ),
    g.RUNTIME: N_(
        "The command changes a git setting only known at run time ({detail}): it may be "
        "core.hooksPath or another setting that matters to enforcement, so it is refused. Write"
        " the key, the file and the git subcommand literally."
    ),
    g.SECTION: N_(
        "The command renames or removes a git config section that holds settings which matter "
        "to enforcement ({detail}); that is not done through the agent harness."
    ),
    g.EDIT: N_(
        "The command opens the git configuration for editing ({detail}): any setting may "
        "change, core.hooksPath included, so it is refused. Set one key with `git config KEY "
        "VALUE` instead."
    ),
    g.NO_VERIFY: N_(
        "The command skips the workspace protocol's git hooks ({detail}); that is never "
        "allowed: commit without --no-verify and leave core.hooksPath alone."
    ),
}


def bypass_reason(finding: Finding) -> str:
    """The refusal of one ``bypass`` finding (``args``: class, then the setting when known)."""
    cls = finding.args[0] if finding.args else g.NO_VERIFY
    key = finding.args[1] if len(finding.args) > 1 else ""
    text = _REASONS.get(cls, _REASONS[g.NO_VERIFY])
    return _(text).format(key=key, detail=finding.detail)
