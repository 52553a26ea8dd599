"""Walking the syntax tree: each simple command dispatched to its handler."""

from __future__ import annotations

import posixpath
import re
from functools import partial

from workspace_guard.gates.harness.bash import flow, reeval, stdinflow, varwrites
from workspace_guard.gates.harness.bash.codevars import environment_code
from workspace_guard.gates.harness.bash.env import (
    _ASSIGN,
    OUTPUT_VARS,
    _assign,
    _Ctx,
    _Env,
    _expand,
    _Out,
    _Shell,
    _Stdin,
    _var_value,
    split_value,
)
from workspace_guard.gates.harness.bash.expansions import _brace_words, _nullglob_variants
from workspace_guard.gates.harness.bash.git import maybe_git
from workspace_guard.gates.harness.bash.gitconfig import git_variable, variable
from workspace_guard.gates.harness.bash.lexer import _Lexer
from workspace_guard.gates.harness.bash.loopvars import changed_folders
from workspace_guard.gates.harness.bash.mentions import _fallback, _unknown
from workspace_guard.gates.harness.bash.parser import _Parser
from workspace_guard.gates.harness.bash.procfs import through
from workspace_guard.gates.harness.bash.refs import GIT_DIR_VAR
from workspace_guard.gates.harness.bash.shellnames import (
    aliased,
    define_aliases,
    namerefs,
)
from workspace_guard.gates.harness.bash.syntax import (
    ANY_PATH,
    SELF_CLI,
    TOO_LARGE,
    UNKNOWN_CODE,
    UNPARSABLE,
    Analysis,
    Finding,
    Target,
    _Compound,
    _lit,
    _plain,
    _Redir,
    _Simple,
    _suffix,
    _TooDeep,
    _Word,
)
from workspace_guard.gates.harness.bash.tables import _ALIASES, _HANDLERS, _READ_ONLY, _RUNNERS
from workspace_guard.gates.harness.bash.varwrites import assigned_names, rebound_names
from workspace_guard.gates.harness.command_size import oversize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from workspace_guard.gates.harness.bash.syntax import _Node, _Seq


def _run_text(text: str, ctx: _Ctx, out: _Out, depth: int) -> None:
    """Parse and analyse shell text; on a syntax error add the conservative word split too."""
    errors: list[str] = []
    tokens = _Lexer(text, 0, depth, errors).run()
    seq = _Parser(tokens, errors).parse()
    _walk_seq(seq, ctx, out, depth)
    if errors:
        out.errors.extend(errors)
        _fallback(text, ctx.cwd, out)


def _walk_seq(seq: _Seq, ctx: _Ctx, out: _Out, depth: int, stdin: _Stdin | None = None) -> None:
    """Walk a list; ``stdin``: what its commands read unless piped or redirected (a group's,
    a loop's, a function call's: stdinflow.py), for the walk only. ``ctx`` stands for every state
    the shell may be in (flow.py): each pipeline runs in those its ``&&``/``||`` lets through."""
    saved = ctx.stdin
    if stdin is not None:
        for state in flow.states(ctx):
            state.stdin = stdin
    for pipeline in seq:
        run, skip = flow.split(ctx, pipeline[0].after)
        if run:
            here = flow.group(run)
            if len(pipeline) == 1:
                _walk_node(pipeline[0], here, out, depth, None)
            else:
                flow.each(here, partial(_walk_pipeline, pipeline, out=out, depth=depth))
            if "!" in pipeline[0].keywords:
                flow.negate(here)
            skip += flow.detach(here)
        flow.settle(ctx, skip)
        if out.traps:
            flow.rejudge(_Env(ctx, out, _Stdin("none"), depth, _SHELL))
    if stdin is not None:
        for state in flow.states(ctx):
            if state.stdin is stdin:  # an `exec <F` inside lasts
                state.stdin = saved


def _walk_pipeline(pipeline: list[_Node], ctx: _Ctx, *, out: _Out, depth: int) -> None:
    """Members of a pipeline run in subshells: their cd does not leak."""
    upstream: _Node | None = None
    local = ctx
    for node in pipeline:
        local = ctx.fork()
        _walk_node(node, local, out, depth, upstream)
        upstream = node
    for last in flow.states(local):  # `shopt -s lastpipe`: it runs in this shell
        stdinflow.last_member(ctx, last)
    ctx.status = None


def _walk_node(node: _Node, ctx: _Ctx, out: _Out, depth: int, upstream: _Node | None) -> None:
    if isinstance(node, _Compound):
        _walk_compound(node, ctx, out, depth, upstream)
    else:
        flow.each(ctx, lambda state: _walk_simple(node, state, out, depth, upstream))


def _walk_compound(
    node: _Compound, ctx: _Ctx, out: _Out, depth: int, upstream: _Node | None
) -> None:
    if node.function:  # analysed here (on a copy: nothing changes until a call) and at each call
        _FUNCTIONS[node.function] = node.body
    base = stdinflow.base_of(ctx, upstream, out.assigned)  # `cat f | { sh; }`
    stdin = stdinflow.stdin_of(node, base, ctx, out.assigned)  # `{ sh; } < f`
    for state in flow.states(ctx):
        outer = _Env(state, out, _Stdin("none"), depth, _SHELL)
        state.fds = _merged(state.fds, _opened(outer, node.redirs))  # `{ tee /dev/fd/0; } < f`
    apart = node.scoped or bool(node.function)
    body = ctx.fork(background=node.background) if apart else ctx
    if node.kind:
        walk = lambda seq, here: _walk_seq(seq, here, out, depth, stdin)  # noqa: E731
        flow.block(node, body, walk, out.nesting)
    else:
        _walk_seq(node.body, body, out, depth, stdin)
    if apart:
        for state in flow.states(ctx):
            state.status = 0 if node.function else None
    for state in flow.states(ctx):
        _redirect_targets(_Env(state, out, _Stdin("none"), depth, _SHELL), node.redirs)


def _walk_simple(node: _Simple, ctx: _Ctx, out: _Out, depth: int, upstream: _Node | None) -> None:
    ctx.status = None
    base = stdinflow.base_of(ctx, upstream, out.assigned)
    env = _Env(ctx, out, stdinflow.stdin_of(node, base, ctx, out.assigned), depth, _SHELL)
    for word in node.words:
        for sub in word.subs:  # `cat f | echo "$(sh)"`: the member's stdin
            _walk_seq(sub, ctx.fork(), out, depth, base)
        reeval.word(env, word)  # `$((x))`, `${!x}`, `${x@P}`: values evaluated (ATTACK F44)
        varwrites.word_defaults(env, word)  # `${IFS:=:}` assigns (ATTACK F77)
    for redir in node.redirs:
        for sub in [*redir.subs, *(redir.target.subs if redir.target is not None else [])]:
            _walk_seq(sub, ctx.fork(), out, depth, base)
        if redir.target is not None:
            reeval.word(env, redir.target)
            varwrites.word_defaults(env, redir.target)
        varwrites.redirection(env, redir.fd)  # `exec {IFS}>f`
        if redir.op in ("<<", "<<-") and not redir.quoted:
            reeval.heredoc(env, redir.body)
            varwrites.defaults(env, redir.body)
    if node.cond:
        reeval.command(env, "[[", node.words)
    if node.binds:
        reeval.loop(env, node.binds, node.words)
        varwrites.loop(env, node.binds, [] if node.chosen else node.words)  # `for IFS in :`
    kept = ctx.fds
    opened = _opened(env, node.redirs) if node.redirs else {}
    ctx.fds = {**kept, **opened}  # the command's own descriptors: `tee /dev/stdin < f`
    if node.redirs:
        _redirect_targets(env, node.redirs)
    if not node.expand_only:
        _simple(env, node.words)
    if not node.words:  # `while …; done < f`: opened for the loop before it (see _analyze)
        out.opened = _merged(out.opened, opened)
    exec_only = [w.text for w in node.words] in (["exec"], [])  # `exec 3<app`: for the rest
    ctx.fds = _merged(kept, opened) if exec_only else kept
    if node.words and exec_only and stdinflow.redirects_stdin(node):  # `exec <f; sqlite3 db`
        ctx.stdin = env.stdin


def _opened(env: _Env, redirs: list[_Redir]) -> dict[str, list[tuple[str, bool]]]:
    """The files redirections open, per descriptor (``/dev/fd/N`` and ``/proc/self/fd/N`` name
    them; a file opened for reading is written through them too: Linux reopens it)."""
    fds = env.ctx.fds
    opened: dict[str, list[tuple[str, bool]]] = {}
    for redir in redirs:
        word, op = redir.target, redir.op
        if word is None or op in ("<<", "<<-", "<<<"):
            continue
        if op in ("<&", ">&") and word.text.isdigit() and redir.fd != "&":
            number = redir.fd or ("0" if op == "<&" else "1")
            opened[number] = list(opened.get(word.text, fds.get(word.text, [])))
            continue
        if op in ("<&", ">&") and word.text == "-":
            continue
        if redir.fd == "&" or (op == ">&" and not redir.fd):
            numbers = ["1", "2"]
        else:
            numbers = [redir.fd or ("0" if op in ("<", "<>", "<&") else "1")]
        paths = [(p, g) for p, g, _ in env.paths(word)]
        process = env.ctx.process()
        named = []
        for path, glob in paths:
            found = through(path, glob, process)
            named += found[0] if found is not None and found[1] else [(path, glob)]
        for number in numbers:
            opened[number] = named
    return opened


def _merged(
    old: dict[str, list[tuple[str, bool]]], new: dict[str, list[tuple[str, bool]]]
) -> dict[str, list[tuple[str, bool]]]:
    """Descriptors opened on some path through the command: every file any of them may hold."""
    merged = {fd: list(paths) for fd, paths in old.items()}
    for fd, paths in new.items():
        merged[fd] = list(dict.fromkeys([*merged.get(fd, []), *paths]))
    return merged


def _redirect_targets(env: _Env, redirs: list[_Redir]) -> None:
    for redir in redirs:
        word = redir.target
        if word is None or redir.op not in (">", ">>", ">|", "<>", ">&"):
            continue
        if redir.op == ">&" and redir.fd != "&" and (word.text == "-" or word.text.isdigit()):
            continue  # 2>&1: a descriptor, not a file
        env.add(word, "redirect")


def _simple(env: _Env, words: list[_Word]) -> None:
    """Assignments alone set variables; otherwise dispatch the command they prefix."""
    i = 0
    while i < len(words) and _ASSIGN.match(words[i].text) and words[i].parts[0].kind == "u":
        i += 1
    if i == len(words):
        for word in words:
            varwrites.assign_word(env, word)
            name = word.text.partition("=")[0]
            reeval.assignment(env, name, _suffix(word, len(name) + 1))
        return
    shell = env.ctx
    kept = {name: shell.vars.get(name) for name in _LOOKUP_VARS}
    for word in words[:i]:  # `GIT_CONFIG_PARAMETERS=… git commit`: settings for this command
        name, _, value = word.text.partition("=")
        reeval.assignment(env, name, _suffix(word, len(name) + 1))  # `PS4=… bash -x`
        if name in _LOOKUP_VARS and words[i].text in ("cd", "pushd"):  # `CDPATH=app cd core`
            _assign(env, word)  # for the builtin only: `~` in arguments expands before
        if git_variable(name):
            variable(env, name, value)
        if name in ("GIT_DIR", "GIT_COMMON_DIR") and value:  # where git writes refs
            env = env.at(env.ctx.cwd)
            env.ctx.vars[GIT_DIR_VAR] = value
        if name == "HISTFILE" or name in OUTPUT_VARS:  # `HISTFILE=F history -w` writes F
            env = env.at(env.ctx.cwd)
            _assign(env, word)
    command = [b for word in words[i:] for b in _brace_words(word)]
    name = _command_name(words[i].text)
    here = name in _RUN_HERE or words[i].text in _FUNCTIONS  # `IFS=: eval …`, `IFS=: f`
    here = here and words[i].literal  # the prefix is in effect while they run
    saved = varwrites.prefixed(env, words[:i]) if here else []
    _dispatch(env, command)
    flow.builtin(_Env(shell, env.out, env.stdin, env.depth, env.shell), words[i:])
    for variant in _nullglob_variants(command):
        _dispatch(env, variant)
    varwrites.restore(env, name, saved)
    for name, old in kept.items():  # a prefix assignment lasts for that command only
        if old is None:
            shell.vars.pop(name, None)
        else:
            shell.vars[name] = old


_LOOKUP_VARS = ("CDPATH", "HOME")
_RUN_HERE = varwrites.SPECIAL_BUILTINS | {"command", "builtin"}
_FUNCTIONS: dict[str, _Seq] = {}  # functions the command defines (reset per analysis)
_MAX_COMMANDS = 4000
_WALKED = [0]  # commands dispatched in this analysis


def _dispatch(env: _Env, words: list[_Word]) -> None:
    _WALKED[0] += 1  # functions and aliases expand again at each use: bounded (fail closed)
    if _WALKED[0] > _MAX_COMMANDS:
        raise _TooDeep(f"more than {_MAX_COMMANDS} commands once functions and aliases expand")
    head = words[0]
    if env.out.aliases and _plain(head) is not None and aliased(env, words):
        return
    if not head.literal:
        value = _var_value(head.text, env.ctx) if len(head.parts) == 1 else _known(head, env)
        split = None if value is None else split_value(value, env.ctx)
        if split:
            _dispatch(env, [_lit(t, "q") for t in split] + words[1:])
        else:
            env.unknown_code(f"{head.text}: a command named by an expansion")
            kind = _dynamic_kind(head.text, env.out.assigned)
            env.add_any(kind)
            if kind == "dynamic-output":  # a name made by this command: maybe the gate's CLI
                _self_cli(env, [_lit("workspace-guard"), *words[1:]])
            _unknown(env, words[1:])
            maybe_git(env, words[1:])
        return
    name = _command_name(head.text)
    if head.text in _FUNCTIONS and head.text not in env.out.expanding:  # `IFS=: f` (F77)
        env.out.expanding.add(head.text)
        env.out.nesting.append("function")
        _walk_seq(_FUNCTIONS[head.text], env.ctx, env.out, env.depth + 1, env.stdin)
        env.out.nesting.pop()
        flow.returned(env.ctx)
        env.out.expanding.discard(head.text)
    _self_cli(env, words)
    if name in ("alias", "unalias"):
        define_aliases(env, name, words[1:])
    evaluates = "export" if head.text in ("export", "readonly") else name
    reeval.command(env, evaluates, words[1:])  # let, test -v, printf -v, read, declare -i…
    seen = _unknown_count(env)
    args = words[2:] if name == "trap" and len(words) > 2 and words[1].text == "--" else words[1:]
    if name == "trap" and args and all(w.literal for w in args):
        if args[0].text and not args[0].text.startswith("-"):  # not `trap - EXIT`, `trap -p`
            flow.trap(env, args[0].text, [w.text for w in args[1:]])  # runs later, or never
    elif name == "eval" and len(words) > 1 and all(w.literal for w in words[1:]):
        text = " ".join(w.text for w in words[1:])
        saved, env.ctx.stdin = env.ctx.stdin, env.stdin  # `cat f | eval 'sqlite3 db'`
        env.shell.run_text(text, env.ctx, env.out, env.depth + 1)
        env.ctx.stdin = saved if env.ctx.stdin is env.stdin else env.ctx.stdin
    else:
        _named(env, name, words)
        varwrites.command(env, name, head.text, words[1:])  # read IFS, printf -v… (F76, F77)
    if _unknown_count(env) == seen:  # `PATH=office:$PATH; cat f`: code the variable names
        environment_code(env, name, words[1:])


def _self_cli(env: _Env, words: list[_Word]) -> None:
    """The gate's own CLI (or hook launcher) under the name the shell resolved: the same rule as
    the literal command (protocol_commands.embedded), on the resolved words (ATTACK F85)."""
    from workspace_guard.gates.harness.protocol_commands import embedded

    texts = [w.text if w.literal else _known(w, env) or w.text for w in words]
    verb = embedded(" ".join(texts)).needs_superuser  # `m=workspace_guard; python3 -m $m …`
    if verb:
        env.out.find(SELF_CLI, verb)


def _unknown_count(env: _Env) -> int:
    return sum(1 for finding in env.out.findings if finding.kind == UNKNOWN_CODE)


def _named(env: _Env, name: str, words: list[_Word]) -> None:
    """A command named by a literal word: its table's judgement."""
    head = words[0]
    if name in _READ_ONLY:
        if env.out.untrusted and name not in ("alias", "unalias", "true", "false", ":"):
            _unknown(env, words[1:])  # `source x.sh; cat app/main.py`: cat may be a function
        return
    if name == "declare" and head.text != "export" and namerefs(env, words[1:]):
        return
    if name == ".":  # a sourced file may define aliases and functions (ATTACK F47)
        env.out.untrusted = f"{head.text} {words[1].text if len(words) > 1 else ''}"
    handler = _HANDLERS.get(name)
    if handler is not None:
        handler(env, name, words[1:])
    elif name in _RUNNERS:
        env.unknown_code(f"{name}: runs project code or build steps")
        _unknown(env, words[1:], split=False)
    else:
        if "/" in head.text or head.text.endswith((".sh", ".py", ".pl", ".rb", ".js")):
            env.unknown_code(f"{head.text}: a script the analysis cannot read")
            _script_written_here(env, head)
        else:  # what a program the tables do not know does cannot be read either
            env.unknown_code(f"{name}: a program the gate does not know")
        _unknown(env, words[1:])


def _known(word: _Word, env: _Env) -> str | None:
    """A word made of text and variables this command set (``$G/git``, ``${G}t``), or None."""
    alts = _expand(word, env.ctx)
    if len(alts) != 1 or alts[0][2]:
        return None
    return alts[0][0]


_NAMES = re.compile(r"\$\{?([A-Za-z_]\w*)")


def _dynamic_kind(text: str, assigned: frozenset[str]) -> str:
    """``$CMD`` from the environment the harness gave (``dynamic-command``: the
    ``harness: unknown_code`` policy decides) or code made in this command — a substitution, a
    variable this command reads or assigns (``dynamic-output``: any file, whatever the policy
    but ``allow``)."""
    if "$(" in text or "`" in text:
        return "dynamic-output"
    names = _NAMES.findall(text)
    if not names or any(name in assigned for name in names):
        return "dynamic-output"
    return "dynamic-command"


def _inherited() -> dict[str, str]:
    """The harness's CDPATH (the hook runs with the harness's environment, as its shells do)."""
    import os

    value = os.environ.get("CDPATH")
    return {"CDPATH": value} if value else {}


_DESCRIPTOR_HINT = re.compile(r"dev|proc|std(?:in|out|err)|fd|\$")


def _script_written_here(env: _Env, script: _Word) -> None:
    """A script this same command wrote (``echo … > x.sh; sh x.sh``) may do anything."""
    written = {posixpath.normpath(t.path) for t in env.out.targets}
    if any(posixpath.normpath(p) in written for p, _, _ in env.paths(script)):
        env.add_any("script-written-here")


def _command_name(text: str) -> str:
    name = posixpath.basename(text)
    m = _VERSIONED.fullmatch(name)
    if m:
        return "python" if m.group(1) == "pypy" else m.group(1)
    return _ALIASES.get(name, name)


_VERSIONED = re.compile(r"(python|pypy|pip|ruby|perl|php|node)[\d.]*")

# --------------------------------------------------------------------------- public API


_SHELL = _Shell(_dispatch, _run_text)


_LAST: dict[tuple[str, str], Analysis] = {}  # the gate asks twice per call (discover, judge)


def analyze(command: str, cwd: str) -> Analysis:
    """Every path ``command``, run in ``cwd``, may write. Never raises: odd input fails closed."""
    key = (command, cwd)
    found = _LAST.get(key)
    if found is None:
        found = _analyze(command, cwd)
        _LAST.clear()
        _LAST[key] = found
    return found


def _analyze(command: str, cwd: str) -> Analysis:
    detail = oversize(command)
    if detail:  # refused unread (command_size.py)
        return Analysis(
            (Target(ANY_PATH, TOO_LARGE, False, True),),
            detail,
            False,
            (Finding(TOO_LARGE, detail),),
        )
    _FUNCTIONS.clear()
    _WALKED[0] = 0
    out = _Out(assigned=assigned_names(command), rebound=rebound_names(command))
    try:
        _run_text(command, _Ctx(cwd, _inherited()), out, 0)
        if out.opened and _DESCRIPTOR_HINT.search(command):
            # redirections after `done`/`fi`/`esac` open their files for the whole construct,
            # which the walk has passed by then: walk again with them open from the start
            opened, out = out.opened, _Out(assigned=out.assigned, rebound=out.rebound)
            _FUNCTIONS.clear()
            _WALKED[0] = 0
            _run_text(command, _Ctx(cwd, _inherited(), fds=opened), out, 0)
    except Exception as exc:  # the gate must not crash: _TooDeep, RecursionError or a bug here
        out.errors.append(
            (str(exc) or "too deeply nested")
            if isinstance(exc, _TooDeep)
            else f"internal error: {exc!r}"
        )
        _fallback(command, cwd, out)
    changed_folders(out, command)  # a glob or lister whose folder the command writes
    error = "; ".join(dict.fromkeys(out.errors)) if out.errors else None
    if error is not None:
        out.find(UNPARSABLE, error)
    read_only = out.read_only and not out.targets and error is None
    return Analysis(tuple(out.targets), error, read_only, tuple(out.findings))
