"""The layout the README draws, read from the source: imports point down only, and one function
assigns a status.

    recounts ──► accounts ──► elections
        └───────────────────────►┘

`elections` imports neither `accounts` nor `recounts`; `accounts` does not import `recounts` (it
tells people through notices `recounts` registers with it, and asks `recounts`' rules by name).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "elections", "recounts")


def source_files(app: str, *, migrations: bool = True) -> list[Path]:
    return sorted(
        path for path in (ROOT / app).rglob("*.py") if migrations or "migrations" not in path.relative_to(ROOT).parts
    )


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at any depth (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(("app", "forbidden"), [("elections", {"accounts", "recounts"}), ("accounts", {"recounts"})])
def test_imports_point_down_only(app, forbidden):
    upward = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in source_files(app)
        for module in imported_modules(path)
        if module.split(".")[0] in forbidden
    }
    assert upward == set()


def test_the_layout_test_sees_an_upward_import(tmp_path):
    """The reader above is not blind: a file importing upward is named."""
    sample = tmp_path / "views.py"
    sample.write_text("def page():\n    from recounts.permissions import decide\n    return decide\n")
    assert imported_modules(sample) == {"recounts.permissions"}


def status_assignments(path: Path, root: Path = ROOT) -> list[str]:
    """Where the file sets a `status`: an assignment to an attribute named so, `setattr(x, "status", …)`,
    or `.update(status=…)`; each as "file:line in function"."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inside = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            targets = []
            if isinstance(child, ast.Assign):
                targets = child.targets
            elif isinstance(child, ast.AugAssign | ast.AnnAssign):
                targets = [child.target]
            flat = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            setting = any(isinstance(target, ast.Attribute) and target.attr == "status" for target in flat)
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "setattr":
                setting = setting or any(isinstance(a, ast.Constant) and a.value == "status" for a in child.args)
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "update":
                setting = setting or any(keyword.arg == "status" for keyword in child.keywords)
            if setting:
                found.append(f"{path.relative_to(root)}:{child.lineno} in {inside}")
            visit(child, inside)

    visit(tree, "<module>")
    return found


#: The one function of each file that may set a status: a case's (and a county's part of one), and a
#: browser import of returns'.
MOVERS = {"recounts/services/cases.py": "case_move", "recounts/services/imports.py": "import_job_move"}


def test_no_status_is_assigned_outside_case_move():
    """A case, or a county's part of one, changes status in `recounts.services.cases.case_move` only; an
    import of returns in `recounts.services.imports.import_job_move` only."""
    found = [
        place for app in APPS for path in source_files(app, migrations=False) for place in status_assignments(path)
    ]
    assert [place for place in found if not place.endswith(f" in {MOVERS.get(place.split(':')[0])}")] == []
    assert sorted({place.split(":")[0] for place in found}) == sorted(MOVERS)


def test_the_status_reader_sees_each_way_of_setting_one(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text(
        "def withdraw(request):\n    request.status = 'withdrawn'\n"
        "def bulk(qs):\n    qs.update(status='denied')\n"
        "def sneaky(request):\n    setattr(request, 'status', 'counted')\n"
    )
    found = status_assignments(sample, root=tmp_path)
    assert found == ["services.py:2 in withdraw", "services.py:4 in bulk", "services.py:6 in sneaky"]
