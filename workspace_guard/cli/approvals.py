"""`workspace-guard approve`, `approvals`, `consult` and `consultations`."""

from __future__ import annotations

import json
import time

import click

from workspace_guard.cli import format_option, rules_option
from workspace_guard.core.duration import parse_ttl


@click.command()
@click.argument("agent")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--by",
    "approver",
    required=True,
    metavar="APPROVER",
    help="The owner, a backup or a superuser giving the approval.",
)
@click.option("--ttl", metavar="DURATION", help="How long it lasts (default 8h; `never`).")
@click.option("--note", default="", help="Why (kept in the audit log).")
@rules_option
def approve(
    agent: str, paths: tuple[str, ...], approver: str, ttl: str | None, note: str, rules: str | None
) -> int:
    """Record that APPROVER lets AGENT change PATH… (honoured by validate and the harness hooks)."""
    from workspace_guard.commands import approvals
    from workspace_guard.repo import Repo

    seconds = parse_ttl(ttl)  # a bad --ttl is a usage error before anything else
    repo = Repo.discover(rules_option=rules)
    for line in approvals.approve(repo, agent, list(paths), approver, seconds, note=note):
        click.echo(line)
    return 0


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include expired approvals.")
@format_option("text", "json")
@rules_option
@click.pass_context
def approvals(ctx: click.Context, show_all: bool, fmt: str, rules: str | None) -> int:
    """List recorded approvals (live ones unless --all)."""
    if ctx.invoked_subcommand is not None:
        return 0
    from workspace_guard.repo import Repo
    from workspace_guard.state.approvals import all_approvals, live_approvals

    repo = Repo.discover(rules_option=rules)
    items = all_approvals(repo.state_dir) if show_all else live_approvals(repo.state_dir)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "agent": a.agent,
                        "path": a.path,
                        "approver": a.approver,
                        "until": a.until,
                    }
                    for a in items
                ],
                indent=2,
            )
        )
        return 0
    from workspace_guard.i18n import _

    if not items:
        click.echo(_("no approvals"))
    for a in items:
        if a.until is None:
            line = _("{id}  {agent} may change {path} — approved by {approver}, never expires")
        else:
            line = _("{id}  {agent} may change {path} — approved by {approver}, until {until}")
        until = time.strftime("%Y-%m-%d %H:%M", time.localtime(a.until or 0))
        click.echo(
            line.format(id=a.id, agent=a.agent, path=a.path, approver=a.approver, until=until)
        )
    return 0


@approvals.command()
@click.argument("ids", nargs=-1, required=True)
@rules_option
def revoke(ids: tuple[str, ...], rules: str | None) -> int:
    """Revoke approvals by id."""
    from workspace_guard.commands import approvals as impl
    from workspace_guard.i18n import _
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    missing = impl.revoke(repo, list(ids))
    for ident in missing:
        click.echo(_("no approval {id}").format(id=ident), err=True)
    return 1 if missing else 0


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--agent", help="The agent asking.")
@click.option("--reason", default="", help="What you want to change and why.")
@click.option("--approve", "verdict", flag_value="approve", help="`answer ID`: approve it.")
@click.option("--decline", "verdict", flag_value="decline", help="`answer ID`: decline it.")
@click.option("--by", "by", metavar="AGENT", help="`answer ID`: who answers (itself).")
@click.option("--ttl", metavar="DURATION", help="`answer ID --approve`: how long (default 8h).")
@rules_option
def consult(
    paths: tuple[str, ...],
    agent: str | None,
    reason: str,
    verdict: str | None,
    by: str | None,
    ttl: str | None,
    rules: str | None,
) -> int:
    """File a consultation request with the owners of PATH… (`consult PATH… --agent A`), or
    answer one (`consult answer ID --approve|--decline --by OWNER`)."""
    from workspace_guard.commands import consult as impl
    from workspace_guard.errors import UsageError
    from workspace_guard.i18n import _
    from workspace_guard.repo import Repo

    example = _("for example: {command}")
    if paths[0] == "answer":
        if len(paths) != 2 or verdict is None or not by:
            raise UsageError(
                _("`consult answer` takes one consultation id, --approve or --decline, and --by"),
                hint=example.format(
                    command="workspace-guard consult answer ID --approve --by OWNER"
                ),
            )
        seconds = parse_ttl(ttl)
        repo = Repo.discover(rules_option=rules)
        lines = impl.answer(repo, paths[1], approve=verdict == "approve", by=by, ttl=seconds)
    else:
        if not agent:
            raise UsageError(
                _("`consult PATH…` needs --agent (the agent asking)"),
                hint=example.format(
                    command="workspace-guard consult app/main.py --agent backend-framework-ai"
                ),
            )
        repo = Repo.discover(rules_option=rules)
        lines = impl.file(repo, agent, list(paths), reason)
    for line in lines:
        click.echo(line)
    return 0


@click.command()
@click.option("--owner", help="Only requests addressed to this agent.")
@format_option("text", "json")
@rules_option
def consultations(owner: str | None, fmt: str, rules: str | None) -> int:
    """List consultation requests (what agents asked the owners)."""
    from workspace_guard.commands import approvals as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    items = impl.consultations(repo, owner)
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    from workspace_guard.i18n import _

    if not items:
        click.echo(_("no consultation requests"))
    for item in items:
        line = f"{item['id']}  {item['ts']}  {item['agent']} → {', '.join(item['owners'])}: "
        line += ", ".join(item["paths"])
        if item["reason"]:
            line += f" — {item['reason']}"
        if item["filed_by"] == "workspace-guard":
            line += " " + _("(filed by workspace-guard)")
        if item["answer"]:
            by = _("[approve by {agent}]") if item["answer"] == "approve" else None
            by = by or _("[decline by {agent}]")
            line += " " + by.format(agent=item["answered_by"])
        click.echo(line)
    return 0
