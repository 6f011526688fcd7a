"""The import contract (.importlinter, README "Layout") bites: a core module importing a domain breaks the build."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed in this venv")


def _lint_imports(root: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(config)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def _contract_name(config: Path, contract: str) -> str:
    parser = configparser.ConfigParser()
    parser.read(config, encoding="utf-8")
    return parser[f"importlinter:contract:{contract}"]["name"]


def test_a_core_module_importing_a_domain_breaks_the_layers_contract(tmp_path):
    shutil.copytree(REPO / "blueprints", tmp_path / "blueprints", ignore=shutil.ignore_patterns("__pycache__", "*.txt"))
    config = tmp_path / ".importlinter"
    shutil.copy(REPO / ".importlinter", config)
    (tmp_path / "blueprints" / "core" / "layering_probe.py").write_text(
        '"""A core module that reaches up into a domain (what the contract forbids)."""\n'
        "from blueprints.admin import imports  # noqa: F401\n", encoding="utf-8")

    result = _lint_imports(tmp_path, config)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"{_contract_name(config, 'layers')} BROKEN" in output
    assert "blueprints.core.layering_probe -> blueprints.admin" in output


def test_the_real_tree_keeps_every_contract():
    """FOR THE LEAD: this one fails until every branch of issue 13 is merged (stats still imports other domains'
    services on main); after the merge it must pass, like `make lint`."""
    result = _lint_imports(REPO, REPO / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
