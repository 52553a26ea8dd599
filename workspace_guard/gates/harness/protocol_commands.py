"""The protocol's own commands, judged as what they are, not as writes of the paths they name.

The SubagentStart briefing tells agents to run `agent_workspace_validator AGENT PATH` (or
`workspace-guard validate|explain|consult …`) before touching a file; those commands read. Treating
the path they name as a write target would block the protocol itself. Only plain words joined by
`&&`, `||`, `;`, `|` are read here (anything with a redirection, a substitution or an unquoted
glob goes to the ordinary shell analysis whole); in such a call the protocol invocations are
judged by what they are, and everything else — every other program, and the files the
invocations' own options write — by the ordinary shell analysis (`split`, ATTACK F95).

- read-only verbs (`validate`, `explain`, `lint`, `claims`, `status`, `audit`,
  `provenance`, `map`, `approvals` listing, `check-commits`, `--help`, `--version`) write nothing,
  except an output file (`-o FILE`, as click parses it), which is decided like any write;
- `approve` and `consult answer` act for someone: allowed when `--by` is the acting agent or the
  acting agent is a superuser;
- `claim`, `release` and filing a consultation (`consult PATH… --agent A`) act for the agent
  `--agent` (or a `WORKSPACE_AGENT=` prefix) names, the acting agent itself when none is named:
  allowed for the acting agent only. Like `approve`, an
  allowed one leaves the ledger's `authorise` record the command itself looks for
  (commands/speaker), so a claim or release the gate did not see run is refused;
- `install`, `uninstall`, `init`, `watch stop|start|restart`, `approvals revoke` change how the
  workspace is guarded: superusers only (`watch status` reads).

A command that is *not* made only of protocol invocations goes to the shell analysis, which sees
writes, not verbs; `embedded` looks in it for a guard-changing invocation however it is wrapped
(`env`, `timeout`, `sh -c '…'`, `VAR=… workspace-guard …`, `python3.11 -m workspace_guard`, a verb
in a variable) and for a signal sent to the daemon by name (`pkill -f workspace_guard`), so
those need a superuser too.
"""

from __future__ import annotations

import os
import re

from workspace_guard.core.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.core.decide import Decider
    from workspace_guard.core.model import Decision

PROGRAMS = ("workspace-guard", "agent_workspace_validator", "agent_workspace_validator.py")
INTERPRETERS = ("python", "python3")
READ_VERBS = frozenset(
    {
        "validate",
        "explain",
        "lint",
        "consult",
        "claims",
        "status",
        "audit",
        "provenance",
        "map",
        "approvals",
        "check-commits",
        "messages",
        "--help",
        "-h",
        "--version",
    }
)
ACTING_VERBS = frozenset({"approve"})
CLAIM_VERBS = frozenset({"claim", "release"})
AGENT_VARIABLE = "WORKSPACE_AGENT"
# `hook`: only the harness speaks the hook protocol; an event fed by hand forges who wrote what
SUPERUSER_VERBS = frozenset({"install", "uninstall", "init", "watch", "import", "demo", "hook"})
OPERATORS = frozenset({"&&", "||", ";", "|", "\n"})
FOLDER_CHANGES = frozenset({"cd", "pushd", "popd"})


class Judgement(Record):
    """What a protocol command needs: paths it writes, and who may run it."""

    writes: tuple[str, ...] = ()  # files its own options write (`map -o FILE`, protocol_outputs)
    needs_superuser: str | None = None  # the verb, when only a superuser may run it
    acts_for: tuple[str, ...] = ()  # `--by` names (approve, consult answer)
    claims_for: tuple[str, ...] = ()  # `claim`/`release`/`consult` agents ("": the acting one)


def judge(command: str) -> Judgement | None:
    """The judgement of the command's protocol invocations when `split` reads it; None otherwise."""
    found = split(command)
    return found[0] if found is not None else None


def split(command: str) -> tuple[Judgement, str] | None:
    """The judgement of a call's protocol invocations, and the rest of the call for the ordinary
    Bash analysis: the call's text with each invocation replaced by `true` and the files its own
    options write (click's parse, protocol_outputs) as redirections of it — "" when nothing is
    left that could write. None when the call holds no protocol invocation, or one the gate
    cannot read exactly (an unquoted glob or `~`, words click refuses): the ordinary analysis
    then judges the whole call (ATTACK F95: no second, weaker model of what a program writes)."""
    segments = _segments(command)
    if segments is None or any(words[0] in FOLDER_CHANGES for words in segments if words):
        return None  # `cd OFFICE && .workspace/scripts/…`: another file than the protocol's
    import shlex

    spans = _spans(command)
    if [w for w in (shlex.split(command[a:b]) for a, b in spans) if w] != segments:
        return None  # read differently than the shell reads it: not ours to shortcut
    result, seen, other = Judgement(), False, False
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        text = command[start:end]
        words = shlex.split(text)
        part = _segment(words) if words else None
        if part is None:
            other = other or bool(words)
            continue
        if any(ch in UNQUOTED.sub("", text) for ch in "*?[~"):
            return None  # the shell may turn a word into others: an option, another file
        writes = _outputs(words)
        if writes is None:
            return None
        seen = True
        result = _merge(result, _merge(part, Judgement(writes=tuple(writes))))
        redirections = "".join(f" >{shlex.quote(path)}" for path in writes)
        pieces += [command[last:start], f" true{redirections} "]
        last = end
    if not seen:
        return None
    rest = "".join([*pieces, command[last:]]) if other or result.writes else ""
    return result, rest


def _spans(command: str) -> list[tuple[int, int]]:
    """The (start, end) of each simple command's text: split at unquoted `;`, `&`, `|` runs (the
    command holds no backslash, `$` or newline: `_segments` refused those)."""
    spans: list[tuple[int, int]] = []
    start, at, quote = 0, 0, ""
    while at < len(command):
        ch = command[at]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in ";&|":
            spans.append((start, at))
            while at < len(command) and command[at] in ";&|":
                at += 1
            start = at
            continue
        at += 1
    spans.append((start, len(command)))
    return spans


def _outputs(words: list[str]) -> list[str] | None:
    """The files a protocol invocation's own options write (protocol_outputs)."""
    from workspace_guard.gates.harness.protocol_outputs import outputs

    if words[0].startswith(AGENT_VARIABLE + "="):
        words = words[1:]
    validator = any(os.path.basename(w).startswith(PROGRAMS[1]) for w in words[:2])
    args = _protocol_args(words) or []
    return outputs(args, "validate") if validator else outputs(args)


def _segments(command: str) -> list[list[str]] | None:
    """The words of each simple command, as the shell reads them; None when the command holds
    anything but words and `&&`, `||`, `;`, `|` (expansions, redirections, `&`, comments)."""
    if any(ch in command for ch in "$`<>(){}\\#\n\r") or len(command) > 4096:
        return None
    import shlex

    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return None
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token in OPERATORS:
            segments.append([])
        elif set(token) <= set(";&|"):
            return None  # `&` (background) or an operator we do not know
        else:
            segments[-1].append(token)
    return [words for words in segments if words]


def invocations(command: str) -> list[tuple[str | None, list[str]]]:
    """Each workspace-guard invocation of a command made only of protocol commands (`judge`):
    its `WORKSPACE_AGENT=` prefix (None without one) and its words after the program. Empty for
    any other command, and for one with a word the shell may turn into others (an unquoted glob
    or `~`): an `authorise` record lists only what these give (gates/harness/authorise), so
    nothing read inexactly is authorised."""
    if judge(command) is None:
        return []
    if any(ch in UNQUOTED.sub("", command) for ch in "*?[~"):
        return []
    out: list[tuple[str | None, list[str]]] = []
    for segment in _segments(command) or []:
        prefix, words = None, segment
        if segment[0].startswith(AGENT_VARIABLE + "="):
            prefix, words = segment[0].split("=", 1)[1], segment[1:]
        args = _protocol_args(words) if words else None
        validator = any(os.path.basename(w).startswith(PROGRAMS[1]) for w in words[:2])
        if args is not None and not validator:
            out.append((prefix, args))
    return out


UNQUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")  # a quoted part (the shell expands nothing in it)


def _segment(words: list[str]) -> Judgement | None:
    """One simple command: a protocol invocation's judgement, or None."""
    prefix: list[str] = []
    if words and words[0].startswith(AGENT_VARIABLE + "="):  # `WORKSPACE_AGENT=A … claim`
        prefix, words = [words[0].split("=", 1)[1]], words[1:]
    args = _protocol_args(words) if words else None
    if args is None:
        return None
    if prefix and _first_word(args) not in (*CLAIM_VERBS, "consult"):
        return None  # the ordinary analysis decides
    if os.path.basename(words[0]).startswith("agent_workspace_validator") or (
        len(words) > 1 and "agent_workspace_validator" in words[1]
    ):
        return Judgement()  # the validator: AGENT PATH…, reads only
    verb = next((a for a in args if not a.startswith("-") or a in READ_VERBS), None)
    if verb is None:
        return Judgement()
    rest = args[args.index(verb) + 1 :]
    if verb == "watch" and _first_word(rest) == "status":
        return Judgement()
    if verb in SUPERUSER_VERBS or (verb == "approvals" and "revoke" in rest):
        return Judgement(needs_superuser=f"workspace-guard {verb}")
    if verb in CLAIM_VERBS or (verb == "consult" and rest[:1] != ["answer"]):
        named = prefix + _option_values(rest, ("--agent",))
        return Judgement(claims_for=tuple(named) or ("",))
    if verb in ACTING_VERBS or (verb == "consult" and rest[:1] == ["answer"]):
        return Judgement(acts_for=tuple(_option_values(rest, ("--by",))) or ("",))
    if verb in READ_VERBS:
        return Judgement()  # its output files: `split` (click's own parse)
    return None  # an unknown verb: the ordinary analysis decides


def _first_word(args: list[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


SIGNALLERS = frozenset({"kill", "pkill", "killall", "pgrep"})
_DYNAMIC = "$`*?["


def embedded(command: str) -> Judgement:
    """A guard-changing invocation anywhere in a command the shell analysis judges: a
    workspace-guard word followed (in its segment) by a guard-changing verb or by a verb the
    shell computes, or a signaller naming the daemon. Text-level on purpose: wrappers and
    quoting (`sh -c '…'`) must not hide it; it can only refuse, never allow."""
    from workspace_guard.gates.harness.command_size import oversize

    if oversize(command):
        return Judgement()  # refused unread anyway (shell.judge): not worth scanning
    import re

    if _HOOK_ENTRY.search(command) and not _reads_only(command):
        return Judgement(needs_superuser="workspace-guard hook")
    for segment in re.split(r"[;&|\n]+", command):
        words = re.findall(r"[^\s'\"()<>]+", segment)
        for at, word in enumerate(words):
            base = os.path.basename(word)
            if base in SIGNALLERS and re.search(r"workspace[-_]guard|watch\.lock", segment):
                return Judgement(needs_superuser="workspace-guard watch stop")
            named = base in PROGRAMS[:1] or (
                word == "workspace_guard" and at > 0 and words[at - 1] == "-m"
            )
            if not named:
                continue
            rest = words[at + 1 :]
            verb = _first_word(rest) or ""
            if verb == "watch" and _first_word(rest[rest.index(verb) + 1 :]) == "status":
                continue
            if SUPERUSER_VERBS & set(rest) or "revoke" in rest or any(c in verb for c in _DYNAMIC):
                return Judgement(needs_superuser=f"workspace-guard {verb}")
    return Judgement()


# The hook's other doors: the launcher, the hook server's client and socket, the gate's own
# modules imported by inline code. Only the harness runs them (docs/bash-analysis.md).
_HOOK_ENTRY = re.compile(
    r"wg-hook|/serve/(?:client|hook\.sock)\b|/tmp/wg-hook-|workspace_guard\.(?:entry|gates|cli)"
    r"|workspace_guard\b[^;&|\n]*\bhook\b"
)
_READERS = frozenset({"cat", "less", "more", "head", "tail", "ls", "stat", "file", "wc", "grep"})
_READERS |= {"sha256sum", "sha1sum", "md5sum", "diff", "cmp", "git", "rg", "test", "["}


def _reads_only(command: str) -> bool:
    """Whether every simple command naming a hook door only reads it (`cat`, `ls`, `sha256sum`)."""
    for segment in re.split(r"[;&|\n]+", command):
        if _HOOK_ENTRY.search(segment):
            words = segment.split()
            if not words or os.path.basename(words[0]) not in _READERS or "<" in segment:
                return False
    return True


def _protocol_args(words: list[str]) -> list[str] | None:
    """The arguments after the program, when the command runs workspace-guard or the validator."""
    first = os.path.basename(words[0])
    if first in PROGRAMS:
        return words[1:] if _the_gate(words[0]) else None
    if first in INTERPRETERS and len(words) > 1:
        if words[1] == "-m" and len(words) > 2 and words[2] == "workspace_guard":
            return words[3:]
        if words[1] in VALIDATOR_SCRIPT:
            return words[2:]
    return None


VALIDATOR_SCRIPT = (
    ".workspace/scripts/agent_workspace_validator.py",
    "./.workspace/scripts/agent_workspace_validator.py",
)


def _the_gate(word: str) -> bool:
    """Whether a program word runs the gate itself: its bare name (found on PATH, whose folders
    tools may not write: path_folders), the protocol's validator script, or a path to the
    installed program. Any other file of that name is the agent's own code, which the ordinary
    analysis judges (`/tmp/x/workspace-guard explain …` under `unknown_code: deny`)."""
    if "/" not in word or word in VALIDATOR_SCRIPT:
        return True
    if not os.path.isabs(word):
        return False
    import shutil
    import sys

    base = os.path.basename(word)
    installed = (os.path.join(os.path.dirname(sys.executable), base), shutil.which(base) or "")
    real = os.path.realpath(word)
    return any(path and os.path.realpath(path) == real for path in installed)


def _option_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    out = []
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            out.append(args[i + 1])
        for name in names:
            if arg.startswith(name + "="):
                out.append(arg.split("=", 1)[1])
    return out


def _merge(a: Judgement, b: Judgement) -> Judgement:
    return Judgement(
        writes=a.writes + b.writes,
        needs_superuser=a.needs_superuser or b.needs_superuser,
        acts_for=a.acts_for + b.acts_for,
        claims_for=a.claims_for + b.claims_for,
    )


def refusals(decider: Decider, agent: str, judgement: Judgement) -> list[Decision]:
    """Denials for protocol commands the acting agent may not run (none for read-only ones)."""
    from workspace_guard.core.model import Decision

    rules = decider.rules
    if agent in rules.superusers:
        return []
    verbs = []
    if judgement.needs_superuser:
        verbs.append(judgement.needs_superuser)
    verbs += [
        f"workspace-guard approve --by {by or '?'}" for by in judgement.acts_for if by != agent
    ]
    verbs += [
        f"workspace-guard claim|release|consult --agent {who}"
        for who in judgement.claims_for
        if who and who != agent
    ]
    owner = rules.superusers[0] if rules.superusers else rules.escalation
    return [
        Decision(
            agent=agent,
            path=f"`{verb}`",
            allowed=False,
            reason="protected",
            owner=owner,
            backup=tuple(rules.superusers[1:]),
            level="critical",
            escalation=rules.escalation,
        )
        for verb in verbs
    ]
