"""The app layers hold (import-linter, configured in pyproject.toml), and a back-edge breaks the check."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, check=False
    )


def top_level_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}


def layer_names() -> set[str]:
    names = set()
    for layer in CONTRACTS["layers"]["layers"]:
        for name in layer.replace(":", "|").split("|"):
            names.add(name.strip().strip("()"))
    return names


def test_the_apps_import_only_downwards_and_nothing_imports_config():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_every_top_level_package_is_checked_and_placed_in_a_layer():
    # import-linter's own `exhaustive` needs a container package; the apps are top-level packages.
    packages = top_level_packages()
    assert set(CONFIG["root_packages"]) == packages, "list every app in root_packages and place it in a layer"
    assert packages - {"config"} <= layer_names()
    assert set(CONTRACTS["config-on-top"]["source_modules"]) == packages - {"config"}


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    """The project's Python files and pyproject.toml, in a directory of their own."""
    copy = tmp_path_factory.mktemp("tree")
    for package in top_level_packages():
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


@pytest.mark.parametrize(
    ("module", "statement", "message"),
    [
        ("tenants/scope.py", "from tickets import models", "tenants is not allowed to import tickets"),
        (
            "api/management/commands/create_api_key.py",
            "import clients.selectors",
            "api is not allowed to import clients",
        ),
        ("portal/links.py", "from reports import selectors", "portal is not allowed to import reports"),
        ("events/services.py", "import config.urls", "events is not allowed to import config"),
    ],
)
def test_an_import_inside_a_function_from_a_higher_layer_fails_the_check_naming_it(
    tree_copy, module, statement, message
):
    path = tree_copy / module
    original = path.read_text()
    importer = module.removesuffix(".py").replace("/", ".")
    imported = statement.split()[1]
    try:
        path.write_text(f"{original}\n\ndef _back_edge():\n    {statement}  # noqa\n")
        result = lint_imports(tree_copy)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout
    assert f"{importer} -> {imported}" in result.stdout
