"""argparse for the hot paths (click costs 15–25 ms of import), with usage errors as exit 2."""

from __future__ import annotations

import argparse

from workspace_guard.errors import UsageError


class Parser(argparse.ArgumentParser):
    """Usage errors raise `UsageError` so the one error boundary reports them."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, hint=self.format_usage().strip())
