"""Inline Python (``python -c``, ``python - <<EOF``) judged from its syntax tree, not its text.

Why: read by pattern, ``import os as o; o.rename(…)``, ``from shutil import move as m``,
``getattr(os, "rem" + "ove")``, ``__import__("os")`` or ``globals()`` hid writes, while
``p = "notes.txt"; open(p, "w")`` counted as unresolved. The policy (docs/bash-analysis.md):

* **provably harmless** code — it imports only modules that cannot touch files or start
  processes (``json``, ``re``, ``math``…; ``sys`` for its streams and arguments), opens files only
  to read, and reaches no name that looks code up at run time — writes nothing and is no unknown
  code;
* code whose file and process calls all have **literal** targets (a string, a name bound once to
  a string, ``+``/f-string/``os.path.join``/``Path(…) / …`` of those, through any import alias) is
  judged by those paths and the commands it starts (analysed as Bash);
* anything else — a target or command not known before it runs, a name looked up at run time
  (``getattr``, ``__import__``, ``globals()``, ``eval``/``exec``, a ``__dunder__`` attribute),
  a module the gate does not know, a file or process call it does not list — may write any file:
  unknown code under ``harness: unknown_code`` (every file), with the reason said.
"""

from __future__ import annotations

from workspace_guard.gates.harness.bash.options import _opts

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast

    from workspace_guard.gates.harness.bash.env import _Env


SAFE_MODULES = _opts(
    "json re math cmath collections itertools functools datetime time string textwrap statistics"
    " decimal fractions pprint random hashlib base64 binascii uuid heapq bisect copy unicodedata"
    " difflib calendar enum dataclasses typing array struct zlib tomllib shlex html urllib.parse"
    " ipaddress secrets numbers abc contextlib sys"
)
FS_MODULES = _opts("os os.path posixpath shutil pathlib subprocess io glob fnmatch stat")
_SYS_SAFE = _opts(
    "stdin stdout stderr argv version version_info exit maxsize platform byteorder executable"
    " getrecursionlimit setrecursionlimit getsizeof float_info hexversion implementation"
)
_DANGEROUS = _opts(
    "exec eval compile __import__ getattr setattr delattr globals locals vars breakpoint help"
    " __builtins__ __loader__ __spec__"
)
# calls that write the paths given as their first 1 or 2 arguments
_WRITES = {
    **dict.fromkeys(
        _opts(
            "os.remove os.unlink os.rmdir os.removedirs os.mkdir os.makedirs os.truncate os.chmod"
            " os.chown os.lchown os.utime os.mkfifo os.mknod os.open shutil.rmtree shutil.chown"
            " shutil.make_archive"
        ),
        1,
    ),
    **dict.fromkeys(
        _opts(
            "os.rename os.renames os.replace os.link os.symlink shutil.copy shutil.copy2"
            " shutil.copyfile shutil.copytree shutil.move shutil.copymode shutil.copystat"
            " shutil.unpack_archive"
        ),
        2,
    ),
}
_SPAWNS = _opts(
    "subprocess.run subprocess.call subprocess.check_call subprocess.check_output"
    " subprocess.Popen subprocess.getoutput subprocess.getstatusoutput os.system os.popen"
)
_READS = _opts(
    "os.getcwd os.listdir os.scandir os.walk os.stat os.lstat os.getenv os.access os.cpu_count"
    " os.getpid os.fspath os.fsencode os.fsdecode os.environ.get os.get_terminal_size"
    " shutil.which shutil.disk_usage shutil.get_terminal_size glob.glob glob.iglob io.StringIO"
    " io.BytesIO pathlib.Path pathlib.PurePath pathlib.PurePosixPath pathlib.PosixPath"
)
_READ_PREFIXES = ("os.path.", "posixpath.", "fnmatch.", "stat.", "os.environ")
_PATH_METHODS = _opts(
    "write_text write_bytes touch unlink symlink_to hardlink_to link_to rmdir mkdir chmod lchmod"
    " rename replace open"
)


class _Judge:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.aliases: dict[str, str] = {}
        self.consts: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.reasons: list[str] = []
        self.targets: list[str] = []
        self.commands: list[str] = []
        self.touches = False  # a file or process call, or a module that has them
        self.project: list[str] = []  # modules of the project or a package: code run

    def run(self) -> None:
        import ast

        self._bindings()
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        bases = {id(n.value) for n in ast.walk(self.tree) if isinstance(n, ast.Attribute)}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name | ast.Attribute) and id(node) not in called:
                self._reference(node, bases)
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node)
            elif isinstance(node, ast.Name) and node.id in _DANGEROUS:
                self.reasons.append(f"{node.id} looks code up at run time")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
                self.reasons.append(f"the attribute {node.attr} reaches Python's internals")
            elif isinstance(node, ast.Attribute) and self._name(node.value) == "sys":
                if node.attr not in _SYS_SAFE:
                    self.reasons.append(f"sys.{node.attr}")
            elif isinstance(node, ast.Call):
                self._call(node)

    def _reference(self, node: ast.Name | ast.Attribute, bases: set[int]) -> None:
        """A file or process function, or a module that has them, used as a value
        (``f = os.remove``, ``o = os``, ``map(shutil.move, …)``): it may be called with anything."""
        name = self._name(node)
        if name is None:
            return
        module = name in FS_MODULES or name == "sys"
        if module and id(node) not in bases:
            self.reasons.append(f"the module {name} is passed around")
        elif name in _WRITES or name in _SPAWNS or name.startswith(("os.exec", "os.spawn")):
            self.reasons.append(f"{name} is passed around")

    def _bindings(self) -> None:
        """Names bound once, to a string (``consts``) or a ``Path`` of one (``paths``)."""
        import ast

        stores: dict[str, int] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                stores[node.id] = stores.get(node.id, 0) + 1
            elif isinstance(node, ast.arg):
                stores[node.arg] = stores.get(node.arg, 0) + 2
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node, record=False)
        for _ in range(3):  # `a = "x"; b = a + "/y"` in any order of definition
            for node in ast.walk(self.tree):
                if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                    continue
                target = node.targets[0]
                if not isinstance(target, ast.Name) or stores.get(target.id) != 1:
                    continue
                text = self._str(node.value)
                if text is not None:
                    self.consts[target.id] = text
                path = self._path(node.value)
                if path is not None:
                    self.paths[target.id] = path

    def _import(self, node: ast.Import | ast.ImportFrom, *, record: bool = True) -> None:
        import ast

        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or any(a.name == "*" for a in node.names):
                self._unknown_module(f"from {module} import *" if module else "a relative import")
                return
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            self._module(module, record)
            return
        for alias in node.names:
            self.aliases[alias.asname or alias.name.partition(".")[0]] = (
                alias.name if alias.asname else alias.name.partition(".")[0]
            )
            self._module(alias.name, record)

    def _module(self, module: str, record: bool) -> None:
        if not record:
            return
        if module in SAFE_MODULES or module in FS_MODULES:
            return
        import sys

        if module.partition(".")[0] in sys.stdlib_module_names:  # files, processes, code
            self._unknown_module(f"imports {module}, which can write files the gate does not list")
        else:
            self.project.append(module)  # project code or a package: like running a script

    def _unknown_module(self, reason: str) -> None:
        self.reasons.append(reason)

    def _name(self, node: ast.expr) -> str | None:
        """The dotted name an expression stands for, import aliases resolved."""
        import ast

        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._name(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def _str(self, node: ast.expr) -> str | None:
        import ast

        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.consts.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._str(node.left), self._str(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.JoinedStr):
            parts = [self._str(v) for v in node.values]
            return None if None in parts else "".join(p or "" for p in parts)
        if isinstance(node, ast.Call) and self._name(node.func) in (
            "os.path.join",
            "posixpath.join",
        ):
            import posixpath

            items = [self._str(a) for a in node.args]
            return None if None in items or not items else posixpath.join(*(i or "" for i in items))
        return None

    def _path(self, node: ast.expr) -> str | None:
        """A ``Path`` made of known strings (``Path("a") / "b"``, a name bound to one)."""
        import ast
        import posixpath

        if isinstance(node, ast.Name) and node.id in self.paths:
            return self.paths[node.id]
        if isinstance(node, ast.Call) and (self._name(node.func) or "").rpartition(".")[2] in (
            "Path",
            "PurePath",
            "PosixPath",
        ):
            items = [self._str(a) for a in node.args]
            if None in items or not items or node.keywords:
                return None
            return posixpath.join(*(i or "" for i in items))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left = self._path(node.left)
            right = self._str(node.right) or self._path(node.right)
            return None if left is None or right is None else posixpath.join(left, right)
        return None

    def _call(self, node: ast.Call) -> None:
        import ast

        name = self._name(node.func) or ""
        if name in ("open", "io.open"):
            self._open(node, node.args[:1], node.args[1:2])
        elif name in _WRITES:
            self.touches = True
            for arg in node.args[: _WRITES[name]]:
                self._target(arg, name)
        elif name in _SPAWNS or name.startswith(("os.exec", "os.spawn", "os.posix_spawn")):
            self._spawn(node, name)
        elif name in _READS or name.startswith(_READ_PREFIXES):
            return
        elif name.partition(".")[0] in {m.partition(".")[0] for m in FS_MODULES}:
            self.reasons.append(f"{name}() is a file or process call the gate does not list")
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_METHODS:
            self._method(node, node.func)

    def _open(self, node: ast.Call, path: list[ast.expr], mode: list[ast.expr]) -> None:
        modes = mode or [k.value for k in node.keywords if k.arg == "mode"]
        text = self._str(modes[0]) if modes else "r"
        if text is not None and not set(text) & set("wax+") and not _starred(node):
            return  # read only
        self.touches = True
        if _starred(node) or not path:
            self.reasons.append("open() of a file the gate cannot name")
            return
        self._target(path[0], "open")

    def _target(self, arg: ast.expr, call: str) -> None:
        text = self._str(arg) or self._path(arg)
        if text is None:
            self.reasons.append(f"{call}() of a path only known at run time")
        else:
            self.targets.append(text)

    def _spawn(self, node: ast.Call, name: str) -> None:
        import ast
        import shlex

        self.touches = True
        if not node.args:
            self.reasons.append(f"{name}() of a command only known at run time")
            return
        first: ast.expr = node.args[0]
        tail = name.rpartition(".")[2]
        skip = 2 if tail.startswith("spawn") else 1  # (mode,) path, then argv
        if tail.startswith(("exec", "spawn", "posix_spawn")):
            if tail.startswith(("execl", "spawnl")):  # argv as separate arguments
                first = ast.List(elts=[a for a in node.args[skip:] if self._str(a) is not None])
            elif len(node.args) > skip:
                first = node.args[skip]
        text = self._str(first)
        if text is not None:
            self.commands.append(text)
            return
        if isinstance(first, ast.List | ast.Tuple):
            words = [self._str(e) for e in first.elts]
            if None not in words and words:
                self.commands.append(shlex.join(w or "" for w in words))
                return
        self.reasons.append(f"{name}() of a command only known at run time")

    def _method(self, node: ast.Call, func: ast.Attribute) -> None:
        receiver = self._path(func.value)
        if func.attr == "replace" and len(node.args) >= 2 and receiver is None:
            return  # str.replace(old, new)
        if func.attr == "open":
            modes = node.args[:1] or [k.value for k in node.keywords if k.arg == "mode"]
            text = self._str(modes[0]) if modes else "r"
            if text is not None and not set(text) & set("wax+"):
                return
        self.touches = True
        if receiver is None:
            self.reasons.append(f".{func.attr}() of a path only known at run time")
            return
        self.targets.append(receiver)
        if func.attr in ("rename", "replace", "symlink_to", "hardlink_to", "link_to"):
            for arg in node.args[:1]:
                self._target(arg, func.attr)


def _starred(node: ast.Call) -> bool:
    import ast

    return any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    )


def judge_python(env: _Env, code: str) -> bool | None:
    """Judge ``code``; True when it is provably harmless, False when judged (targets, commands,
    or any file with the reason), None when it is not Python the gate can parse."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    judge = _Judge(tree)
    try:
        judge.run()
    except RecursionError:
        judge.reasons.append("nested too deeply to read")
    if judge.reasons:
        env.unknown_code(f"inline Python: {judge.reasons[0]}")
        env.add_any("interpreter")
    elif judge.project:  # judged like a script: its path-like literals may be written
        from workspace_guard.gates.harness.bash.mentions import _code_literals

        env.unknown_code(f"inline Python: imports {judge.project[0]} (project code)")
        _code_literals(env, code)
    for path in judge.targets:
        env.add_rel(path, "interpreter", certain=False)
    for command in judge.commands:
        env.analyze_text(command)
    return not (judge.reasons or judge.targets or judge.commands or judge.touches or judge.project)
