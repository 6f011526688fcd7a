#!/usr/bin/env python3
"""List every function or method longer than 60 lines in app.py, extensions.py and blueprints/ (demo.py files
excepted: tables of demo data are long by nature); exit 1 if there is any. Run by `make lint`."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

LIMIT = 60
ROOT = Path(__file__).resolve().parent.parent


def checked_files(root: Path) -> list[Path]:
    """app.py, extensions.py and every module under blueprints/ except the demo seeders."""
    files = [root / "app.py", root / "extensions.py"]
    files += sorted(p for p in (root / "blueprints").rglob("*.py") if p.name != "demo.py")
    return [p for p in files if p.exists()]


def long_functions(path: Path, limit: int = LIMIT) -> list[tuple[int, str, int]]:
    """(line, qualified name, length) of each function in the file longer than `limit` lines, counted from its
    `def` to the last line of its body (docstring and comments included, decorators not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                length = child.end_lineno - child.lineno + 1
                if length > limit:
                    found.append((child.lineno, prefix + child.name, length))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return sorted(found)


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    failures = 0
    for path in checked_files(root):
        for line, name, length in long_functions(path):
            print(f"{path.relative_to(root)}:{line}: {name} is {length} lines long (limit {LIMIT})")
            failures += 1
    if failures:
        print(f"{failures} function(s) over {LIMIT} lines: split them into named steps")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
