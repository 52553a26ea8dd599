"""`workspace-guard claim`, `release` and `claims`."""

from __future__ import annotations

import json

import click

from workspace_guard.cli import format_option, rules_option

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.repo import Repo


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--agent", metavar="AGENT", help="The claiming agent (default: WORKSPACE_AGENT).")
@click.option(
    "--as-service",
    "service",
    metavar="NAME",
    help="Claim as a service of the rules (`harness: services`): a script no harness runs (CI).",
)
@click.option("--ttl", metavar="DURATION", help="How long the claim lasts (default 30m).")
@click.option("--shared", is_flag=True, help="Others may work there too (a notice, not a lock).")
@click.option("--note", default="", help="What you are doing (shown to other agents).")
@click.option(
    "--keep-after-commit",
    is_flag=True,
    help="Keep the claim when your commit of the path is made (default: released).",
)
@rules_option
def claim(
    paths: tuple[str, ...],
    agent: str | None,
    service: str | None,
    ttl: str | None,
    shared: bool,
    note: str,
    keep_after_commit: bool,
    rules: str | None,
) -> int:
    """Claim PATH|PATTERN…: other agents' writes there are denied until the claim ends.

    A claim never grants: your own writes still need the rules to allow them.
    """
    from workspace_guard.commands import claims as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    seconds = impl.parse_ttl(ttl)  # bad input is a usage error before anyone is asked
    if service is not None:
        who = impl.service_identity(repo, service, agent)
    else:
        who = impl.speaking_agent(repo, agent, "claim")
    made = impl.claim(
        repo,
        who,
        list(paths),
        ttl=seconds,
        shared=shared,
        note=note,
        release_on_commit=not keep_after_commit,
    )
    for item in made:
        click.echo(impl.describe(item))
    return 0


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Release every claim of the agent.")
@click.option("--agent", metavar="AGENT", help="The releasing agent (default: WORKSPACE_AGENT).")
@click.option(
    "--as-service",
    "service",
    metavar="NAME",
    help="Release the claims of a service of the rules (`harness: services`), only its own.",
)
@click.option(
    "--break",
    "force",
    is_flag=True,
    help="A superuser breaks other agents' claims on PATH… (audited).",
)
@rules_option
def release(
    paths: tuple[str, ...],
    everything: bool,
    agent: str | None,
    service: str | None,
    force: bool,
    rules: str | None,
) -> int:
    """Release claims on PATH… (or --all). Exit 1 when nothing was released."""
    from workspace_guard.commands import claims as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    if service is not None:
        if force:
            from workspace_guard.errors import UsageError
            from workspace_guard.i18n import _

            raise UsageError(_("a service releases only its own claims: --break is a superuser's"))
        who = impl.service_identity(repo, service, agent)
    else:
        who = impl.speaking_agent(repo, agent, "release")
    dropped = impl.release(repo, who, list(paths), everything=everything, force=force)
    from workspace_guard.i18n import _

    for item in dropped:
        line = _("broken: {claim}") if item.agent != who else _("released: {claim}")
        click.echo(line.format(claim=impl.describe(item)))
    if not dropped:
        click.echo(_("no matching claim"), err=True)
        return 1
    return 0


@click.command()
@format_option("text", "json")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the claims file against the audit log; exit 1 when claims records were cut.",
)
@rules_option
def claims(fmt: str, verify: bool, rules: str | None) -> int:
    """List the live claims (every worktree of the repository shares them)."""
    from workspace_guard.commands import claims as impl
    from workspace_guard.repo import Repo

    repo = Repo.discover(rules_option=rules)
    if verify:
        return _verify(repo, fmt)
    items = impl.listing(repo)
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in items], ensure_ascii=False, indent=2))
        return 0
    if not items:
        from workspace_guard.i18n import _

        click.echo(_("no claims"))
    for item in items:
        click.echo(impl.describe(item))
    return 0


def _verify(repo: Repo, fmt: str) -> int:
    from workspace_guard.commands import claims as impl
    from workspace_guard.i18n import _

    problems, notes = impl.verify(repo)
    if fmt == "json":
        answer = {"ok": not problems, "problems": problems, "notes": notes}
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        for line in problems:
            click.echo(_("problem: {text}").format(text=line))
        for line in notes:
            click.echo(_("note: {text}").format(text=line))
        if not problems:
            click.echo(_("the claims file agrees with the audit log"))
    return 1 if problems else 0
