"""The agent-harness gate (contract §7): decide a tool call before it writes.

The harness is the one place that knows *which* agent is about to write (Claude Code's
`agent_type`). Each harness has its own wire format (`harness_formats.py`); this module holds what
they share: who acts, which paths a tool call would write, the decision, the answer. Any internal
error blocks the call — the gate fails closed.
"""

from __future__ import annotations

import os
import sys

from workspace_guard.core.record import Record
from workspace_guard.fsutil import real as _real_path
from workspace_guard.gates.harness import (  # light: every call asks them
    gitdir,
    kernel_paths,
    path_identity,
)
from workspace_guard.gates.harness.reach import claimed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision
    from workspace_guard.repo import Repo

    Found = tuple[list[str], list[str], list[str], list[str]]

AGENT_ENV = "WORKSPACE_AGENT"
FILE_TOOLS = {
    "Edit": "file_path",
    "Write": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}
SHELL_TOOLS = ("Bash",)


class Call(Record):
    """A tool call, harness-neutral: who, what tool, which paths or which shell command."""

    agent: str | None  # from the harness (agent_type); None on the main thread
    tool: str
    cwd: str
    paths: tuple[str, ...] = ()  # file paths the tool writes (absolute or relative to cwd)
    command: str | None = None  # a shell command to analyse
    source: str = "claude"  # which harness asked (the audit layer)
    mcp_unknown: bool = False  # an MCP tool the gate does not know (`harness: mcp_unknown`)
    spawns: str | None = None  # the subagent type a spawning tool starts (spawn.py)
    messages: str | None = None  # the running subagent a message tool reaches (spawn.py)
    session: str | None = None  # the event's session, for the `authorise` record (authorise.py)
    agent_id: str | None = None  # the event's `agent_id`, likewise


class Verdict(Record):
    """The gate's answer: the denials (empty = allowed) and the acting agent."""

    agent: str
    denied: tuple[Decision, ...]
    allowed: tuple[Decision, ...]
    note: str = ""  # extra words for the reason (e.g. why a shell command counts as a write)
    refusal: str = ""  # a Bash command refused whatever it writes (shell.py): the reason
    acts_for: tuple[str, ...] = ()  # `approve`/`consult answer --by`, `claim|release` agents
    command: str = ""  # the command that acts for them (the ledger's `authorise` record)
    escalation: str = ""  # repeated denials: the consultation opened, "stop and wait" (escalate.py)
    warning: str = ""  # an allowed write another worktree has uncommitted changes to (elsewhere.py)


class GateError(Exception):
    """An input the gate cannot judge; the harness adapter turns it into a blocking answer."""


# --- identity -------------------------------------------------------------------------------------


def acting_agent(call: Call, decider: Decider) -> str:
    """`agent_type` → WORKSPACE_AGENT → the rules' `harness.main_agent`; else a blocking error."""
    agent = call.agent or os.environ.get(AGENT_ENV, "").strip() or None
    harness = decider.rules.harness or {}
    if agent is None:
        agent = harness.get("main_agent")
    if agent is None:
        from workspace_guard.i18n import _

        raise GateError(
            _(
                "no acting agent: the harness named no subagent, WORKSPACE_AGENT is unset and the "
                "rules have no `harness: main_agent:` ({rules})"
            ).format(rules=decider.rules.path)
        )
    if agent not in decider.rules.agents and harness.get("unknown_agent") == "main_agent":
        main = harness.get("main_agent")
        if main:
            return str(main)
    return agent


# --- deciding -------------------------------------------------------------------------------------


def evaluate(repo: Repo, call: Call) -> Verdict:
    """Decide every path the call may write; a path outside the repository is not ours."""
    decider = repo.decider()
    agent = acting_agent(call, decider)
    note = refusal = ""
    targets: list[str] = []
    internal: list[str] = []
    settings: list[str] = []  # harness settings outside the repository (harness_settings.py)
    program: list[str] = []  # the installation that runs the gate (program_files.py)
    installed: list[str] = []  # the hook configuration `install` writes in the repository
    superuser = agent in decider.rules.superusers
    found = (internal, settings, program, installed)
    forced: list[Decision] = []
    acts_for: tuple[str, ...] = ()
    if call.command is not None:
        from workspace_guard.gates.harness import protocol_commands, signals

        split = protocol_commands.split(call.command)
        rest = call.command
        if split is not None:  # the protocol's own commands: judged by what they are
            judgement, rest = split
            forced = protocol_commands.refusals(decider, agent, judgement)
            acts_for = judgement.acts_for + tuple(who or agent for who in judgement.claims_for)
        if rest:  # every other program, and the files the protocol commands write (F95)
            targets, note, refusal, more = _shell(
                repo, decider, agent, call, command=rest, found=found
            )
            forced += more
        forced += protocol_commands.refusals(
            decider, agent, signals.judge(call.command, repo.state_dir)
        )
    if call.spawns is not None or call.messages is not None:
        from workspace_guard.gates.harness import spawn

        refusal = spawn.judge(decider, agent, call, repo.state_dir)
    paths = call.paths
    if call.mcp_unknown:
        from workspace_guard.gates.harness import mcp_tools

        forced += mcp_tools.unknown_tool_refusal(decider, agent, call.tool)
        paths = () if forced or mcp_tools.ignores_unknown(decider) else paths
    targets += _path_targets(repo, call, paths, found, superuser=superuser)
    decisions, case_note = path_identity.decide(repo, decider, agent, list(dict.fromkeys(targets)))
    if decisions:
        from workspace_guard.core.claims import apply_all
        from workspace_guard.state.claims import live

        decisions = apply_all(decisions, live(repo.state_dir))
    extra, why = _out_of_reach(
        repo, decider, agent, internal, settings, program=program, installed=installed
    )
    decisions += extra
    note = " ".join(filter(None, [note, case_note, why]))
    denied = (*forced, *(d for d in decisions if not d.allowed))
    allowed = tuple(d for d in decisions if d.allowed)
    if refusal:
        denied = (_refused(decider, agent), *denied)
    command = (call.command or "") if acts_for else ""
    return _noted(repo, call, Verdict(agent, denied, allowed, note, refusal, acts_for, command))


def _shell(
    repo: Repo, decider: Decider, agent: str, call: Call, *, command: str, found: Found
) -> tuple[list[str], str, str, list[Decision]]:
    """The ordinary Bash analysis of `command` (run in the call's cwd): paths, note, refusal, and
    the refusals of guard-changing invocations hidden in it."""
    from workspace_guard.gates.harness import protocol_commands
    from workspace_guard.gates.harness.shell import judge

    superuser = agent in decider.rules.superusers
    shell = judge(
        repo,
        decider,
        agent,
        command,
        cwd=call.cwd,
        inside=lambda path: _inside(repo, path, call.cwd),
        skip=lambda path: claimed(repo, path, call.cwd, found, superuser),
    )
    # `env workspace-guard watch stop`; `x=workspace-guard; $x uninstall` (shell.self_cli)
    verb = protocol_commands.embedded(command).needs_superuser or shell.self_cli
    forced = protocol_commands.refusals(
        decider, agent, protocol_commands.Judgement(needs_superuser=verb or None)
    )
    return list(shell.paths), shell.note, shell.refusal, forced


def _noted(repo: Repo, call: Call, verdict: Verdict) -> Verdict:
    """`verdict`, once an allowed MCP call setting a server's root has it remembered (F56)."""
    from workspace_guard.gates.harness.mcp_roots import note_root

    note_root(repo, call, allowed=not verdict.denied)
    return verdict


def _path_targets(
    repo: Repo,
    call: Call,
    paths: tuple[str, ...],
    found: tuple[list[str], list[str], list[str], list[str]],
    *,
    superuser: bool,
) -> list[str]:
    """The repository paths a file tool's `paths` write (git's directory and the harnesses'
    settings go to `internal` / `settings`, the gate's own installation to `program`)."""
    from workspace_guard.gates.harness.disk_links import hard_linked
    from workspace_guard.gates.harness.mcp_roots import with_roots

    paths = with_roots(repo, call, paths)  # relative MCP paths in a root set earlier (F56)
    targets: list[str] = []
    tracked: list[str] = []
    spelled = path_identity.spelled(paths, call.cwd)  # `app\main.py.`, `MAIN~1.PY` (F83)
    # `lnk/../x`: the kernel opens x beside the link's target (kernel_paths.py, F110), a harness
    # normalising the path as text first opens x beside the link: both are judged
    as_text = [kernel_paths.logical(p, call.cwd) for p in spelled if ".." in p.split("/")]
    for path in dict.fromkeys([*spelled, *as_text]):
        targets += hard_linked(repo.root, path, call.cwd, tracked)  # disk_links.py
        if claimed(repo, path, call.cwd, found, superuser):
            continue
        rel = _inside(repo, path, call.cwd)
        if rel is not None and (call.tool.startswith("mcp_") or call.mcp_unknown):
            # an MCP tool writing a folder (or, unknown, naming one), or a glob
            from workspace_guard.gates.harness.mcp_tools import below

            targets += below(repo, rel, unknown=call.mcp_unknown)
        if rel:  # a file tool naming the root itself writes no file
            targets.append(rel)
    return targets


def _out_of_reach(
    repo: Repo,
    decider: Decider,
    agent: str,
    internal: list[str],
    settings: list[str],
    *,
    program: list[str],
    installed: list[str],
) -> tuple[list[Decision], str]:
    """The denials of writes into git's directory, to the harnesses' settings and into the gate's
    own installation, and why."""
    decisions: list[Decision] = []
    notes: list[str] = []
    escalation = decider.rules.escalation
    if internal:
        decisions += [gitdir.denial(repo, agent, p, escalation) for p in dict.fromkeys(internal)]
        notes.append(gitdir.notes(internal))
    if settings:
        from workspace_guard.gates.harness import harness_settings

        decisions += _ownerless(agent, settings, escalation)
        notes.append(harness_settings.note(settings))
    if installed:
        from workspace_guard.gates.harness import install_files

        decisions += _ownerless(agent, installed, escalation)
        notes.append(install_files.note(installed))
    if program:
        from workspace_guard.gates.harness import program_files

        decisions += _ownerless(agent, program, escalation)
        notes.append(program_files.note())
    return decisions, " ".join(notes)


def _ownerless(agent: str, paths: list[str], escalation: str) -> list[Decision]:
    """The denials of writes no agent's tool may make, whoever asks (no owner to consult)."""
    from workspace_guard.core.model import Decision

    return [
        Decision(agent, p, False, "protected", level="critical", escalation=escalation)
        for p in dict.fromkeys(paths)
    ]


def _refused(decider: Decider, agent: str) -> Decision:
    """The denial a refused command stands on (the whole repository: no one path decides)."""
    from workspace_guard.core.model import Decision

    rules = decider.rules
    return Decision(agent, "", False, "protected", level="critical", escalation=rules.escalation)


def _inside(repo: Repo, path: str, cwd: str) -> str | None:
    """Repository-relative path, or None when it lies outside the repository."""
    from workspace_guard.errors import PathError

    if "\x00" in path:
        from workspace_guard.i18n import _

        raise GateError(_("path {path!r} contains a NUL byte").format(path=path))
    absolute = kernel_paths.absolute(path, cwd, repo.root)  # `lnk/../x` as opened (F110)
    try:
        return repo.relative(absolute)
    except PathError:
        root, real = _real_path(repo.root), _real_path(absolute)
        if _below(repo.root, absolute) or _below(root, real):
            return ""  # the root itself or a directory above it: `rm -rf .` reaches every file
        return None


def _below(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


# --- answers --------------------------------------------------------------------------------------


def deny_reason(verdict: Verdict) -> str:
    """What the agent reads: the file, level, owner, backups, how to consult, the escalation —
    summarised per rule and at most 4 KB (`answer.py`)."""
    from workspace_guard.gates.harness.answer import bounded, reason_text
    from workspace_guard.i18n import _

    return bounded(
        _(
            "workspace-guard (workspace protocol): {text} Do not work around this block (no "
            "other tool, script or shell command may write the file): consult the owner or "
            "escalate to {escalation}."
        ).format(text=reason_text(verdict), escalation=verdict.denied[0].escalation)
    )


def record(repo: Repo, verdict: Verdict, layer: str, call: Call | None = None) -> None:
    """Audit the denials: one record per call (`answer.py`). Allowed writes are recorded after
    the call, with the bytes they left (the provenance ledger): that, not a grant, is what the
    watch daemon accepts."""
    from workspace_guard.gates.harness.answer import record as record_call
    from workspace_guard.gates.watch.alive import block  # a killed daemon is noticed at once

    writes = [d.path for d in verdict.allowed]
    escalation = repo.decider().rules.escalation
    decider = repo.decider()
    refused = block(
        repo.state_dir, "harness", writes, decider, agent=verdict.agent, escalate_to=escalation
    )
    if refused:  # tampering detected: fail closed for the paths the daemon guards
        raise GateError(refused)
    record_call(repo, verdict, layer)
    from workspace_guard.gates.harness import authorise  # `approve --by ITSELF`, `claim`

    authorise.write(repo, verdict, layer, call)


def fail_closed(harness: str, exc: BaseException) -> int:
    """Any internal error blocks the tool call: exit 2 with a message on stderr (Claude Code,
    Codex and Gemini block on it); Cursor and Cline also get their own deny answer on stdout."""
    message = str(exc) if isinstance(exc, GateError) else f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, GateError):
        from workspace_guard.errors import GuardError

        if isinstance(exc, GuardError):
            message = exc.render()
        else:
            from workspace_guard.boundary import crash_details

            message += f" ({crash_details(exc)})"
    from workspace_guard.i18n import _

    text = _(
        "workspace-guard ({harness} hook): {message}\nThe gate fails closed: the tool call "
        "is blocked until this is fixed."
    ).format(harness=harness, message=message)
    print(text, file=sys.stderr)
    import json

    if harness == "cursor":
        print(json.dumps({"permission": "deny", "user_message": text, "agent_message": text}))
    elif harness == "cline":
        print(json.dumps({"cancel": True, "errorMessage": text}))
    return 2


def harness_main(name: str, args: Sequence[str]) -> int:
    """`workspace-guard hook NAME`: read the event on stdin, answer in the harness's protocol."""
    return answer(name, None)


def answer(name: str, data: bytes | None) -> int:
    """The whole answer to one event (`data`, or stdin when None), printed on sys.stdout and
    sys.stderr; the exit code. The one-shot hook and the hook server (`serve.py`) both run this."""
    from workspace_guard.gates.harness import formats as harness_formats

    adapter = harness_formats.ADAPTERS[name]
    try:
        if data is None:
            data = sys.stdin.buffer.read()
        return adapter(data)
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return fail_closed(name, exc)


def run_hook(name: str, data: bytes | None) -> int:
    """`hook NAME` as an installed layer, inside the one error boundary (`entry.hook_main`)."""
    from workspace_guard.boundary import guarded
    from workspace_guard.fsutil import one_call
    from workspace_guard.repo import installed_layer

    one_call(True)
    try:
        return installed_layer(lambda: guarded(lambda: answer(name, data)))
    finally:
        one_call(False)


def load_event(data: bytes) -> dict[str, Any]:
    """The event JSON: a clear error for empty, truncated or non-object input."""
    import json

    from workspace_guard.i18n import _, json_reason

    if not data.strip():
        raise GateError(_("empty hook input: expected the harness's JSON event on stdin"))
    try:
        event = json.loads(data)
    except ValueError as exc:
        reason = json_reason(exc)
        raise GateError(
            _("the hook input is not valid JSON ({error})").format(error=reason)
        ) from exc
    if not isinstance(event, dict):
        raise GateError(_("the hook input is not a JSON object"))
    return event
