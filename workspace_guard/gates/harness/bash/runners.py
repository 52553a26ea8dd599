"""Test runners and installers: they run project code, and some options name what they write.

Why: ``pytest``, ``tox``, ``coverage run`` and ``pip install .`` run code from the repository
(conftest, setup.py, build backends) that the analysis cannot read: an ``unknown-code`` finding
the ``harness: unknown_code`` policy answers. Their output options (``pytest --basetemp=DIR``
empties DIR, ``pip install --target DIR``, ``coverage html -d DIR``) are ordinary targets.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.env import _Env
from workspace_guard.gates.harness.bash.options import _opts, _split
from workspace_guard.gates.harness.bash.syntax import _lit, _Word

_PYTEST_OUT = _opts(
    "--basetemp --junitxml --junit-xml --resultlog --result-log --report-log --html"
    " --json-report-file --cov-report -o --override-ini --debug --log-file"
)
_PYTEST_VALUES = _PYTEST_OUT | _opts("-k -m -p -c --rootdir --confcutdir -n --cov --tb -W -x")


def _pytest(env: _Env, name: str, args: list[_Word]) -> None:
    """Runs conftest and the tests; ``--basetemp`` (emptied), reports and caches are written."""
    env.unknown_code(f"{name}: runs the project's tests and conftest")
    _, values, _ = _split(args, _PYTEST_VALUES)
    for key in _PYTEST_OUT & values.keys():
        text = values[key].text
        if key in ("-o", "--override-ini"):
            ini, _, value = text.partition("=")
            if ini.strip() in ("cache_dir", "junit_logging", "log_file") and value:
                env.add(_lit(value, "q"), "pytest")
        elif key == "--cov-report":
            if ":" in text:
                env.add(_lit(text.partition(":")[2], "q"), "pytest")
        else:
            env.add(values[key], "pytest")


_COVERAGE_VALUES = _opts("-d --directory -o --data-file --rcfile --include --omit --fail-under")


def _coverage(env: _Env, name: str, args: list[_Word]) -> None:
    """``coverage run`` runs code; ``html -d DIR``, ``xml -o FILE``… write reports."""
    pos, values, _ = _split(args, _COVERAGE_VALUES)
    sub = pos[0].text if pos else ""
    if sub == "run":
        env.unknown_code("coverage run: runs the program it measures")
        rest = args[[w.text for w in args].index("run") + 1 :]
        i = 0
        while i < len(rest) and rest[i].text.startswith("-"):
            i += 1
        if i < len(rest) and "-m" not in {w.text for w in rest[:i]}:
            env.dispatch([_lit("python"), *rest[i:]])
    for key in ("-d", "--directory", "-o", "--data-file"):
        if key in values:
            env.add(values[key], "coverage")
    if sub in ("erase", "combine", "run") and "--data-file" not in values:
        env.add_rel(".coverage", "coverage")


_TOX_VALUES = _opts("-e -c --conf --workdir --root -x --override -r --recreate --installpkg")


def _tox(env: _Env, name: str, args: list[_Word]) -> None:
    """tox/nox build environments and run the configured commands: project code."""
    env.unknown_code(f"{name}: runs project code (test environments, sessions, tests)")
    _, values, _ = _split(args, _TOX_VALUES)
    if "--workdir" in values:
        env.add(values["--workdir"], name)


_PIP_OUT = _opts("-t --target --prefix --root -d --dest -w --wheel-dir --src --log --report")
_PIP_VALUES = _PIP_OUT | _opts(
    "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f"
    " --find-links --python --platform --python-version --implementation --abi --upgrade-strategy"
)


def _pip(env: _Env, name: str, args: list[_Word]) -> None:
    """``pip install/download/wheel``: output directories are written; a local project is
    built by running its build backend (unknown code)."""
    pos, values, _ = _split(args, _PIP_VALUES)
    sub = pos[0].text if pos else ""
    if sub not in ("install", "download", "wheel", "uninstall"):
        return
    env.not_read_only()
    for key in _PIP_OUT & values.keys():
        env.add(values[key], "pip")
    local = [w for w in pos[1:] if w.text.startswith((".", "/", "~")) or "/" in w.text]
    if local or "-e" in values or "--editable" in values:
        env.unknown_code(f"{name} {sub}: builds a local project (its build backend runs)")
