"""The analysis package stays plain Python (STYLE.md): no Flask, no database, click only in the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import portal.analysis

PACKAGE = Path(portal.analysis.__file__).parent
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "numpy", "pandas")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_web_database_or_numeric_dependencies():
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for module in imported_modules(path):
            assert not module.startswith(FORBIDDEN), (path.name, module)
            if module == "click":
                assert path.name == "cli.py", path.name
