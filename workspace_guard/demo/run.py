"""The narrated demo. Every step runs the real programs (the validator, real `git commit` with the
installed hooks, …) in a throwaway repository and shows what they print."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence

from workspace_guard.demo.tree import APP_TREE, example_rules
from workspace_guard.i18n import _

GOOD_TRAILERS = "Workspace-Check: ✅ Consultado\nArchivo: {file}\nAgente: {agent}\n"


class Demo:
    """A throwaway workspace and a narrator."""

    def __init__(self, root: str, out: Callable[[str], None]) -> None:
        self.root = root
        self.repo = os.path.join(root, "shop")
        self.out = out
        self.failures: list[str] = []
        self.env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": root,
            "GIT_AUTHOR_NAME": "demo",
            "GIT_AUTHOR_EMAIL": "demo@example.com",
            "GIT_COMMITTER_NAME": "demo",
            "GIT_COMMITTER_EMAIL": "demo@example.com",
        }
        for name in ("WORKSPACE_AGENT", "WORKSPACE_GUARD_RULES", "GIT_DIR", "GIT_INDEX_FILE"):
            self.env.pop(name, None)

    # -- narration ---------------------------------------------------------------------------------

    def step(self, title: str) -> None:
        self.out(f"\n━━ {title}")

    def say(self, text: str) -> None:
        self.out(textwrap.fill(text, 96, initial_indent="   ", subsequent_indent="   "))

    def run(
        self,
        args: Sequence[str],
        *,
        expect: int | None = None,
        stdin: str | None = None,
        cwd: str | None = None,
        show: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run a real command in the workspace, show it and its output, check its exit code."""
        shown = " ".join(_shell_word(a) for a in args)
        self.out(f"   $ {shown}")
        proc = subprocess.run(
            list(args),
            cwd=cwd or self.repo,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        text = (proc.stdout + proc.stderr).rstrip()
        if show and text:
            self.out(textwrap.indent(text, "     "))
        self.out(f"     → exit {proc.returncode}")
        if expect is not None and proc.returncode != expect:
            self.failures.append(
                _("`{command}` exited {code}, expected {expected}").format(
                    command=shown, code=proc.returncode, expected=expect
                )
            )
        return proc

    def wg(
        self,
        *args: str,
        expect: int | None = None,
        stdin: str | None = None,
        show: bool = True,
        cwd: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "workspace_guard", *args]
        return self.run(command, expect=expect, stdin=stdin, show=show, cwd=cwd)

    def validator(self, *args: str, expect: int | None = None) -> subprocess.CompletedProcess[str]:
        code = (
            "import sys; from workspace_guard.entry import validator_main; "
            "sys.exit(validator_main())"
        )
        return self.run([sys.executable, "-c", code, *args], expect=expect)

    def git(
        self, *args: str, expect: int | None = 0, show: bool = False
    ) -> subprocess.CompletedProcess[str]:
        return self.run(["git", *args], expect=expect, show=show)

    def write(self, rel: str, text: str) -> None:
        path = os.path.join(self.repo, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def commit(self, subject: str, trailers: str, *, expect: int) -> None:
        message = f"{subject}\n\n{trailers}" if trailers else subject
        self.out("   " + _("message:") + "\n" + textwrap.indent(message.rstrip(), "     │ "))
        self.git("commit", "-q", "-m", message, expect=expect, show=True)


def _shell_word(arg: str) -> str:
    if arg and all(c.isalnum() or c in "-_./=:@,+" for c in arg):
        return arg
    if "\n" in arg:
        return "'" + arg.split("\n", 1)[0] + "…'"
    return "'" + arg.replace("'", "'\\''") + "'"


def build(demo: Demo) -> None:
    demo.step(_("1. A workspace: the example rules, a small app, offices for every agent"))
    os.makedirs(demo.repo)
    demo.git("init", "-q", "-b", "main")
    for rel, content in APP_TREE.items():
        demo.write(rel, content)
    demo.write(".workspace/rules.yaml", example_rules())
    demo.git("add", "-A")
    demo.git(
        "commit",
        "-q",
        "-m",
        "chore(workspace): adopt the workspace protocol\n\n"
        + GOOD_TRAILERS.format(file=".workspace/rules.yaml", agent="master-orchestrator")
        + "Protocolo: SEGUIDO\nTests: PASSED\n",
    )
    text = _(
        "Repository {repo}: .workspace/rules.yaml is committed, so it is binding — every layer "
        "reads the rules as committed at HEAD."
    )
    demo.say(text.format(repo=demo.repo))
    demo.wg("explain", "app/main.py", expect=0)


def pre_write(demo: Demo) -> None:
    demo.step(_("2. Pre-write: agents ask the validator before touching a file"))
    demo.say(
        _("backend-framework-ai wants to change an unprotected model and its own office notes:")
    )
    demo.validator(
        "backend-framework-ai",
        "app/models/order.py",
        ".workspace/departments/backend/backend-framework-ai/notes.md",
        expect=0,
    )
    demo.say(_("…and the FastAPI entry point, which system-architect-ai owns at level critical:"))
    demo.validator("backend-framework-ai", "app/main.py", expect=1)
    demo.say(
        _(
            "Naming the owner is not an approval: the validator honours --approved-by only where "
            "the owner recorded one (`workspace-guard approve … --by OWNER`, run by the owner):"
        )
    )
    demo.validator(
        "backend-framework-ai", "app/main.py", "--approved-by", "system-architect-ai", expect=1
    )


def commit_gate(demo: Demo) -> None:
    demo.step(_("3. Commit: the git hooks check the mandated template and who changed what"))
    demo.wg("install", expect=0)
    demo.say(_("A commit without the template is refused:"))
    demo.write("app/models/order.py", "class Order:\n    id: int\n    total: float\n")
    demo.git("add", "app/models/order.py")
    demo.commit("added total", "", expect=1)
    demo.say(_("With the template it goes through (order.py is not protected):"))
    demo.commit(
        "feat(models): add Order.total",
        GOOD_TRAILERS.format(file="app/models/order.py", agent="backend-framework-ai")
        + "Protocolo: SEGUIDO\nTests: PASSED\n",
        expect=0,
    )
    demo.say(
        _(
            "backend-framework-ai edits app/main.py (critical, owner system-architect-ai) "
            "without an approval: refused and recorded in the audit log."
        )
    )
    demo.write("app/main.py", APP_TREE["app/main.py"] + "app.title = 'shop'\n")
    demo.git("add", "app/main.py")
    trailers = GOOD_TRAILERS.format(file="app/main.py", agent="backend-framework-ai")
    demo.commit(
        "feat(api): name the application",
        trailers + "Protocolo: SEGUIDO\nTests: PASSED\n",
        expect=1,
    )
    demo.say(_("The same change, approved by the owner and saying so, is accepted:"))
    demo.commit(
        "feat(api): name the application",
        trailers + "Protocolo: APROBACIÓN_OBTENIDA\n"
        "Aprobado-por: system-architect-ai\nTests: PASSED\n",
        expect=0,
    )
    demo.wg("audit", expect=0)


STEPS: list[Callable[[Demo], None]] = [build, pre_write, commit_gate]


def register(step: Callable[[Demo], None]) -> Callable[[Demo], None]:
    """Later layers add their part of the demo."""
    STEPS.append(step)
    return step


def main(keep: str | None = None, out: Callable[[str], None] = print) -> int:
    """Run every step; exit 0 when each real command behaved as narrated."""
    root = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="workspace-guard-demo-")
    os.makedirs(root, exist_ok=True)
    demo = Demo(root, out)
    _load_layers()
    try:
        for step in STEPS:
            step(demo)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    demo.step(_("Done"))
    if demo.failures:
        demo.say(_("Some steps did not behave as narrated:"))
        for failure in demo.failures:
            out(f"   ✗ {failure}")
        return 1
    if keep:
        demo.say(
            _("Every step behaved as narrated. The workspace is kept in {root}.").format(root=root)
        )
    else:
        demo.say(_("Every step behaved as narrated. (Run with --keep DIR to keep the workspace.)"))
    return 0


def _load_layers() -> None:
    """Import the optional demo parts of later layers (each registers itself)."""
    import importlib

    for name in ("harness", "push", "watch", "coord", "adopt"):
        try:
            importlib.import_module(f"workspace_guard.demo.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"workspace_guard.demo.{name}":
                raise
