"""The error types every layer raises; the CLI boundary maps them to the contract's exit codes.

Expected failures are `GuardError`s: they carry a one-paragraph message and an optional hint and
never produce a traceback. Anything else is a bug and becomes exit 3 with a log path.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class GuardError(Exception):
    """An expected failure with a user-facing message (exit 2 unless a subclass says otherwise)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The message as printed on stderr: the paragraph, then `hint: …` when there is one."""
        from workspace_guard.i18n import _

        text = f"workspace-guard: {self.message}"
        if self.hint:
            text += "\n" + _("hint: {hint}").format(hint=self.hint)
        return text


class UsageError(GuardError):
    """Wrong arguments or options."""


class ConfigError(GuardError):
    """The rules file cannot be used: unreadable, malformed, or inconsistent."""


class UnknownAgentError(GuardError):
    """An agent name that the rules' registry does not contain."""


class PathError(GuardError):
    """A path that cannot be decided: outside the repository, NUL bytes, undecodable."""


class GitError(GuardError):
    """git is missing, or the directory is not a repository, or a git command failed."""


class NotARepository(GitError):
    """The directory is in no git repository (told apart from git's other failures)."""


class Denied(GuardError):
    """A request the protocol refuses (exit 1), e.g. an approval by someone who may not approve."""

    exit_code = EXIT_VIOLATION
