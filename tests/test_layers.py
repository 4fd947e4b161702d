"""The layers hold: only the UI package imports Streamlit, only the store knows DuckDB and
PostgreSQL, and no module grows past one screenful of concerns."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "qi_dash"
MOST_LINES = 500


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Top-level names of every module the file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_importing_any_module_outside_the_ui_does_not_import_streamlit():
    names = [module_name(p) for p in modules() if "ui" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"]
    script = "import importlib, sys\n" + "".join(f"importlib.import_module({n!r})\n" for n in names) + (
        "print(sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')))"
    )
    found = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]", found.stdout


def test_only_the_ui_package_imports_streamlit():
    users = {p.relative_to(PACKAGE).parts[0] for p in modules() if "streamlit" in imported(p)}
    assert users == {"ui"}


def test_only_the_store_package_talks_to_duckdb():
    users = {p.relative_to(PACKAGE).parts[0] for p in modules() if "duckdb" in imported(p)}
    assert users == {"store"}


def test_only_the_store_package_talks_to_postgresql():
    users = {p.relative_to(PACKAGE).parts[0] for p in modules() if "psycopg" in imported(p)}
    assert users == {"store"}


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(REPO)): n for p in modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MOST_LINES}
    assert not long
