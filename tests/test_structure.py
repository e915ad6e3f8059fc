"""What depends on what (STYLE.md, ARCHITECTURE.md §2), checked by walking the project's own imports: the
statements in each file, read without running it, including imports inside functions.

- Domain modules are plain Python: none imports the web framework, the database toolkit, the broker client or
  JWT, directly or through the project modules it imports.
- Services meet only through events and HTTP: no module under one service's tree (its tests included) imports
  another service, and shared/tests imports none; tests that run two services together live in tests/.
"""

import ast
import tokenize
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shared", "services", "asn")
FRAMEWORKS = frozenset({"fastapi", "starlette", "sqlalchemy", "aiokafka", "jwt"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def project_modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in (ROOT / package).rglob("*.py")
    }


@cache
def imported_by(module: str) -> frozenset[str]:
    """Every module name `module` imports (`from a import b` names `a`, and `a.b` where that is a module)."""
    path = project_modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _project_modules_of(name: str) -> Iterator[str]:
    """The project modules importing `name` runs: it and each package above it."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in project_modules():
            yield candidate


def frameworks_reached(module: str) -> dict[str, list[str]]:
    """Each framework `module` loads, with one chain of imports that loads it."""
    reached: dict[str, list[str]] = {}
    seen = {module}
    frontier = [[module]]
    while frontier:
        chain = frontier.pop()
        for name in sorted(imported_by(chain[-1])):
            top = name.split(".")[0]
            if top in FRAMEWORKS:
                reached.setdefault(top, [*chain, name])
            for inner in _project_modules_of(name):
                if inner not in seen:
                    seen.add(inner)
                    frontier.append([*chain, inner])
    return reached


def domain_modules() -> list[str]:
    return sorted(
        name
        for name in project_modules()
        if ".domain" in f".{name}" and ".tests" not in f".{name}" and name.startswith("services.")
    )


def test_the_walk_sees_what_a_module_loads():
    # The checks below mean something only if the walk finds a framework where there is one.
    assert "fastapi" in frameworks_reached("shared.problems")
    assert "jwt" in frameworks_reached("shared.auth")
    assert len(domain_modules()) >= 30


def test_no_domain_module_loads_a_framework():
    loaded = {
        module: " > ".join(chain)
        for module in domain_modules()
        for chain in frameworks_reached(module).values()
    }
    assert not loaded, "domain modules that load a framework:\n" + "\n".join(
        f"{module}: {chain}" for module, chain in sorted(loaded.items())
    )


def _services_named(module: str) -> set[str]:
    return {".".join(name.split(".")[:2]) for name in imported_by(module) if name.split(".")[0] == "services"}


def test_no_service_imports_another_and_shared_tests_import_none():
    crossings = {
        module: sorted(others)
        for module in project_modules()
        if module.startswith("services.") or module.startswith("shared.tests")
        for others in [_services_named(module) - {".".join(module.split(".")[:2])}]
        if others
    }
    assert not crossings, "imports across services (a test of two services belongs in tests/):\n" + "\n".join(
        f"{module} imports {', '.join(others)}" for module, others in sorted(crossings.items())
    )


def _text_outside_comments(path: Path) -> str:
    """The file's code and strings (docstrings included), without its comments."""
    with path.open("rb") as source:
        tokens = tokenize.tokenize(source.readline)
        return " ".join(token.string for token in tokens if token.type != tokenize.COMMENT)


def test_shared_names_no_service():
    """The composition root (asn/) knows the services; shared/ is the library they use and names none of them,
    by import or by a "services." string (a module path, an app factory, a migrations location)."""
    library = [
        module
        for module in project_modules()
        if module.split(".")[0] == "shared" and not module.startswith("shared.tests")
    ]
    importing = [
        f"{module} imports {name}"
        for module in library
        for name in sorted(imported_by(module))
        if name.split(".")[0] == "services"
    ]
    naming = [
        f"{module} names `services.`"
        for module in library
        if "services." in _text_outside_comments(project_modules()[module])
    ]
    assert not importing + naming, "shared/ depends on services:\n" + "\n".join(importing + naming)
