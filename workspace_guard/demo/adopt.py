"""Demo, adoption: a workspace that keeps its protocol in markdown (the seed project's format)
becomes an enforced one — `import mestore`, `init --from-mestore`, the old validator call through
the shim, and the map of who owns what."""

from __future__ import annotations

import os
import sys

from workspace_guard.demo.run import Demo, register
from workspace_guard.i18n import _, strerror

AGENTS = {
    "master-orchestrator": "management",
    "system-architect-ai": "architecture",
    "security-backend-ai": "backend",
    "backend-framework-ai": "backend",
    "tdd-specialist": "testing",
}

PROTECTED_FILES = """\
# 🛡️ ARCHIVOS PROTEGIDOS

### 🔥 NIVEL CRÍTICO (NUNCA MODIFICAR)

#### Servidores
```
❌ app/main.py                    # Entrada FastAPI
❌ app/api/v1/deps/auth.py        # Dependencias JWT
```

### ⚠️ NIVEL ALTO RIESGO (CONSULTA OBLIGATORIA)

#### Testing
```
⚠️ tests/conftest.py              # Fixtures compartidas
```

#### Agentes con Permisos Especiales:
- `master-orchestrator`: Todos los archivos
"""

RESPONSIBLE_AGENTS = """\
# 👥 AGENTES RESPONSABLES

| Archivo | Agente Responsable | Backup Agent | Escalación |
|---------|-------------------|--------------|------------|
| `app/main.py` | **system-architect-ai** | backend-framework-ai | master-orchestrator |
| `app/api/v1/deps/auth.py` | **security-backend-ai** | backend-framework-ai | master-orchestrator |
| `tests/conftest.py` | **tdd-specialist** | backend-framework-ai | master-orchestrator |
"""

AGENT_FILE = """\
---
name: {name}
description: The {name} agent of the demo workspace.
model: sonnet
---

### ⚡ OFICINA VIRTUAL
📍 **Tu oficina**: `.workspace/departments/{dept}/{name}/`

### ⚠️ ARCHIVOS CRÍTICOS PROTEGIDOS
- `app/main.py` → system-architect-ai
"""

OFFICE_CONFIG = """\
# 🤖 CONFIGURACIÓN DE OFICINA: {name}

- **Departamento**: {dept}
- **Agente**: {name}
- **Oficina**: .workspace/departments/{dept}/{name}/
"""

APP = {
    "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "app/api/v1/deps/auth.py": "def current_user():\n    ...\n",
    "app/models/order.py": "class Order:\n    id: int\n",
    "tests/conftest.py": "import pytest\n",
    "README.md": "# seed shop\n",
}


def seed_workspace() -> dict[str, str]:
    """The files of a tiny protocol workspace in the seed's markdown format."""
    files = dict(APP)
    files[".workspace/PROTECTED_FILES.md"] = PROTECTED_FILES
    files[".workspace/RESPONSIBLE_AGENTS.md"] = RESPONSIBLE_AGENTS
    for name, dept in AGENTS.items():
        files[f".claude/agents/{name}.md"] = AGENT_FILE.format(name=name, dept=dept)
        office = f".workspace/departments/{dept}/{name}/OFFICE_CONFIG.md"
        files[office] = OFFICE_CONFIG.format(name=name, dept=dept)
    return files


COMMIT = [
    "-m",
    "chore(workspace): adopt workspace-guard",
    "--trailer",
    "Workspace-Check: ✅ Consultado",
    "--trailer",
    "Archivo: .workspace/rules.yaml",
    "--trailer",
    "Agente: master-orchestrator",
    "--trailer",
    "Protocolo: SEGUIDO",
    "--trailer",
    "Tests: PASSED",
]


@register
def adoption(demo: Demo) -> None:
    """Import the markdown protocol, set the repository up, keep the old validator call working."""
    demo.step(_("Adoption: a markdown protocol becomes an enforced one"))
    seed = os.path.join(demo.root, "seed-shop")
    for rel, text in seed_workspace().items():
        path = os.path.join(seed, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    demo.run(["git", "init", "-q", "-b", "main"], cwd=seed, expect=0, show=False)
    demo.say(
        _(
            "seed-shop keeps its protocol as the seed project does: PROTECTED_FILES.md, "
            "RESPONSIBLE_AGENTS.md, agent files and offices. The importer reads them all and "
            "reports, with file:line, anything it had to decide:"
        )
    )
    preview = os.path.join(demo.root, "seed-rules.yaml")
    wg(demo, seed, "import", "mestore", ".", "-o", preview, expect=0)
    demo.say(
        _(
            "`init --from-mestore` writes those rules, creates the offices, writes the validator "
            "script the agents' prompts call, and installs the git hooks:"
        )
    )
    wg(demo, seed, "init", "--from-mestore", ".", expect=0)
    demo.run(["git", "add", "-A"], cwd=seed, expect=0, show=False)
    demo.run(["git", "commit", "-q", *COMMIT], cwd=seed, expect=0)
    demo.say(
        _(
            "Agents keep running the protocol's own command; the old third argument (the "
            "approver) is still read, and honoured only where that approver recorded an approval:"
        )
    )
    shim = [sys.executable, ".workspace/scripts/agent_workspace_validator.py"]
    demo.run([*shim, "backend-framework-ai", "app/main.py"], cwd=seed, expect=1)
    demo.run(
        [*shim, "backend-framework-ai", "app/main.py", "system-architect-ai"], cwd=seed, expect=1
    )
    page = os.path.join(demo.root, "seed-shop-map.html")
    demo.say(
        _(
            "And the map: every tracked file coloured by who decides it, with the violation "
            "just recorded (one self-contained HTML page):"
        )
    )
    wg(demo, seed, "map", "-o", page, expect=0)
    check_map(demo, page)


def wg(demo: Demo, cwd: str, *args: str, expect: int) -> None:
    demo.run([sys.executable, "-m", "workspace_guard", *args], cwd=cwd, expect=expect)


def check_map(demo: Demo, page: str) -> None:
    """The page exists and carries the owners (the demo asserts what it narrates)."""
    try:
        with open(page, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        demo.failures.append(
            _("the map {page} was not written: {error}").format(page=page, error=strerror(exc))
        )
        return
    for owner in ("system-architect-ai", "security-backend-ai", "tdd-specialist"):
        if owner not in text:
            demo.failures.append(_("the map does not name {owner}").format(owner=owner))
    text_size = _("{page}: {size} KiB, no network needed to open it.")
    demo.say(text_size.format(page=page, size=len(text) // 1024))
