"""`workspace-guard provenance PATH… [--format json] [--verify]`"""

from __future__ import annotations

import json

import click

from workspace_guard.cli import format_option, rules_option


@click.command()
@click.argument("paths", nargs=-1, metavar="PATH…")
@click.option("--verify", "check", is_flag=True, help="Check the ledger was not edited or cut.")
@format_option("text", "json")
@rules_option
def command(paths: tuple[str, ...], check: bool, fmt: str, rules: str | None) -> int:
    """Who wrote which version of each PATH (the provenance ledger the harness hooks keep).

    Exit 0; with --verify, 1 when the ledger was altered (each break named by its line).
    """
    from workspace_guard.errors import UsageError
    from workspace_guard.i18n import _
    from workspace_guard.repo import Repo

    if not paths and not check:
        usage = _("usage: {prog} {usage}")
        raise UsageError(
            _("no path given"),
            hint=usage.format(prog="workspace-guard provenance", usage="PATH… | --verify"),
        )
    repo = Repo.discover(rules_option=rules)
    code = _verify(repo.state_dir, fmt) if check else 0
    if paths:
        from workspace_guard.commands.provenance import report, text

        items = report(repo, list(paths))
        if fmt == "json":
            click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        else:
            for item in items:
                click.echo("\n".join(text(item)))
    return code


def _verify(state_dir: str, fmt: str) -> int:
    """Recompute the chain; problems on stderr with `FILE:LINE`."""
    import os

    from workspace_guard.i18n import _, ngettext
    from workspace_guard.state import ledger

    count, problems = ledger.verify(state_dir)
    where = os.path.join(state_dir, ledger.LEDGER_FILE)
    for problem in problems:
        click.echo(f"{where}:{problem.line}: {problem.reason}", err=True)
    if problems:
        text = ngettext(
            "{label} altered: {n} problem in {count} records",
            "{label} altered: {n} problems in {count} records",
            len(problems),
        )
        click.echo(text.format(label=_("ledger"), n=len(problems), count=count), err=True)
        return 1
    text = ngettext("{label} intact: {count} record", "{label} intact: {count} records", count)
    text = text.format(label=_("ledger"), count=count)
    click.echo(text, err=fmt == "json")
    return 0
