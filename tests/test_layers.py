"""The layers only look down: protocol <- store <- server, and within the server the
services never reach up into a transport (server/rest, server/realtime).

Read from the source with `ast`, so an import hidden inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the absolute module prefixes it may never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "protocol": ("store", "server"),
    "store": ("server",),
    "server/services": ("server.rest", "server.realtime"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, as absolute names, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from server import rest` imports server.rest
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imports(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package: str) -> None:
    assert _violations(package, FORBIDDEN[package]) == []


def test_the_check_sees_relative_imports() -> None:
    """The checker itself: a relative import two levels up is resolved."""
    imports = _imports(ROOT / "server" / "services" / "core.py")
    assert all(not module.startswith(".") for _, module in imports)
    assert any(module.startswith("server.") for _, module in imports)


def test_shared_services_never_import_a_domain() -> None:
    """The modules directly in server/services (core, clock, resource, mail...) are what
    every domain uses; the domains are its subpackages. A shared module that imported a
    domain would make every domain depend on that one (docs/architecture.md, Domains)."""
    services = ROOT / "server" / "services"
    domains = sorted(p.name for p in services.iterdir() if (p / "__init__.py").is_file())
    assert "projects" in domains
    forbidden = tuple(f"server.services.{d}" for d in domains)
    out = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(services.glob("*.py"))
        for line, module in _imports(path)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]
    assert out == []
