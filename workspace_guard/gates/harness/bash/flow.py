"""Control flow: the states the shell may be in after a condition, a loop, a `cd` that may fail.

Why: ``cd app/core; [ -f x ] && cd ..; echo x > config.py`` writes ``app/core/config.py`` or
``app/config.py``; taking the last ``cd`` as always run judged only one (ATTACK F100, F101, F109).
The shell state of the walk (:class:`env._Ctx`) is a set: the context itself and its ``alts``. A
later command is walked once per state, so each target is judged under every state it may run in.
``&&``/``||``, ``if``, ``case``, loops and ``cd`` split the set; ``exit``, ``return``, ``break`` and
``continue`` stop a path until the construct they leave. Loop bodies are walked until no new state
appears (a few passes); past that, what still changes is only known at run time (:func:`join`). The
set is bounded (:data:`MAX_STATES`): past it the states are joined the same way (fail closed).
"""

from __future__ import annotations

import fnmatch

from workspace_guard.gates.harness.bash.procfs import DYNAMIC_CWD

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from workspace_guard.gates.harness.bash.env import _Ctx, _Env
    from workspace_guard.gates.harness.bash.syntax import _Compound, _Seq, _Word

    _Walk = Callable[[_Seq, _Ctx], None]

MAX_STATES = 8
MAX_PASSES = 2  # loop passes before what still changes is taken as unknown
MAX_COUNTED = 8  # `for i in 1 2 3`: that many passes, exactly, up to this many words
STOPS = ("exit", "return", "break", "continue")


def states(ctx: _Ctx) -> list[_Ctx]:
    return [ctx, *ctx.alts]


def detach(ctx: _Ctx) -> list[_Ctx]:
    """The states of ``ctx``, each on its own (``ctx`` keeps none)."""
    found = states(ctx)
    for state in found:
        state.alts = []
    return found


def group(found: list[_Ctx]) -> _Ctx:
    """One context standing for the states ``found`` (the first, holding the others)."""
    first = found[0]
    first.alts = found[1:]
    return first


def key(ctx: _Ctx) -> object:
    """What tells two states apart (the status left out)."""
    return (
        ctx.cwd,
        tuple(sorted(ctx.vars.items())),
        tuple(ctx.dirs),
        ctx.main,
        tuple(sorted((fd, tuple(paths)) for fd, paths in ctx.fds.items())),
        tuple(sorted(ctx.refs.items(), key=repr)),
        ctx.ifs_unknown,
        id(ctx.stdin),
        ctx.flow,
        ctx.levels,
    )


def settle(ctx: _Ctx, found: list[_Ctx]) -> None:
    """Make ``ctx`` stand for ``found``: duplicates dropped; past :data:`MAX_STATES`, the states
    of each kind (going on, stopped by…) joined into one."""
    unique: dict[object, _Ctx] = {}
    for state in found:
        state.alts = []
        seen = unique.setdefault(key(state), state)
        if seen is not state and seen.status != state.status:
            seen.status = None
        if state is ctx and seen is not ctx:  # keep ctx itself
            unique[key(state)] = ctx
            ctx.status = None if ctx.status != seen.status else ctx.status
    kept = list(unique.values())
    if len(kept) > MAX_STATES:
        kinds: dict[tuple[str, int], list[_Ctx]] = {}
        for state in kept:
            kinds.setdefault((state.flow, state.levels), []).append(state)
        kept = [join(same) for same in kinds.values()]
    if ctx in kept:
        kept.remove(ctx)
    elif kept:
        _assume(ctx, kept.pop(0))
    else:  # no path goes on: an `exit` stands for none
        ctx.flow = "exit"
    ctx.alts = kept


def _assume(ctx: _Ctx, other: _Ctx) -> None:
    """``ctx`` (which callers hold) takes ``other``'s state, keeping its own other states."""
    for name in ctx.__fields__:
        if name != "alts":
            setattr(ctx, name, getattr(other, name))


def join(found: list[_Ctx]) -> _Ctx:
    """One state for several: what they agree on, the rest only known at run time."""
    from workspace_guard.gates.harness.bash.stdinflow import PIPE

    out = found[0].copy()
    for other in found[1:]:
        if other.cwd != out.cwd:
            out.cwd = DYNAMIC_CWD
        if other.main != out.main:
            out.main = DYNAMIC_CWD
        if other.dirs != out.dirs:
            out.dirs = [DYNAMIC_CWD] * max(len(other.dirs), len(out.dirs))
        if other.vars.get("IFS") != out.vars.get("IFS") or other.ifs_unknown:
            out.ifs_unknown = out.ifs_unknown or other.vars.get("IFS") != out.vars.get("IFS")
            out.ifs_unknown = out.ifs_unknown or other.ifs_unknown
        for name in set(out.vars) | set(other.vars):
            if out.vars.get(name) != other.vars.get(name):
                out.vars.pop(name, None)
        for name in set(out.refs) | set(other.refs):
            if out.refs.get(name, "?") != other.refs.get(name, "?"):
                out.refs[name] = None
        for fd, paths in other.fds.items():
            out.fds[fd] = list(dict.fromkeys([*out.fds.get(fd, []), *paths]))
        if other.stdin is not out.stdin:
            out.stdin = PIPE
    out.status = None
    return out


def each(ctx: _Ctx, walk: Callable[[_Ctx], None]) -> None:
    """``walk`` once per state going on; ``ctx`` then stands for every state after."""
    found: list[_Ctx] = []
    for state in detach(ctx):
        if not state.flow:
            walk(state)
        found += detach(state)
    settle(ctx, found)


def split(ctx: _Ctx, op: str) -> tuple[list[_Ctx], list[_Ctx]]:
    """The states that run what follows ``op`` (``&&``, ``||``, ``;``) and those that skip it."""
    run: list[_Ctx] = []
    skip: list[_Ctx] = []
    for state in detach(ctx):
        if state.flow:
            skip.append(state)
        elif op not in ("&&", "||") or state.status == (0 if op == "&&" else 1):
            run.append(state)
        elif state.status is None:
            other = state.copy()
            other.status = 1 if op == "&&" else 0
            run.append(state)
            skip.append(other)
        else:
            skip.append(state)
    return run, skip


def negate(ctx: _Ctx) -> None:
    for state in states(ctx):
        if not state.flow and state.status is not None:
            state.status = 1 - state.status


def unknown_status(ctx: _Ctx) -> None:
    for state in states(ctx):
        if not state.flow:
            state.status = None


# --------------------------------------------------------------------------- builtins


def builtin(env: _Env, words: list[_Word]) -> None:
    """``true``, ``false``, ``:``, ``exit``, ``return``, ``break``, ``continue`` run by this shell
    (not a function or alias of that name, the builtins not disabled): the status, or the path
    stopped. ``return`` outside a function and ``break`` outside a loop do nothing in bash."""
    from workspace_guard.gates.harness.bash.analysis import _FUNCTIONS

    head = words[0]
    while head.literal and head.text in ("builtin", "command") and len(words) > 1:
        words = words[1:]
        head = words[0]
    name = head.text
    ctx, out = env.ctx, env.out
    if not head.literal or name in _FUNCTIONS or out.untrusted or out.builtins_off:
        return
    if out.aliases and (name in out.aliases or "*" in out.aliases):
        return
    if name in ("true", ":"):
        ctx.status = 0
    elif name == "false":
        ctx.status = 1
    elif name == "enable":
        out.builtins_off = True
    elif name == "exit":
        ctx.flow = "exit"
    elif name == "return" and "function" in out.nesting:
        ctx.flow = "return"
    elif name in ("break", "continue") and "loop" in out.nesting:
        count = words[1].text if len(words) > 1 else "1"
        levels = int(count) if count.isdigit() and words[1 if len(words) > 1 else 0].literal else 0
        if out.nesting[-1] != "loop":  # in a function called in a loop: it may do nothing
            ctx.alts.append(ctx.copy())
        if levels == 0:  # `break $n`: one loop or all of them
            every = ctx.copy()
            every.flow, every.levels = name, len(out.nesting) + 1
            ctx.alts.append(every)
        ctx.flow, ctx.levels = name, max(levels, 1)


def returned(ctx: _Ctx) -> None:
    """After a function call: the paths that returned go on."""
    for state in states(ctx):
        if state.flow == "return":
            state.flow, state.status = "", None


# --------------------------------------------------------------------------- compound commands


def block(node: _Compound, ctx: _Ctx, walk: _Walk, nesting: list[str]) -> None:
    """An ``if``, ``case`` or loop: its parts walked on the states that reach them."""
    if node.kind == "if":
        _if(node.body, ctx, walk)
    elif node.kind == "case":
        _case(node, ctx, walk)
    else:
        nested = "loop" in nesting
        nesting.append("loop")
        try:
            _loop(node, ctx, walk, nested)
        finally:
            nesting.pop()


def _parts(body: _Seq, marks: tuple[str, ...]) -> list[tuple[str, _Seq]]:
    """The body cut where a pipeline starts with one of ``marks`` (``then``, ``else``, ``do``…)."""
    parts: list[tuple[str, _Seq]] = [("", [])]
    for pipeline in body:
        mark = next((k for k in pipeline[0].keywords if k in marks), None)
        if mark is not None:
            parts.append((mark, []))
        parts[-1][1].append(pipeline)
    return parts


def _branch(ctx: _Ctx, want: int) -> tuple[list[_Ctx], list[_Ctx], list[_Ctx]]:
    """After a condition: the states going on where it gave ``want``, the others, the stopped."""
    yes: list[_Ctx] = []
    no: list[_Ctx] = []
    stopped: list[_Ctx] = []
    for state in detach(ctx):
        if state.flow:
            stopped.append(state)
        elif state.status is None:
            other = state.copy()
            yes.append(state)
            no.append(other)
        else:
            (yes if state.status == want else no).append(state)
    return yes, no, stopped


def _if(body: _Seq, ctx: _Ctx, walk: _Walk) -> None:
    parts = _parts(body, ("then", "elif", "else"))
    done: list[_Ctx] = []
    current = detach(ctx)
    k = 0
    while k < len(parts) and current:
        mark, seq = parts[k]
        if mark in ("else", "then"):  # a `then` without its condition: taken as may run
            runs = current if mark == "else" else [state.copy() for state in current]
            walk(seq, group(runs))
            done += detach(runs[0])
            current = current if mark == "then" else []
            k += 1
            continue
        here = group(current)
        walk(seq, here)
        yes, current, stopped = _branch(here, 0)
        done += stopped
        then = k + 1 < len(parts) and parts[k + 1][0] == "then"
        if yes and then:
            walk(parts[k + 1][1], group(yes))
            done += detach(yes[0])
        else:
            done += yes
        k += 2 if then else 1
    for state in current:
        state.status = 0
        done.append(state)
    settle(ctx, done)


def _case(node: _Compound, ctx: _Ctx, walk: _Walk) -> None:
    from workspace_guard.gates.harness.bash.syntax import _Simple

    head = node.body[0][0] if node.body else None
    walk(node.body[:1], ctx)
    words = head.words if isinstance(head, _Simple) else []
    subject = words[0] if words else None
    clauses = node.clauses
    done: list[_Ctx] = []
    current = detach(ctx)
    patterns = 1
    plain = all(end == ";;" for _, _, end in clauses)
    for n, (start, count, _) in enumerate(clauses):
        end = clauses[n + 1][0] if n + 1 < len(clauses) else len(node.body)
        listed = words[patterns : patterns + count]
        patterns += count
        match = _matches(subject, listed) if plain else None
        if not current or match is False:
            continue
        runs = [state.copy() for state in current] if match is None else current
        walk(node.body[start:end], group(runs))
        done += detach(runs[0])
        if match:
            current = []
    done += current
    for state in done:
        if not state.flow:
            state.status = None
    settle(ctx, done)


def _matches(subject: _Word | None, patterns: list[_Word]) -> bool | None:
    """Whether a clause's patterns match the subject: known for plain text (a shell snapshot may
    set ``nocasematch`` or ``extglob``: a difference of case alone, or ``(``, is not known)."""
    if any(p.literal and p.text == "*" and p.parts[0].kind == "u" for p in patterns):
        return True
    if subject is None or not subject.literal or not all(p.literal for p in patterns):
        return None
    if any(p.kind != "u" and any(c in p.text for c in "*?[") for w in patterns for p in w.parts):
        return None  # a quoted `*` is plain text to bash
    if any(fnmatch.fnmatchcase(subject.text, p.text) for p in patterns):
        return True
    text = subject.text.lower()
    if any("(" in p.text or fnmatch.fnmatchcase(text, p.text.lower()) for p in patterns):
        return None
    return False


def _count(node: _Compound) -> int | None:
    """How many passes a ``for`` over plain words makes (None: only known at run time)."""
    from workspace_guard.gates.harness.bash.syntax import _Simple

    head = node.body[0][0] if node.body else None
    if node.kind != "for" or not isinstance(head, _Simple) or not head.binds:
        return None
    words = head.words
    glob = any(p.kind == "u" and any(c in p.text for c in "*?[{") for w in words for p in w.parts)
    if glob or not all(w.literal for w in words) or not 0 < len(words) <= MAX_COUNTED:
        return None
    return len(words)


def _loop(node: _Compound, ctx: _Ctx, walk: _Walk, nested: bool) -> None:
    """``while``/``until``: condition then body, again and again; ``for``/``select``: the list,
    then the body once per word (exactly, for a few plain words; else until no new state)."""
    parts = _parts(node.body, ("do",))
    head = parts[0][1]
    body = [p for _, seq in parts[1:] for p in seq]
    counted = _count(node)
    listed = node.kind in ("for", "select")
    entry = detach(ctx)
    done: list[_Ctx] = [state.copy() for state in entry] if listed and counted is None else []
    frontier = entry
    seen = {key(state) for state in entry}
    limit = counted if counted is not None else MAX_PASSES
    converged = False
    for n in range(limit + (1 if counted is None else 0)):
        if counted is None and n == limit:  # past the bound: what still changes is unknown
            frontier = [join(entry + frontier)]
        here = group(frontier)
        walk(head, here)
        if listed:
            go = detach(here)
        else:
            go, leave, stopped = _branch(here, 0 if node.kind == "while" else 1)
            done += leave + stopped
        frontier = []
        if go:
            here = group(go)
            walk(body, here)
            frontier = _after_pass(detach(here), done, nested)
        if counted is not None:  # the same states as after the pass before: so after the rest
            keys = {key(state) for state in frontier}
            if keys == seen:
                break
            seen = keys
            continue
        if listed:
            done += [state.copy() for state in frontier]
        new = [state for state in frontier if key(state) not in seen]
        seen.update(key(state) for state in frontier)
        if not new:
            converged = True
            break
        frontier = new
    if counted is not None:
        done += frontier
    elif not converged and frontier:
        done.append(join(entry + frontier))
    for state in done:
        if not state.flow:
            state.status = None
    settle(ctx, done)


def _after_pass(found: list[_Ctx], done: list[_Ctx], nested: bool) -> list[_Ctx]:
    """After a pass of the body: the states going round again (the others go to ``done``)."""
    frontier: list[_Ctx] = []
    for state in found:
        if state.flow in ("break", "continue"):
            state.levels -= 1
            if state.levels > 0 and nested:  # `break 2`: the loop around this one too
                done.append(state)
                continue
            stop, state.flow, state.levels = state.flow, "", 0
            (done if stop == "break" else frontier).append(state)
        elif state.flow:
            done.append(state)
        else:
            frontier.append(state)
    return frontier


# --------------------------------------------------------------------------- traps


def trap(env: _Env, text: str, signals: list[str]) -> None:
    """``trap TEXT SIGNALS``: TEXT runs later (at exit, on a signal, before or after commands) or
    never: judged now and in every later state (:func:`rejudge`); not applied to the state now.
    What it may change, unless it only runs at exit, is only known at run time from here on."""
    env.out.traps.setdefault(text, set())
    ctx = env.ctx
    ran = ctx.copy()
    _run_trap(env, text, ran)
    if all(s.upper() in ("EXIT", "0", "SIGEXIT") for s in signals) and signals:
        return
    after = [state for state in states(ran) if state.flow in ("", "return")]
    joined = join([ctx, *after]) if after else ctx
    joined.flow, joined.levels, joined.status = ctx.flow, ctx.levels, ctx.status
    _assume(ctx, joined)


def _run_trap(env: _Env, text: str, ctx: _Ctx) -> None:
    out = env.out
    out.traps[text].add(key(ctx))
    ctx.flow, ctx.levels = "", 0
    saved, out.nesting = out.nesting, ["trap"]
    try:
        env.shell.run_text(text, ctx, out, env.depth + 1)
    finally:
        out.nesting = saved


def rejudge(env: _Env) -> None:
    """The traps set so far, run in each state not seen yet (a trap's writes where it may run)."""
    out = env.out
    if not out.traps or "trap" in out.nesting:
        return
    for text, seen in list(out.traps.items()):
        for state in states(env.ctx):
            if not state.flow and key(state) not in seen:
                _run_trap(env, text, state.copy())
