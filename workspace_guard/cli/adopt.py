"""`workspace-guard import mestore DIR` · `import codeowners FILE` · `export codeowners`

Adoption (contract §9). Imports write a rules file (stdout, or `-o FILE`) and report every finding
on stderr (`--format json` for a machine-readable report, `--report FILE` to keep it apart); they
import what can be imported and never stop at a bad line. Exit 0 when the rules are complete,
1 when the report has errors (the rules are still written, to be fixed by hand), 2 on bad usage.
`export codeowners` reads the rules as every command does (trust rule, contract §3).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workspace_guard.cli import format_option, rules_option
from workspace_guard.fsutil import atomic_write

if TYPE_CHECKING:
    from workspace_guard.adopt.report import ImportResult
    from workspace_guard.core.model import Rules

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
    from workspace_guard.adopt.mestore import import_mestore as read

    if not os.path.isdir(directory):
        from workspace_guard.errors import UsageError

        raise UsageError(f"no such directory: {directory}")
    result = read(Path(directory))
    header = import_header(f"the protocol workspace {os.path.abspath(directory)}")
    return finish(result, header, output, report_file, fmt)


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
    from workspace_guard.adopt.codeowners import import_codeowners as read

    text = read_text(file)
    base = existing_rules(rules)
    handle_map = {**(base.handles if base else {}), **parse_handles(handles)}
    chosen = escalation or (base.escalation if base else None)
    result = read(text, filename=file, handle_map=handle_map, level=level, escalation=chosen)
    keep_superusers(result, list(superusers) or (list(base.superusers) if base else []))
    if base is not None and not (escalation and superusers):
        result.note(
            "info",
            f"{base.path}:1",
            "escalation, superusers and handles default to those of these rules",
        )
    return finish(result, import_header(f"the CODEOWNERS file {file}"), output, report_file, fmt)


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
    from workspace_guard.adopt.codeowners import export_codeowners as write
    from workspace_guard.repo import Repo

    loaded = Repo.discover(rules_option=rules).load_rules()
    emit(write(loaded, handles=parse_handles(handles)), output)
    return 0


# --- helpers --------------------------------------------------------------------------------------


def import_header(what: str) -> str:
    """The comment block on top of an imported rules file."""
    return (
        f"workspace-guard rules imported from {what}.\n"
        "Each entry names the document line it came from. Review them, then commit this file\n"
        "as .workspace/rules.yaml: from then on every layer enforces it."
    )


def finish(
    result: ImportResult, header: str, output: str | None, report_file: str | None, fmt: str
) -> int:
    """Write the rules, check they load, report; exit 1 when the report has errors."""
    from workspace_guard.adopt.emit import dump_rules
    from workspace_guard.adopt.report import report_json, report_text

    text = dump_rules(result, header=header)
    check_loads(result, text, output or "<stdout>")
    emit(text, output)
    if fmt == "json":
        payload = {**report_json(result), "output": output}
        report = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    else:
        report = report_text(result.findings)
    if report_file:
        write_file(report_file, report)
    else:
        sys.stderr.write(report)
    return 1 if result.has_errors else 0


def check_loads(result: ImportResult, text: str, name: str) -> None:
    """The written rules must load as they are; every problem becomes an error finding."""
    from workspace_guard.core.rules import RulesError, load_rules

    try:
        load_rules(text, name)
    except RulesError as exc:
        for problem in exc.problems:
            result.note("error", f"{name}:{problem.line}", f"the written rules: {problem.message}")


def existing_rules(option: str | None) -> Rules | None:
    """The repository's trusted rules when there are usable ones (defaults for the import)."""
    from workspace_guard.errors import GuardError
    from workspace_guard.repo import DEFAULT_RULES, Repo

    try:
        repo = Repo.discover(rules_option=option)
        if option is None and not repo.info.rules_blob:
            root = repo.info.root
            if not root or not os.path.exists(os.path.join(root, DEFAULT_RULES)):
                return None
        return repo.load_rules()
    except GuardError:
        if option:
            raise
        return None


def keep_superusers(result: ImportResult, superusers: list[str]) -> None:
    """Superusers cannot be written in CODEOWNERS: they come from the options or the rules."""
    if not superusers:
        return
    data = result.data
    data["superusers"] = list(dict.fromkeys(superusers))
    agents = data.setdefault("agents", {})
    for name in superusers:
        agents.setdefault(name, {})
        result.sources.setdefault(f"agent:{name}", "--superuser")
    data["agents"] = dict(sorted(agents.items()))
    result.sources["superusers"] = "--superuser"


def parse_handles(items: tuple[str, ...]) -> dict[str, str]:
    """`AGENT=OWNER` pairs."""
    from workspace_guard.errors import UsageError

    table: dict[str, str] = {}
    for item in items:
        agent, sep, owner = item.partition("=")
        if not sep or not agent.strip() or not owner.strip():
            raise UsageError(
                f"--handle {item!r}: expected AGENT=OWNER, e.g. security-ai=@org/security"
            )
        table[agent.strip()] = owner.strip()
    return table


def read_text(file: str) -> str:
    """A text file (`-` for stdin); undecodable bytes are replaced, never fatal."""
    from workspace_guard.errors import UsageError

    try:
        if file == "-":
            return sys.stdin.buffer.read().decode("utf-8", "replace")
        with open(file, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from exc


def emit(text: str, output: str | None) -> None:
    """`text` to stdout or to the file `output` (`-` is stdout)."""
    if output and output != "-":
        write_file(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def write_file(path: str, text: str) -> None:
    """Write atomically; a failure is a usage error naming the file."""
    from workspace_guard.errors import UsageError

    try:
        atomic_write(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
