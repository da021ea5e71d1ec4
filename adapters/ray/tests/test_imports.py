"""The bridge's own modules run without Ray: only the Ray processes' modules import it."""

import os
import subprocess
import sys

import pytest

ADAPTER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    """A `ray` package that fails when imported, first on the path."""
    d = tmp_path_factory.mktemp("poison")
    (d / "ray").mkdir()
    (d / "ray" / "__init__.py").write_text("raise ImportError('the bridge imported ray')\n")
    return str(d)


def try_import(poisoned, module):
    code = f"import sys; sys.path[:0] = [{poisoned!r}, {ADAPTER_DIR!r}]; import {module}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module", ["protocol", "rpc", "cluster", "scenario", "settle", "classify"])
def test_the_bridges_modules_do_not_import_ray(poisoned, module):
    r = try_import(poisoned, f"rollcall_ray.{module}")
    assert r.returncode == 0, r.stderr


def test_the_ray_processes_modules_do_import_it(poisoned):
    r = try_import(poisoned, "rollcall_ray.steps")
    assert r.returncode != 0
    assert "the bridge imported ray" in r.stderr
