"""Every package names its public modules in ``__all__`` and imports none of them itself."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

PACKAGES = ("analysis", "loaders", "views", "ui", "pipeline", "reports", "rendering")


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_the_public_modules(name: str) -> None:
    package = importlib.import_module(name)
    modules = {info.name for info in pkgutil.iter_modules(package.__path__)
               if not info.name.startswith("_")}
    assert set(package.__all__) == modules
    assert package.__all__ == sorted(package.__all__)
    assert package.__doc__


def test_importing_a_package_imports_none_of_its_modules() -> None:
    code = (
        "import sys\n"
        f"import {', '.join(PACKAGES)}\n"
        f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {PACKAGES!r} "
        "and '.' in m))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert run.stdout.strip() == "[]"
