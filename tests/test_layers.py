"""The import graph's layers: providers talk to providers, the renderer never to a provider, media to neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import adbatch

PACKAGE = Path(adbatch.__file__).parent

# package -> the adbatch packages its modules must not import (at the top or inside a function)
FORBIDDEN = {
    "providers": ("adbatch.render", "adbatch.stages", "adbatch.pipeline", "adbatch.report"),
    "render": ("adbatch.providers", "adbatch.stages", "adbatch.pipeline"),
    "media": ("adbatch.providers", "adbatch.render", "adbatch.stages", "adbatch.domain", "adbatch.pipeline"),
}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``from adbatch.render import mix`` -> adbatch.render.mix)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_from_the_layers_it_must_not_know(package: str) -> None:
    """providers/ imports no renderer or stage, render/ no provider or stage, media/ none of them."""
    crossing = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for name in imports(path)
        if name.startswith(FORBIDDEN[package])
    }
    assert sorted(crossing) == []
