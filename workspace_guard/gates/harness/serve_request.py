"""One request of the hook server (`gates/harness/serve`), answered by the one-shot hook's own
function (`gate.run_hook`) in-process, after putting the process in the state a fresh one-shot
process would be in: the client's environment, cwd and umask, the stdio encoding that
environment gives Python, and no per-process memory (`_fresh`).
"""

from __future__ import annotations

import os
import sys

from workspace_guard.gates.harness.serve_wire import LOCALE_VARS, foreign_python_env, parse_request

DEADLINE = 15.0  # one request's limit (below the launcher's 20 s): then it is blocked


class Deadline(Exception):
    """The request ran past `DEADLINE`: the gate fails closed on it like on any error."""

    def __str__(self) -> str:
        from workspace_guard.i18n import _

        return _("the hook server's request ran longer than {seconds} s").format(
            seconds=f"{DEADLINE:g}"
        )


_STDIO: dict[tuple[str | None, ...], tuple[str, str, str, dict[str, str | None]]] = {}
_PROBE = (
    "import os,sys;print(repr((sys.stdout.encoding,sys.stdout.errors,sys.stderr.errors,"
    "{k:os.environ.get(k) for k in ('LC_ALL','LC_CTYPE','LANG')})))"
)


def stdio_of(env: dict[str, str]) -> tuple[str, str, str, dict[str, str | None]]:
    """How a one-shot process started in `env` sets up stdout/stderr (encoding, errors) and the
    locale variables (Python's locale coercion may set LC_CTYPE): asked once per distinct
    locale setting of this interpreter, then remembered (it depends on nothing else)."""
    key = tuple(env.get(k) for k in LOCALE_VARS)
    if key not in _STDIO:
        import ast
        import subprocess

        probe_env = {k: v for k, v in zip(LOCALE_VARS, key, strict=True) if v is not None}
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], env=probe_env, capture_output=True, check=True
        ).stdout
        encoding, out_errors, err_errors, after = ast.literal_eval(out.decode("ascii"))
        _STDIO[key] = (encoding, out_errors, err_errors, after)
    return _STDIO[key]


def _fresh() -> None:
    """Forget what a one-shot process would not know at its start (all of it cheap to redo)."""
    from workspace_guard import i18n, repo, rules_cache
    from workspace_guard.gates.harness.bash import analysis

    i18n._current = None
    repo._NOTED.clear()
    rules_cache._KEYS.clear()
    analysis._LAST.clear()


def _on_alarm(signum: int, frame: object) -> None:
    raise Deadline()


def handle(request: bytes, program: str) -> tuple[int, bytes, bytes]:
    """One request answered as the one-shot `program hook HARNESS` would answer it."""
    import io
    import signal

    from workspace_guard.gates.harness.gate import GateError, fail_closed, run_hook

    harness, cwd, mask, env, stdin = parse_request(request)
    out, err = io.BytesIO(), io.BytesIO()
    encoding, out_errors, err_errors, coerced = stdio_of(env)
    stdout = io.TextIOWrapper(out, encoding, out_errors, line_buffering=False)
    stderr = io.TextIOWrapper(err, encoding, err_errors, line_buffering=False)
    saved = (dict(os.environ), os.getcwd(), sys.stdout, sys.stderr, sys.argv)
    code = 2
    try:
        wanted = dict(env)
        for key, value in coerced.items():
            if value is not None and env.get(key) != value:
                wanted[key] = value
        set_environment(wanted)
        mask = os.umask(mask)
        sys.stdout, sys.stderr, sys.argv = stdout, stderr, [program, "hook", harness]
        _fresh()
        try:
            os.chdir(cwd)
            if foreign_python_env(env):
                from workspace_guard.i18n import _

                raise GateError(_("the hook server got a call meant for a one-shot process"))
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, DEADLINE)
            try:
                code = run_hook(harness, stdin)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except SystemExit as exc:
            code = _exit_code(exc)
        except BaseException as exc:  # as the one-shot process: the gate fails closed
            code = fail_closed(harness, exc)
        stdout.flush()
        stderr.flush()
    finally:
        sys.stdout, sys.stderr, sys.argv = saved[2], saved[3], saved[4]
        set_environment(saved[0])
        os.umask(mask)
        os.chdir(saved[1])
    return code, out.getvalue(), err.getvalue()


def set_environment(wanted: dict[str, str]) -> None:
    """Make `os.environ` exactly `wanted`, touching only the variables that differ: a CLI's
    environment holds a hundred variables, and clearing and refilling them all (an `unsetenv` and
    a `putenv` each) cost about 1 ms a request, while two calls of a session differ in few."""
    current = os.environ
    for key in [k for k in current if k not in wanted]:
        del current[key]
    for key, value in wanted.items():
        if current.get(key) != value:
            current[key] = value


def _exit_code(exc: SystemExit) -> int:
    """What the interpreter would exit with (a message goes to stderr, as Python prints it)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1
