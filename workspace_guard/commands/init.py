"""`init`: set a repository up for the protocol in one step, safely repeatable.

It writes `.workspace/rules.yaml` (imported from a seed workspace or a CODEOWNERS file, or the
bundled example), creates the offices, writes the validator shim that agent prompts already call,
installs the git hooks (and the harness hooks with `--claude`) and says what to do next. Every
step reports what it found; nothing that exists is overwritten without `--force`, so running it
again is harmless and shows the state of the setup.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workspace_guard import git
from workspace_guard.adopt.codeowners import import_codeowners
from workspace_guard.adopt.emit import dump_rules
from workspace_guard.adopt.mestore import import_mestore
from workspace_guard.adopt.protocol import DEFAULT_SOURCE
from workspace_guard.commands import harness_install, install
from workspace_guard.commands.lint_protocol import protocol_findings
from workspace_guard.core.rules import RulesError, load_rules
from workspace_guard.errors import ConfigError, GitError, UsageError
from workspace_guard.i18n import (
    N_,
    _,
    ngettext,
    set_language,
    severity,
    speaking,
    strerror,
)

if TYPE_CHECKING:
    from workspace_guard.core.model import Rules

RULES_PATH = ".workspace/rules.yaml"
SHIM_PATH = ".workspace/scripts/agent_workspace_validator.py"
KEEP_FILE = ".gitkeep"
SHIM_MARKER = "workspace-guard-managed"
MAX_LISTED = 12
LANGUAGE_LINE = re.compile(r"^language:\s*[\"']?([A-Za-z_-]+)", re.MULTILINE)


@dataclass
class Report:
    """What `init` did, step by step, and what the user must look at."""

    root: str
    steps: list[tuple[str, str]] = field(default_factory=list)  # (path shown, what happened)
    problems: list[str] = field(default_factory=list)  # findings that need a human
    escalation: str = "master-orchestrator"
    failed: bool = False  # the rules are not usable as they are (errors, not warnings)

    def add(self, path: str, action: str) -> None:
        self.steps.append((path, action))


@dataclass(frozen=True)
class Options:
    """The choices of `workspace-guard init`."""

    from_mestore: str | None = None
    from_codeowners: str | None = None
    force: bool = False
    claude: bool = False
    language: str | None = None


def init(cwd: str, options: Options) -> Report:
    """Run every step in the repository containing `cwd`."""
    if options.from_mestore and options.from_codeowners:
        raise UsageError(_("--from-mestore and --from-codeowners exclude each other"))
    root = repository_root(cwd)
    report = Report(root=root)
    text = write_rules(report, options)
    rules = load(report, text)
    if rules is not None:
        report.escalation = rules.escalation
        create_offices(report, [a.office for a in rules.agents.values() if a.office])
    write_shim(report, options.force or bool(options.from_mestore))
    if rules is not None:
        warn_protocol(report, rules)
    install_hooks(report, options.claude)
    return report


def repository_root(cwd: str) -> str:
    """The worktree root; a clear usage error (exit 2) outside a repository or in a bare one."""
    if not os.path.isdir(cwd):
        raise UsageError(_("no such directory: {path}").format(path=cwd))
    try:
        info = git.repo_info(os.path.abspath(cwd))
    except GitError as exc:
        raise UsageError(
            _("{path} is not inside a git repository: init sets up a repository").format(
                path=os.path.abspath(cwd)
            ),
            hint=_("run `git init` first (or cd into the repository), then `workspace-guard init`"),
        ) from exc
    if info.root is None:
        raise UsageError(
            _("{path} is a bare repository: init needs a working tree").format(path=cwd),
            hint=_(
                "in the shared bare repository, run `workspace-guard install --server .` instead"
            ),
        )
    return info.root


# --- the rules ------------------------------------------------------------------------------------


def write_rules(report: Report, options: Options) -> str | None:
    """Write the rules unless they exist; the text now in force (None: unreadable)."""
    path = os.path.join(report.root, RULES_PATH)
    source = options.from_mestore or options.from_codeowners
    if os.path.exists(path) and not options.force:
        text = read_existing(path)
        speak(text)
        if source:
            action = _("kept (it exists; {source} was not imported; --force replaces it)")
        else:
            action = _("kept (it exists; --force replaces it)")
        report.add(RULES_PATH, action.format(source=source))
        return text
    existed = os.path.exists(path)
    text, what, notes = rules_text(report, options)
    write_file(path, text)
    speak(text)
    action = _("replaced ({what})") if existed else _("written ({what})")
    report.add(RULES_PATH, action.format(what=_(what).format(source=source)))
    for note in notes:
        report.add(RULES_PATH, note)
    return text


def speak(text: str | None) -> None:
    """From here on, speak the language the rules ask for (before they are loaded: the text's
    `language:` line; WORKSPACE_GUARD_LANG still wins)."""
    found = LANGUAGE_LINE.search(text or "")
    set_language(found.group(1) if found else None)


def rules_text(report: Report, options: Options) -> tuple[str, str, list[str]]:
    """The new rules file, where it came from (a message to translate) and the importer's notes
    worth showing with it (what it protected by default, the language)."""
    if options.from_mestore:
        if not os.path.isdir(options.from_mestore):
            raise UsageError(
                _("--from-mestore {path}: no such directory").format(path=options.from_mestore)
            )
        result = import_mestore(Path(options.from_mestore), options.language)
        what = N_("imported from the workspace {source}")
    elif options.from_codeowners:
        with speaking(options.language):  # the findings in the language asked for
            result = import_codeowners(
                read_source(options.from_codeowners), filename=options.from_codeowners
            )
        what = N_("imported from {source}")
    else:
        return with_language(example_rules(), options.language), N_("the bundled example"), []
    if options.language:
        result.data["language"] = options.language
    set_language(result.data.get("language"))  # the findings are shown in the rules' language
    report.problems += [str(f) for f in result.findings if f.level != "info"]

    notes = [
        finding.message
        for finding in result.findings
        if finding.source == DEFAULT_SOURCE or "`language: es`" in finding.message
    ]
    report.failed = report.failed or result.has_errors
    source = options.from_mestore or options.from_codeowners
    header = (
        f"workspace-guard rules, {what.format(source=source)} by `workspace-guard init`.\n"
        "Review, then commit."
    )
    return dump_rules(result, header=header), what, notes


def with_language(text: str, language: str | None) -> str:
    """The example rules with a `language:` line added (only when asked)."""
    if not language:
        return text
    comment = "# Language of every message (WORKSPACE_GUARD_LANG wins)"
    return text.rstrip("\n") + f"\n\n{comment}\nlanguage: {language}\n"


def example_rules() -> str:
    """The bundled example (resources/example.yaml)."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, os.pardir, "resources", "example.yaml"), encoding="utf-8") as f:
        return f.read()


def read_source(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError as exc:
        raise UsageError(
            _("cannot read {path}: {error}").format(path=path, error=strerror(exc))
        ) from exc


def read_existing(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def load(report: Report, text: str | None) -> Rules | None:
    """The rules now in force, or None with the problems listed (offices are then skipped)."""
    if text is None:
        report.problems.append(_("{path}: cannot be read as UTF-8 text").format(path=RULES_PATH))
        report.failed = True
        return None
    try:
        return load_rules(text, RULES_PATH)
    except RulesError as exc:
        report.problems += [str(p) for p in exc.problems]
        report.failed = True
        report.add(
            _("offices"), _("skipped: the rules file has errors (fix it, then run init again)")
        )
        return None


# --- offices, shim, hooks -------------------------------------------------------------------------


def create_offices(report: Report, offices: list[str]) -> None:
    """Each office folder, with a `.gitkeep` so that git can track it while it is empty."""
    created: list[str] = []
    for office in sorted(set(offices)):
        target = os.path.normpath(os.path.join(report.root, office))
        if os.path.relpath(target, report.root).startswith(os.pardir):
            report.problems.append(
                _("office {office} is outside the repository: not created").format(office=office)
            )
            continue
        if os.path.isdir(target) and os.listdir(target):
            continue
        os.makedirs(target, exist_ok=True)
        keep = os.path.join(target, KEEP_FILE)
        if not os.path.exists(keep):
            Path(keep).touch()
            created.append(office)
    if not offices:
        report.add(_("offices"), _("none defined in the rules"))
        return
    existing = len(set(offices)) - len(created)
    where = os.path.commonpath([o.rstrip("/") for o in offices]) if len(offices) > 1 else offices[0]
    action = _("{created} created, {existing} already there").format(
        created=len(created), existing=existing
    )
    if len(created) <= MAX_LISTED and created:
        action += ": " + ", ".join(os.path.relpath(c, where) for c in created)
    report.add(_("offices in {path}/").format(path=where.rstrip("/")), action)


def write_shim(report: Report, replace: bool) -> None:
    """The validator at the path agent prompts run. A foreign one (the seed's own, which answers
    "PUEDE PROCEDER" to everything) is replaced with `--force` or `--from-mestore`, and kept
    beside it as `.orig`, which git ignores through `.git/info/exclude` (a local file, so
    `git add .workspace` does not commit the old validator back)."""
    path = os.path.join(report.root, SHIM_PATH)
    current = read_existing(path) if os.path.lexists(path) else None
    if current == SHIM:
        report.add(SHIM_PATH, _("up to date"))
        return
    if current is not None and SHIM_MARKER not in current and not replace:
        report.add(
            SHIM_PATH,
            _(
                "kept (not written by workspace-guard — the seed's own validator? "
                "--force replaces it and keeps it as agent_workspace_validator.py.orig)"
            ),
        )
        return
    action = _("written")
    if current is not None and SHIM_MARKER in current:
        action = _("updated")
    elif current is not None:
        os.replace(path, path + ".orig")
        exclude_from_git(report.root, "/" + SHIM_PATH + ".orig")
        action = _(
            "replaced: every agent prompt that runs it now gets workspace-guard's answer "
            "(the previous validator is kept as agent_workspace_validator.py.orig, "
            "ignored by git through .git/info/exclude)"
        )
    write_file(path, SHIM, mode=0o755)
    report.add(SHIM_PATH, action)


def exclude_from_git(root: str, pattern: str) -> None:
    """Add `pattern` to the repository's `info/exclude` (shared by its worktrees), once."""
    info = git.repo_info(root)
    path = os.path.join(info.common_dir, "info", "exclude")
    current = read_existing(path) or ""
    if pattern in current.splitlines():
        return
    text = current + ("" if not current or current.endswith("\n") else "\n") + pattern + "\n"
    write_file(path, text)


def warn_protocol(report: Report, rules: Rules) -> None:
    """The protocol holes `lint` reports (unprotected protocol files, no main-thread agent)."""
    for level, _id, message, _src in protocol_findings(rules, git.ls_files(report.root)):
        report.problems.append(f"{RULES_PATH}: {severity(level)}: {message}")


def install_hooks(report: Report, claude: bool) -> None:
    """The git hooks, and the Claude Code hooks when asked."""
    results = install.install(report.root)
    if claude:
        results += harness_install.install(report.root, "claude")
        results.append(harness_install.require_provenance(report.root))
    for path, action in results:
        shown = os.path.relpath(path, report.root) if path.startswith(report.root) else path
        report.add(shown, action)


def write_file(path: str, text: str, *, mode: int = 0o644) -> None:
    """Atomically, creating parent folders; a failure is a configuration error naming the file."""
    from workspace_guard.state import announce

    try:
        announce.write_file(path, text, mode=mode)  # announced: the daemon accepts it
    except OSError as exc:
        raise ConfigError(
            _("cannot write {path}: {error}").format(path=path, error=strerror(exc))
        ) from exc


# --- what to do next ------------------------------------------------------------------------------


def next_steps(report: Report) -> list[str]:
    """The few commands that finish the adoption."""
    steps = []
    if report.failed:
        steps.append(
            _(
                "Fix the problems listed above in {path}, then run "
                "`workspace-guard lint` until it is clean."
            ).format(path=RULES_PATH)
        )
    elif report.problems:
        steps.append(_("Read the findings listed above: each names the document line it is about."))
    steps.append(
        _("Review {path}: `workspace-guard lint`, `workspace-guard explain PATH`.").format(
            path=RULES_PATH
        )
    )
    if committed(report.root):
        steps.append(
            _(
                "{path} is committed at HEAD, so it is binding; commit every change "
                "to it the same way."
            ).format(path=RULES_PATH)
        )
    else:
        trailers = [
            "Workspace-Check: ✅ Consultado",
            f"Archivo: {RULES_PATH}",
            f"Agente: {report.escalation}",
            "Protocolo: SEGUIDO",
            "Tests: PASSED",
        ]
        command = " \\\n       ".join(
            [
                "git add .workspace && git commit -m 'chore(workspace): adopt the protocol'",
                *(f"--trailer '{t}'" for t in trailers),
            ]
        )
        steps.append(
            _(
                "Commit it — only the committed rules are binding (an agent cannot grant "
                "itself a file by editing the working-tree copy):"
            )
            + f"\n     {command}"
        )
    steps += [
        _(
            "Agents check before writing: agent_workspace_validator AGENT PATH "
            "(or python {path} AGENT PATH, as the protocol's prompts say)."
        ).format(path=SHIM_PATH),
        _("See who owns what: workspace-guard map -o workspace-map.html"),
    ]
    return steps


def committed(root: str) -> bool:
    """Whether the rules file is committed at HEAD (what every layer trusts)."""
    try:
        return git.repo_info(root, RULES_PATH).rules_blob is not None
    except GitError:
        return False


# --- the shim -------------------------------------------------------------------------------------
# Committed with the repository, so it names no machine-specific path: it finds workspace-guard in
# the interpreter that runs it, else through the `agent_workspace_validator` console script on PATH.
# Its text is resources/launcher/agent_workspace_validator.py.in.


def _shim() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, os.pardir, "resources", "launcher", "agent_workspace_validator.py.in")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


SHIM = _shim()


def run(cwd: str, options: Options) -> int:
    """`init`: set up, then print what was done, the problems (stderr) and the next steps."""
    report = init(cwd, options)
    print(_("workspace-guard init in {root}").format(root=report.root))
    width = min(max((len(path) for path, _ in report.steps), default=0), 50)
    for path, action in report.steps:
        print(f"  {path.ljust(width)}  {action}")
    if report.problems:
        count = len(report.problems)
        text = ngettext("{n} problem to look at:", "{n} problems to look at:", count)
        print("\n" + text.format(n=count), file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
    print("\n" + _("Next steps:"))
    for number, step in enumerate(next_steps(report), start=1):
        print(f"  {number}. {step}")
    return 1 if report.failed else 0
