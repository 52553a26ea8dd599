"""`init`: set a repository up for the protocol in one step, safely repeatable.

It writes `.workspace/rules.yaml` (imported from a seed workspace or a CODEOWNERS file, or the
bundled example), creates the offices, writes the validator shim that agent prompts already call,
installs the git hooks (and the harness hooks with `--claude`) and says what to do next. Every
step reports what it found; nothing that exists is overwritten without `--force`, so running it
again is harmless and shows the state of the setup.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from workspace_guard import git
from workspace_guard.errors import ConfigError, GitError, UsageError
from workspace_guard.fsutil import atomic_write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.model import Rules

RULES_PATH = ".workspace/rules.yaml"
SHIM_PATH = ".workspace/scripts/agent_workspace_validator.py"
KEEP_FILE = ".gitkeep"
SHIM_MARKER = "workspace-guard-managed"
MAX_LISTED = 12


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
        raise UsageError("--from-mestore and --from-codeowners exclude each other")
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
        raise UsageError(f"no such directory: {cwd}")
    try:
        info = git.repo_info(os.path.abspath(cwd))
    except GitError as exc:
        raise UsageError(
            f"{os.path.abspath(cwd)} is not inside a git repository: init sets up a repository",
            hint="run `git init` first (or cd into the repository), then `workspace-guard init`",
        ) from exc
    if info.root is None:
        raise UsageError(
            f"{cwd} is a bare repository: init needs a working tree",
            hint="in the shared bare repository, run `workspace-guard install --server .` instead",
        )
    return info.root


# --- the rules ------------------------------------------------------------------------------------


def write_rules(report: Report, options: Options) -> str | None:
    """Write the rules unless they exist; the text now in force (None: unreadable)."""
    path = os.path.join(report.root, RULES_PATH)
    source = options.from_mestore or options.from_codeowners
    if os.path.exists(path) and not options.force:
        ignored = f"; {source} was not imported" if source else ""
        report.add(RULES_PATH, f"kept (it exists{ignored}; --force replaces it)")
        return read_existing(path)
    text, what = rules_text(report, options)
    existed = os.path.exists(path)
    write_file(path, text)
    report.add(RULES_PATH, f"{'replaced' if existed else 'written'} ({what})")
    return text


def rules_text(report: Report, options: Options) -> tuple[str, str]:
    """The new rules file and where it came from."""
    from workspace_guard.adopt.emit import dump_rules

    if options.from_mestore:
        from workspace_guard.adopt.mestore import import_mestore

        if not os.path.isdir(options.from_mestore):
            raise UsageError(f"--from-mestore {options.from_mestore}: no such directory")
        result = import_mestore(Path(options.from_mestore))
        what = f"imported from the workspace {options.from_mestore}"
    elif options.from_codeowners:
        from workspace_guard.adopt.codeowners import import_codeowners

        result = import_codeowners(
            read_source(options.from_codeowners), filename=options.from_codeowners
        )
        what = f"imported from {options.from_codeowners}"
    else:
        return with_language(example_rules(), options.language), "the bundled example"
    if options.language:
        result.data["language"] = options.language
    report.problems += [str(f) for f in result.findings if f.level != "info"]
    from workspace_guard.adopt.protocol import DEFAULT_SOURCE

    for finding in result.findings:
        if finding.source == DEFAULT_SOURCE or "`language: es`" in finding.message:
            report.add(RULES_PATH, finding.message)
    report.failed = report.failed or result.has_errors
    header = f"workspace-guard rules, {what} by `workspace-guard init`.\nReview, then commit."
    return dump_rules(result, header=header), what


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
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


def read_existing(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def load(report: Report, text: str | None) -> Rules | None:
    """The rules now in force, or None with the problems listed (offices are then skipped)."""
    from workspace_guard.core.rules import RulesError, load_rules

    if text is None:
        report.problems.append(f"{RULES_PATH}: cannot be read as UTF-8 text")
        report.failed = True
        return None
    try:
        return load_rules(text, RULES_PATH)
    except RulesError as exc:
        report.problems += [str(p) for p in exc.problems]
        report.failed = True
        report.add("offices", "skipped: the rules file has errors (fix it, then run init again)")
        return None


# --- offices, shim, hooks -------------------------------------------------------------------------


def create_offices(report: Report, offices: list[str]) -> None:
    """Each office folder, with a `.gitkeep` so that git can track it while it is empty."""
    created: list[str] = []
    for office in sorted(set(offices)):
        target = os.path.normpath(os.path.join(report.root, office))
        if os.path.relpath(target, report.root).startswith(os.pardir):
            report.problems.append(f"office {office} is outside the repository: not created")
            continue
        if os.path.isdir(target) and os.listdir(target):
            continue
        os.makedirs(target, exist_ok=True)
        keep = os.path.join(target, KEEP_FILE)
        if not os.path.exists(keep):
            Path(keep).touch()
            created.append(office)
    if not offices:
        report.add("offices", "none defined in the rules")
        return
    existing = len(set(offices)) - len(created)
    where = os.path.commonpath([o.rstrip("/") for o in offices]) if len(offices) > 1 else offices[0]
    action = f"{len(created)} created, {existing} already there"
    if len(created) <= MAX_LISTED and created:
        action += ": " + ", ".join(os.path.relpath(c, where) for c in created)
    report.add(f"offices in {where.rstrip('/')}/", action)


def write_shim(report: Report, replace: bool) -> None:
    """The validator at the path agent prompts run. A foreign one (the seed's own, which answers
    "PUEDE PROCEDER" to everything) is replaced with `--force` or `--from-mestore`, and kept
    beside it as `.orig`, which git ignores through `.git/info/exclude` (a local file, so
    `git add .workspace` does not commit the old validator back)."""
    path = os.path.join(report.root, SHIM_PATH)
    current = read_existing(path) if os.path.lexists(path) else None
    if current == SHIM:
        report.add(SHIM_PATH, "up to date")
        return
    if current is not None and SHIM_MARKER not in current and not replace:
        report.add(
            SHIM_PATH,
            "kept (not written by workspace-guard — the seed's own validator? "
            "--force replaces it and keeps it as agent_workspace_validator.py.orig)",
        )
        return
    action = "written"
    if current is not None and SHIM_MARKER in current:
        action = "updated"
    elif current is not None:
        os.replace(path, path + ".orig")
        exclude_from_git(report.root, "/" + SHIM_PATH + ".orig")
        action = (
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
    from workspace_guard.commands.lint_protocol import protocol_findings

    for level, _id, message, _src in protocol_findings(rules, git.ls_files(report.root)):
        report.problems.append(f"{RULES_PATH}: {level}: {message}")


def install_hooks(report: Report, claude: bool) -> None:
    """The git hooks, and the Claude Code hooks when asked."""
    from workspace_guard.commands import install

    results = install.install(report.root)
    if claude:
        from workspace_guard.commands import harness_install

        results += harness_install.install(report.root, "claude")
        results.append(harness_install.require_provenance(report.root))
    for path, action in results:
        shown = os.path.relpath(path, report.root) if path.startswith(report.root) else path
        report.add(shown, action)


def write_file(path: str, text: str, *, mode: int = 0o644) -> None:
    """Atomically, creating parent folders; a failure is a configuration error naming the file."""
    try:
        atomic_write(path, text, mode=mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc


# --- what to do next ------------------------------------------------------------------------------


def next_steps(report: Report) -> list[str]:
    """The few commands that finish the adoption."""
    steps = []
    if report.failed:
        steps.append(
            f"Fix the problems listed above in {RULES_PATH}, then run "
            "`workspace-guard lint` until it is clean."
        )
    elif report.problems:
        steps.append("Read the findings listed above: each names the document line it is about.")
    steps.append(f"Review {RULES_PATH}: `workspace-guard lint`, `workspace-guard explain PATH`.")
    if committed(report.root):
        steps.append(
            f"{RULES_PATH} is committed at HEAD, so it is binding; commit every change "
            "to it the same way."
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
            "Commit it — only the committed rules are binding (an agent cannot grant "
            f"itself a file by editing the working-tree copy):\n     {command}"
        )
    steps += [
        "Agents check before writing: agent_workspace_validator AGENT PATH "
        f"(or python {SHIM_PATH} AGENT PATH, as the protocol's prompts say).",
        "See who owns what: workspace-guard map -o workspace-map.html",
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

SHIM = """\
#!/usr/bin/env python3
# workspace-guard-managed: written by `workspace-guard init` (run it again to update this file).
\"\"\"agent_workspace_validator: may AGENT change these files? Ask before touching them.

    python .workspace/scripts/agent_workspace_validator.py AGENT PATH... [--approved-by AGENT]
           [--paths-from FILE|-] [--format text|json]

This program only forwards to workspace-guard, which decides from .workspace/rules.yaml as
committed: exit 0 allowed, 1 denied, 2 usage or configuration error. The protocol's older call
`AGENT FILE APPROVER` still works: a third argument naming a registered agent is the approval.
\"\"\"

import os
import shutil
import sys

PROG = "agent_workspace_validator"
REEXEC = "WORKSPACE_GUARD_SHIM_REEXEC"


def main():
    argv = sys.argv[1:]
    try:
        from workspace_guard.entry import validator_main
    except ImportError:
        return elsewhere(argv)
    return validator_main(legacy(argv), prog=PROG)


def legacy(argv):
    \"\"\"`AGENT FILE APPROVER` (the protocol's first validator) -> `--approved-by APPROVER`.\"\"\"
    if len(argv) != 3 or any(arg.startswith("-") for arg in argv):
        return argv
    agent, path, third = argv
    if registered(third):
        return [agent, path, "--approved-by", third]
    if any(ch.isspace() for ch in third):
        sys.stderr.write(PROG + ": note: the third argument is not a registered agent and not a "
                         "path; it is ignored (approvals: --approved-by AGENT)\\n")
        return [agent, path]
    return argv


def registered(name):
    \"\"\"Whether `name` is a registered agent (on any problem: no; the validator says why).\"\"\"
    import io

    quiet, sys.stderr = sys.stderr, io.StringIO()
    try:
        from workspace_guard.repo import Repo

        return name in Repo.discover().load_rules().agents
    except Exception:
        return False
    finally:
        sys.stderr = quiet


def elsewhere(argv):
    \"\"\"Not importable here: use the interpreter that has workspace-guard, or explain.\"\"\"
    script = shutil.which(PROG)
    python = None
    if script and not os.environ.get(REEXEC):
        with open(script, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!"):
            python = first[2:].strip().split()[0] if first[2:].strip() else None
    if python and os.path.exists(python):
        os.environ[REEXEC] = "1"
        os.execv(python, [python, os.path.abspath(__file__), *argv])
    sys.stderr.write(
        PROG + ": workspace-guard is not installed for " + sys.executable + ".\\n"
        "This repository's workspace protocol is enforced by workspace-guard: install it "
        "(pip install workspace-guard) or put its `agent_workspace_validator` on PATH.\\n"
        "Until then nothing can be validated: do not change protected files.\\n"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
"""


def run(cwd: str, options: Options) -> int:
    """`init`: set up, then print what was done, the problems (stderr) and the next steps."""
    report = init(cwd, options)
    print(f"workspace-guard init in {report.root}")
    width = min(max((len(path) for path, _ in report.steps), default=0), 50)
    for path, action in report.steps:
        print(f"  {path.ljust(width)}  {action}")
    if report.problems:
        print(f"\n{len(report.problems)} problem(s) to look at:", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
    print("\nNext steps:")
    for number, step in enumerate(next_steps(report), start=1):
        print(f"  {number}. {step}")
    return 1 if report.failed else 0
