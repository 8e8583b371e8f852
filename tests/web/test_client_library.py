"""The client library's own checks: JSDoc types under tsc, and its node:test unit tests (clients/js/test)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.web.conftest import ROOT

CLIENT = ROOT / "clients" / "js"


def npm(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("npm")
    if binary is None:
        pytest.fail("Node.js and npm are needed for the client library's checks (clients/js)")
    if not (CLIENT / "node_modules").is_dir():
        pytest.fail("run `make js` first (npm install in clients/js)")
    return subprocess.run([binary, *args], cwd=CLIENT, capture_output=True, text=True, timeout=300, check=False)


def test_the_library_and_the_app_type_check_with_tsc() -> None:
    result = npm("run", "--silent", "check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_library_unit_tests_pass() -> None:
    result = npm("test", "--silent")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_declares_its_entry_points_and_types() -> None:
    package = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
    assert package["type"] == "module"
    assert package["exports"]["."]["types"] == package["types"] == "./dist/types/index.d.ts"
    assert package["exports"]["."]["import"] == "./dist/oncommun.js"
