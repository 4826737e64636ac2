"""DESIGN §2: imports only ever point downwards — staff → requests_app → verification → records."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["records", "verification", "requests_app", "staff"]  # lowest first


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(LAYERS)


def upward_imports(root: Path) -> list[str]:
    problems = []
    for level, app in enumerate(LAYERS):
        higher = set(LAYERS[level + 1 :])
        for path in sorted((root / app).rglob("*.py")):
            if "/migrations/" in path.as_posix() or "/management/" in path.as_posix():
                continue  # data migrations and commands may load anything they seed
            for target in sorted(imported_apps(path) & higher):
                problems.append(f"{path.relative_to(root)} imports {target}")
    return problems


def test_no_app_imports_an_app_above_it():
    assert upward_imports(ROOT) == []


def test_the_check_finds_an_upward_import(tmp_path):
    for app in LAYERS:
        (tmp_path / app).mkdir()
    (tmp_path / "records" / "bad.py").write_text("from requests_app.models import PrivacyRequest\n")
    assert upward_imports(tmp_path) == ["records/bad.py imports requests_app"]


@pytest.mark.parametrize("app", LAYERS)
def test_every_layer_exists(app):
    assert (ROOT / app / "__init__.py").exists()
