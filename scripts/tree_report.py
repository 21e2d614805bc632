"""Print the code tree as Markdown: folder → modules → lines, the largest modules and functions.

Usage: ``python scripts/tree_report.py [ROOT]`` (defaults to the repository). Counts every line of
the product packages (tests, notebooks and data files excluded), so two checkouts compare directly.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

PACKAGES = ("api", "embeddings", "matcher", "pipelines")


def modules(root: Path) -> list[Path]:
    """Every Python module of the product packages under ``root``."""
    return sorted(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py") if "data" not in p.parts)


def functions(path: Path) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function and method in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (child.end_lineno or child.lineno) - child.lineno + 1
                found.append((size, f"{prefix}{child.name}"))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def report(root: Path, top: int = 10) -> str:
    """The Markdown report of the tree at ``root``."""
    per_folder: dict[str, list[int]] = defaultdict(list)
    sizes: list[tuple[int, str]] = []
    funcs: list[tuple[int, str]] = []
    for path in modules(root):
        rel = path.relative_to(root)
        lines = len(path.read_text(encoding="utf-8").splitlines())
        per_folder[str(rel.parent)].append(lines)
        sizes.append((lines, str(rel)))
        funcs += [(n, f"{rel}:{name}") for n, name in functions(path)]
    out = ["| folder | modules | lines |", "|---|---:|---:|"]
    out += [f"| {d}/ | {len(v)} | {sum(v)} |" for d, v in sorted(per_folder.items())]
    out.append(f"| **total** | {len(sizes)} | {sum(n for n, _ in sizes)} |")
    over = sum(1 for n, _ in sizes if n > 300)
    out += ["", f"Largest modules ({over} over 300 lines):", ""]
    out += [f"- {name}: {n}" for n, name in sorted(sizes, reverse=True)[:top]]
    out += ["", "Largest functions:", ""]
    out += [f"- {name}: {n}" for n, name in sorted(funcs, reverse=True)[:top]]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(report(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1]))
