"""`workspace-guard check-msg FILE` and `parse-msg FILE`: the commit template and git's message
rules, outside a commit (for editors, CI and scripts). `-` reads the message from stdin."""

from __future__ import annotations

import json
import os
import sys

from workspace_guard import git
from workspace_guard.core.message import (
    MessageEncodingError,
    decode,
    parse_message,
    resolve_comment_char,
)
from workspace_guard.core.message import to_json as message_json
from workspace_guard.core.template import to_json as template_json
from workspace_guard.errors import UsageError
from workspace_guard.gates.commit import hooks as commit
from workspace_guard.gates.commit.report import report
from workspace_guard.i18n import _
from workspace_guard.repo import Repo


def read(path: str) -> bytes:
    """The message bytes of FILE, or of stdin for `-`."""
    return sys.stdin.buffer.read() if path == "-" else commit.read_message(path)


def check_msg(repo: Repo, file: str, *, staged: bool, fmt: str) -> int:
    """Check a message against the template (and, with `staged`, the staged changes)."""
    check = commit.check_message(repo, read(file), staged=staged)
    if fmt == "json":
        payload = template_json(check.result)
        payload["ok"] = check.ok
        payload["violations"] = [
            {"id": v.id, "message": v.message, "path": v.path} for v in check.violations
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        report(check, file, stream=sys.stdout, hook=False)
        if check.ok:
            print(_("{file}: ok").format(file=file))
    return 0 if check.ok else 1


def parse_msg(file: str, cleanup: str | None) -> int:
    """Print the message as git would store it, parsed: subject, type, area, body, trailers."""
    raw = read(file)
    settings = git.config_values(os.getcwd(), commit.CONFIG_KEYS)
    try:
        text = decode(raw)
    except MessageEncodingError as exc:
        raise UsageError(_("cannot parse {file}: {error}").format(file=file, error=exc)) from exc
    comment = resolve_comment_char(commit.comment_setting(settings), text)
    msg = parse_message(
        text,
        cleanup_mode=cleanup or commit.cleanup_mode(settings),
        comment=comment,
        known_keys=commit.known_trailer_keys(settings),
    )
    print(json.dumps(message_json(msg), ensure_ascii=False, indent=2))
    return 0
