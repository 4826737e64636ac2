"""DESIGN §2: imports only ever point downwards — staff → requests_app → verification → records — and no
module takes part in an import circle, counting the imports done inside functions.

The one deferred import that does not count is the styleguide's own: a task function in a `tasks`
module imports its service when it runs, so that services can import their tasks at module level and
enqueue them (HackSoft Django-Styleguide, "Celery"). Template `{% load %}` tags count as imports: a
template may load only the tag libraries of its own layer or below.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["records", "verification", "requests_app", "drp", "staff", "api"]  # lowest first
SHARED_TEMPLATE_LAYER = "requests_app"  # base.html, emails/, reports/: public pages and staff alike
LOAD = re.compile(r"{%\s*load\s+([\w\s]+?)\s*%}")


def _skipped(path: Path) -> bool:
    # data migrations and commands may load anything they seed
    return "/migrations/" in path.as_posix() or "/management/" in path.as_posix()


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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
            if _skipped(path):
                continue
            for target in sorted(imported_apps(path) & higher):
                problems.append(f"{path.relative_to(root)} imports {target}")
    return problems


def _imports(tree: ast.Module, *, in_tasks_module: bool):
    """Every import statement with whether it is inside a function of a tasks module (the sanctioned case)."""

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_tasks_module and in_function
            yield from visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    yield from visit(tree, False)


def module_graph(root: Path) -> dict[str, set[str]]:
    """Every module of the apps → the modules it imports, wherever the import statement stands."""
    paths = {
        _module_name(root, path): path
        for app in LAYERS
        for path in sorted((root / app).rglob("*.py"))
        if not _skipped(path)
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement, sanctioned in _imports(tree, in_tasks_module=name.endswith(".tasks")):
            if sanctioned:
                continue
            if isinstance(statement, ast.Import):
                candidates = [alias.name for alias in statement.names]
            else:
                base = package[: len(package) - statement.level + 1] if statement.level else []
                module = ".".join([*base, statement.module] if statement.module else base)
                candidates = [module, *(f"{module}.{alias.name}" for alias in statement.names)]
            targets.update(c for c in candidates if c in paths and c != name)
        graph[name] = targets
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(circles)


def upward_template_loads(root: Path) -> list[str]:
    libraries = {
        path.stem: app
        for app in LAYERS
        for path in (root / app).glob("templatetags/*.py")
        if path.stem != "__init__"
    }
    problems = []
    for path in sorted([*(root / "templates").rglob("*.html"), *(root / "templates").rglob("*.txt")]):
        folder = path.relative_to(root / "templates").parts[0]
        layer = folder if folder in LAYERS else SHARED_TEMPLATE_LAYER
        allowed = set(LAYERS[: LAYERS.index(layer) + 1])
        for match in LOAD.finditer(path.read_text(encoding="utf-8")):
            for library in match.group(1).split():
                owner = libraries.get(library)
                if owner is not None and owner not in allowed:
                    problems.append(f"{path.relative_to(root)} loads {library} of {owner}")
    return problems


def private_imports(root: Path) -> list[str]:
    """`from module import _name`: a private helper travelling to another module (gettext's `_` aside)."""
    problems = []
    for app in [*LAYERS, "tests", "bench"]:
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    for alias in node.names:
                        if (
                            alias.name.startswith("_")
                            and alias.name != "_"
                            and not alias.name.startswith("__")
                        ):
                            problems.append(f"{path.relative_to(root)} imports {alias.name}")
    return problems


def test_no_app_imports_an_app_above_it():
    assert upward_imports(ROOT) == []


def test_no_modules_import_each_other_in_a_circle_deferred_imports_included():
    assert import_circles(module_graph(ROOT)) == []


def test_no_template_loads_a_tag_library_of_a_higher_layer():
    assert upward_template_loads(ROOT) == []


def test_no_module_imports_a_private_name_of_another():
    assert private_imports(ROOT) == []


def test_the_check_finds_an_upward_import(tmp_path):
    for app in LAYERS:
        (tmp_path / app).mkdir()
    (tmp_path / "records" / "bad.py").write_text("from requests_app.models import PrivacyRequest\n")
    assert upward_imports(tmp_path) == ["records/bad.py imports requests_app"]


def test_the_check_finds_a_circle_held_apart_by_a_deferred_import(tmp_path):
    package = tmp_path / "requests_app" / "deletion"
    package.mkdir(parents=True)
    for app in LAYERS[:2] + LAYERS[3:]:
        (tmp_path / app).mkdir()
    (tmp_path / "requests_app" / "__init__.py").write_text("")
    (tmp_path / "requests_app" / "lifecycle.py").write_text(
        "def close():\n    from requests_app.deletion.services import hook\n"
    )
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("from requests_app.lifecycle import close\n\nfrom . import tasks\n")
    (package / "tasks.py").write_text("def run():\n    from .services import hook\n")  # the sanctioned one
    assert import_circles(module_graph(tmp_path)) == [
        ["requests_app.deletion.services", "requests_app.lifecycle"]
    ]


def test_the_check_finds_a_template_loading_a_higher_layers_tags(tmp_path):
    for app in LAYERS:
        (tmp_path / app / "templatetags").mkdir(parents=True)
    (tmp_path / "staff" / "templatetags" / "staff_tags.py").write_text("")
    (tmp_path / "templates" / "requests_app").mkdir(parents=True)
    (tmp_path / "templates" / "requests_app" / "status.html").write_text("{% load i18n staff_tags %}")
    (tmp_path / "templates" / "emails").mkdir()
    (tmp_path / "templates" / "emails" / "denial.txt").write_text("{% load staff_tags %}")
    (tmp_path / "templates" / "staff").mkdir()
    (tmp_path / "templates" / "staff" / "queue.html").write_text("{% load staff_tags %}")
    assert upward_template_loads(tmp_path) == [
        "templates/emails/denial.txt loads staff_tags of staff",
        "templates/requests_app/status.html loads staff_tags of staff",
    ]


def test_the_check_finds_a_private_helper_imported_elsewhere(tmp_path):
    for app in [*LAYERS, "tests", "bench"]:
        (tmp_path / app).mkdir()
    (tmp_path / "requests_app" / "views.py").write_text(
        "from django.utils.translation import gettext as _\nfrom requests_app.web import _limited\n"
    )
    assert private_imports(tmp_path) == ["requests_app/views.py imports _limited"]


@pytest.mark.parametrize("app", LAYERS)
def test_every_layer_exists(app):
    assert (ROOT / app / "__init__.py").exists()
