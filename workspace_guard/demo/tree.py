"""The small application tree the demo (and the test suite) builds its workspace from."""

from __future__ import annotations

APP_TREE = {
    "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "app/core/config.py": "DEBUG = False\n",
    "app/database.py": "engine = None\n",
    "app/models/user.py": "class User:\n    id: int\n",
    "app/models/order.py": "class Order:\n    id: int\n",
    "app/api/v1/deps/auth.py": "def current_user():\n    ...\n",
    "app/api/v1/endpoints/products.py": "def list_products():\n    return []\n",
    "app/services/auth_service.py": "def login():\n    ...\n",
    "tests/conftest.py": "import pytest\n",
    "tests/test_products.py": "def test_list():\n    assert True\n",
    "docker-compose.yml": "services:\n  api:\n    build: .\n",
    "frontend/vite.config.ts": "export default {}\n",
    "README.md": "# shop\n",
    ".workspace/departments/backend/backend-framework-ai/notes.md": "# notes\n",
    ".workspace/departments/architecture/system-architect-ai/adr-001.md": "# ADR 001\n",
}


def example_rules() -> str:
    """The bundled example rules (rules/example.yaml), shipped inside the package."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, os.pardir, "resources", "example.yaml"), encoding="utf-8") as f:
        return f.read()
