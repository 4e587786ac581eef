"""The package rules of ARCHITECTURE.md: the import-linter contracts hold, cover every feature
and every entry-point module, and run with the suite in `make test` and `make lint`."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
BELOW_FEATURES = {"core", "models"}  # packages that are layers of their own, not features
ENTRY_POINTS = re.compile(r"^(views|forms|commands|\w+_views)$")


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def _features() -> set[str]:
    return {
        path.parent.name
        for path in PORTAL.glob("*/__init__.py")
        if path.parent.name not in BELOW_FEATURES
    }


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
        [str(lint_imports), "--no-logo", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_feature_is_a_layer_between_the_root_and_permissions():
    layers = _contracts()["layers"]["layers"]
    assert layers[0] == "cli"
    assert layers[2:] == ["permissions", "core", "extensions", "models"]
    assert set(layers[1].split(" : ")) == _features()


def test_every_features_views_forms_and_commands_are_protected():
    contracts = _contracts()
    for feature in _features():
        contract = contracts[f"{feature}-web"]
        assert contract["type"] == "protected"
        assert set(contract["allowed_importers"]) == {
            "portal",
            "portal.cli",
            f"portal.{feature}.**",
        }
        entry_points = {
            f"portal.{feature}.{path.stem}"
            for path in (PORTAL / feature).glob("*.py")
            if ENTRY_POINTS.match(path.stem)
        }
        assert set(contract["protected_modules"]) == entry_points, feature


def test_no_package_cycles_at_any_depth():
    contract = _contracts()["acyclic"]
    assert contract["type"] == "acyclic_siblings"
    assert contract["ancestors"] == ["portal"]
    assert "depth" not in contract and "ignore_imports" not in contract


def test_make_test_and_make_lint_run_the_contracts():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("test", "lint"):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
        lines = recipe.splitlines()
        assert any("lint-imports" in line for line in lines), target
        ruff = max(i for i, line in enumerate(lines) if "ruff" in line)
        contracts = next(i for i, line in enumerate(lines) if "lint-imports" in line)
        assert ruff < contracts, target
