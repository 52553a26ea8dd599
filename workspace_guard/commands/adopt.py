"""`import mestore DIR`, `import codeowners FILE`, `export codeowners` (contract §9).

Imports write a rules file (stdout, or `-o FILE`) and report every finding on stderr (`--format
json` for a machine-readable report, `--report FILE` to keep it apart); they import what can be
imported and never stop at a bad line. Exit 0 when the rules are complete, 1 when the report has
errors (the rules are still written, to be fixed by hand), 2 on bad usage.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from workspace_guard.adopt.codeowners import export_codeowners as write_codeowners
from workspace_guard.adopt.codeowners import import_codeowners as read_codeowners
from workspace_guard.adopt.emit import dump_rules
from workspace_guard.adopt.mestore import import_mestore as read_mestore
from workspace_guard.adopt.report import ImportResult, report_json, report_text
from workspace_guard.core.model import Rules
from workspace_guard.core.rules import RulesError, load_rules
from workspace_guard.errors import GuardError, UsageError
from workspace_guard.fsutil import atomic_write
from workspace_guard.i18n import _, choose_for_workspace, set_language, strerror
from workspace_guard.repo import DEFAULT_RULES, Repo


@dataclass(frozen=True)
class CodeownersImport:
    """What CODEOWNERS cannot say, from the command line (else from the repository's rules)."""

    level: str
    escalation: str | None
    superusers: list[str]
    handles: list[str]
    rules: str | None


def import_mestore(directory: str, output: str | None, report_file: str | None, fmt: str) -> int:
    """Read the protocol workspace at DIR and write the rules it describes."""
    if not os.path.isdir(directory):
        raise UsageError(_("no such directory: {path}").format(path=directory))
    result = read_mestore(Path(directory))
    header = import_header(f"the protocol workspace {os.path.abspath(directory)}")
    return finish(result, header, output, report_file, fmt)


def import_codeowners(
    file: str, options: CodeownersImport, output: str | None, report_file: str | None, fmt: str
) -> int:
    """Read a CODEOWNERS file; the repository's rules (when usable) give the defaults and the
    language of the findings."""
    choose_for_workspace(os.getcwd())
    text = read_text(file)
    base = existing_rules(options.rules)
    handle_map = {**(base.handles if base else {}), **parse_handles(options.handles)}
    chosen = options.escalation or (base.escalation if base else None)
    result = read_codeowners(
        text, filename=file, handle_map=handle_map, level=options.level, escalation=chosen
    )
    keep_superusers(result, options.superusers or (list(base.superusers) if base else []))
    if base is not None and not (options.escalation and options.superusers):
        result.note(
            "info",
            f"{base.path}:1",
            _("escalation, superusers and handles default to those of these rules"),
        )
    return finish(result, import_header(f"the CODEOWNERS file {file}"), output, report_file, fmt)


def export_codeowners(repo: Repo, handles: list[str], output: str | None) -> int:
    """Write the trusted rules as a CODEOWNERS file."""
    emit(write_codeowners(repo.load_rules(), handles=parse_handles(handles)), output)
    return 0


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
    """Write the rules, check they load, report (in the language of the imported rules, where
    they have one); exit 1 when the report has errors."""
    if result.data.get("language"):
        set_language(result.data["language"])
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
    try:
        load_rules(text, name)
    except RulesError as exc:
        for problem in exc.problems:
            result.note(
                "error",
                f"{name}:{problem.line}",
                _("the written rules: {message}").format(message=problem.message),
            )


def existing_rules(option: str | None) -> Rules | None:
    """The repository's trusted rules when there are usable ones (defaults for the import)."""
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


def parse_handles(items: list[str]) -> dict[str, str]:
    """`AGENT=OWNER` pairs."""
    table: dict[str, str] = {}
    for item in items:
        agent, sep, owner = item.partition("=")
        if not sep or not agent.strip() or not owner.strip():
            raise UsageError(
                _("--handle {item!r}: expected AGENT=OWNER, e.g. security-ai=@org/security").format(
                    item=item
                )
            )
        table[agent.strip()] = owner.strip()
    return table


def read_text(file: str) -> str:
    """A text file (`-` for stdin); undecodable bytes are replaced, never fatal."""
    try:
        if file == "-":
            return sys.stdin.buffer.read().decode("utf-8", "replace")
        with open(file, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError as exc:
        problem = strerror(exc)
        raise UsageError(
            _("cannot read {file}: {problem}").format(file=file, problem=problem)
        ) from exc


def emit(text: str, output: str | None) -> None:
    """`text` to stdout or to the file `output` (`-` is stdout)."""
    if output and output != "-":
        write_file(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def write_file(path: str, text: str) -> None:
    """Write atomically; a failure is a usage error naming the file."""
    try:
        atomic_write(path, text)
    except OSError as exc:
        problem = strerror(exc)
        raise UsageError(
            _("cannot write {path}: {problem}").format(path=path, problem=problem)
        ) from exc
