"""`workspace-guard check-msg FILE` and `parse-msg FILE`"""

from __future__ import annotations

import json
import sys

import click

from workspace_guard.cli import format_option, rules_option


def _read(path: str) -> bytes:
    from workspace_guard.gates.commit.hooks import read_message

    return sys.stdin.buffer.read() if path == "-" else read_message(path)


@click.command("check-msg")
@click.argument("file")
@click.option("--staged", is_flag=True, help="Also check ownership of the staged changes.")
@format_option("text", "json")
@rules_option
def check_msg(file: str, staged: bool, fmt: str, rules: str | None) -> int:
    """Check a commit message against the template (exit 1 on violations); - reads stdin."""
    from workspace_guard.core.template import to_json
    from workspace_guard.gates.commit.hooks import check_message, report
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    check = check_message(repo, _read(file), staged=staged)
    if fmt == "json":
        payload = to_json(check.result)
        payload["ok"] = check.ok
        payload["violations"] = [
            {"id": v.id, "message": v.message, "path": v.path} for v in check.violations
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        report(check, file, stream=sys.stdout, hook=False)
        if check.ok:
            click.echo(f"{file}: ok")
    return 0 if check.ok else 1


@click.command("parse-msg")
@click.argument("file")
@click.option(
    "--cleanup",
    type=click.Choice(["strip", "whitespace", "verbatim", "scissors"]),
    default=None,
    help="Cleanup mode (default: commit.cleanup, else strip).",
)
@rules_option
def parse_msg(file: str, cleanup: str | None, rules: str | None) -> int:
    """Print a commit message as JSON: subject, type, area, description, body, trailers."""
    from workspace_guard.core.message import (
        MessageEncodingError,
        decode,
        parse_message,
        resolve_comment_char,
        to_json,
    )
    from workspace_guard.errors import UsageError
    from workspace_guard.gates.commit import hooks as commit

    raw = _read(file)
    settings = _settings()
    try:
        text = decode(raw)
    except MessageEncodingError as exc:
        raise UsageError(f"{file}: {exc}") from exc
    comment = resolve_comment_char(commit.comment_setting(settings), text)
    msg = parse_message(
        text,
        cleanup_mode=cleanup or commit.cleanup_mode(settings),
        comment=comment,
        known_keys=commit.known_trailer_keys(settings),
    )
    click.echo(json.dumps(to_json(msg), ensure_ascii=False, indent=2))
    return 0


def _settings() -> dict[str, list[str]]:
    """Git's message settings (inside a repository: its config; elsewhere: user config)."""
    import os

    from workspace_guard import git
    from workspace_guard.gates.commit.hooks import CONFIG_KEYS

    return git.config_values(os.getcwd(), CONFIG_KEYS)
