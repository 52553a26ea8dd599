"""`workspace-guard import mestore DIR` · `import codeowners FILE` · `export codeowners`

Adoption (contract §9). Imports write a rules file (stdout, or `-o FILE`) and report every finding
on stderr (`--format json` for a machine-readable report, `--report FILE` to keep it apart); they
import what can be imported and never stop at a bad line. Exit 0 when the rules are complete,
1 when the report has errors (the rules are still written, to be fixed by hand), 2 on bad usage.
`export codeowners` reads the rules as every command does (trust rule, contract §3).
"""

from __future__ import annotations

import click

from workspace_guard.cli import format_option, rules_option

OUTPUT_HELP = "Write the rules to FILE instead of stdout (parent folders are created)."


@click.group("import")
def import_group() -> None:
    """Turn existing protocol documents into a rules file."""


@click.group("export")
def export_group() -> None:
    """Write the rules in another tool's format."""


@import_group.command("mestore")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("-o", "--output", metavar="FILE", help=OUTPUT_HELP)
@click.option("--report", "report_file", metavar="FILE", help="Write the report to FILE.")
@format_option("text", "json")
def import_mestore(directory: str, output: str | None, report_file: str | None, fmt: str) -> int:
    """Read the protocol workspace at DIR (.workspace/PROTECTED_FILES.md, RESPONSIBLE_AGENTS.md,
    per-file metadata, .claude/agents/*.md, offices) and write the rules it describes."""
    from workspace_guard.commands import adopt

    return adopt.import_mestore(directory, output, report_file, fmt)


@import_group.command("codeowners")
@click.argument("file", metavar="FILE")
@click.option("-o", "--output", metavar="FILE", help=OUTPUT_HELP)
@click.option("--report", "report_file", metavar="FILE", help="Write the report to FILE.")
@click.option(
    "--level",
    type=click.Choice(["high", "critical"]),
    default="high",
    show_default=True,
    help="Level of every owned line (CODEOWNERS has no levels).",
)
@click.option("--escalation", metavar="AGENT", help="The escalation agent (default: the rules').")
@click.option(
    "--superuser",
    "superusers",
    metavar="AGENT",
    multiple=True,
    help="A superuser (repeatable; default: the rules').",
)
@click.option(
    "--handle",
    "handles",
    metavar="AGENT=OWNER",
    multiple=True,
    help="Map an owner back to an agent, e.g. security-ai=@org/security (repeatable).",
)
@format_option("text", "json")
@rules_option
def import_codeowners(
    *,
    file: str,
    output: str | None,
    report_file: str | None,
    level: str,
    escalation: str | None,
    superusers: tuple[str, ...],
    handles: tuple[str, ...],
    fmt: str,
    rules: str | None,
) -> int:
    """Read a GitHub CODEOWNERS FILE (GitLab sections are flattened, with a warning).

    Inside a repository whose rules load, their `handles:`, escalation and superusers are the
    defaults, so `export codeowners` followed by `import codeowners` keeps every decision.
    """
    from workspace_guard.commands import adopt

    options = adopt.CodeownersImport(level, escalation, list(superusers), list(handles), rules)
    return adopt.import_codeowners(file, options, output, report_file, fmt)


@export_group.command("codeowners")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (e.g. .github/CODEOWNERS).")
@click.option(
    "--handle",
    "handles",
    metavar="AGENT=OWNER",
    multiple=True,
    help="Owner to write for an agent (repeatable; adds to the rules' `handles:`).",
)
@rules_option
def export_codeowners(output: str | None, handles: tuple[str, ...], rules: str | None) -> int:
    """Write the trusted rules as a GitHub CODEOWNERS file (offices last, so they win)."""
    from workspace_guard.commands import adopt
    from workspace_guard.repo import Repo

    return adopt.export_codeowners(Repo.discover(rules_option=rules), list(handles), output)
