"""Where the bridge finds Ray (rollcall_ray.cluster): the per-user cache keyed by Ray's version."""

import os

import pytest

from rollcall_ray import cluster
from rollcall_ray.protocol import BridgeError


def test_the_pinned_version_is_read_from_requirements_txt():
    with open(cluster.REQUIREMENTS) as f:
        pinned = [line.split("==")[1].strip() for line in f if line.startswith("ray==")]
    assert cluster.required_ray_version() == pinned[0]


def test_requirement_lines_with_comments_and_markers(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("# a comment\n\n  ray==2.61.1 ; python_version >= '3.9'\nother==1\n")
    assert cluster.required_ray_version(str(reqs)) == "2.61.1"
    reqs.write_text("ray>=2\n")
    with pytest.raises(BridgeError, match="no 'ray==VERSION' line"):
        cluster.required_ray_version(str(reqs))


def reqs_file(tmp_path, version="2.60.0"):
    p = tmp_path / "requirements.txt"
    p.write_text(f"ray=={version}\n")
    return str(p)


def test_the_default_is_the_cache_under_xdg_cache_home(tmp_path):
    python = tmp_path / "cache" / "rollcall" / "ray-2.60.0" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": "/nonexistent"}
    assert cluster.find_ray_python(env, reqs_file(tmp_path)) == str(python)


def test_without_xdg_cache_home_the_cache_is_in_home(tmp_path):
    env = {"HOME": str(tmp_path)}
    seen = []
    found = cluster.find_ray_python(env, reqs_file(tmp_path, "2.61.0"), exists=lambda p: seen.append(p) or True)
    assert found == os.path.join(str(tmp_path), ".cache", "rollcall", "ray-2.61.0", "bin", "python")


def test_a_relative_xdg_cache_home_is_ignored_as_the_spec_says(tmp_path):
    env = {"XDG_CACHE_HOME": "relative/cache", "HOME": str(tmp_path)}
    assert cluster.cache_dir(env) == os.path.join(str(tmp_path), ".cache", "rollcall")


def test_rollcall_ray_venv_names_another_environment(tmp_path):
    env = {"ROLLCALL_RAY_VENV": str(tmp_path / "v"), "HOME": str(tmp_path)}
    assert cluster.find_ray_python(env, reqs_file(tmp_path), exists=lambda p: True) == str(tmp_path / "v" / "bin" / "python")


def test_ray_bridge_python_overrides_everything(tmp_path):
    env = {"RAY_BRIDGE_PYTHON": "/opt/my/python", "ROLLCALL_RAY_VENV": str(tmp_path / "v"), "HOME": str(tmp_path)}
    assert cluster.find_ray_python(env, reqs_file(tmp_path), exists=lambda p: False) == "/opt/my/python"


def test_a_missing_environment_says_exactly_what_to_run(tmp_path):
    env = {"HOME": str(tmp_path)}
    with pytest.raises(BridgeError) as e:
        cluster.find_ray_python(env, reqs_file(tmp_path))
    msg = str(e.value)
    assert f"no {tmp_path}/.cache/rollcall/ray-2.60.0/bin/python" in msg
    assert f"run `bash {cluster.INSTALL_SH}`" in msg
    assert os.path.isfile(cluster.INSTALL_SH)
    assert "RAY_BRIDGE_PYTHON" in msg


def test_the_installed_version_is_read_from_the_environments_metadata(tmp_path):
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "ray-2.60.0.dist-info"
    site.mkdir(parents=True)
    assert cluster.ray_version(str(tmp_path / "venv" / "bin" / "python")) == "2.60.0"


def test_ray_processes_find_the_bridges_package_and_report_to_it():
    env = cluster.ray_env({"PYTHONPATH": "/elsewhere", "KEEP": "1"}, "/py", "/tmp/h")
    assert env["PYTHONPATH"] == cluster.ADAPTER_DIR + os.pathsep + "/elsewhere"
    assert env["RAY_BRIDGE_PY"] == "/py"
    assert env["ROLLCALL_RAY_HANDLE_DIR"] == "/tmp/h"
    assert env["ROLLCALL_RAY_BRIDGE_PID"] == str(os.getpid())
    assert env["RAY_USAGE_STATS_ENABLED"] == "0"
    assert env["KEEP"] == "1"
    assert os.path.isfile(os.path.join(env["PYTHONPATH"].split(os.pathsep)[0], "rollcall_ray", "driver.py"))


def test_the_bridges_own_cluster_opts_out_of_token_auth_unless_the_user_chose_a_mode():
    # A ~/.ray/auth_token (written by a local ray.init() on Ray 2.60) would turn token auth on for
    # the bridge's head, and its drivers would fail with AuthenticationError.
    assert cluster.ray_env({}, "/py", "/tmp/h")["RAY_AUTH_MODE"] == "disabled"
    assert cluster.ray_env({"RAY_AUTH_MODE": "token"}, "/py", "/tmp/h")["RAY_AUTH_MODE"] == "token"
    # A user's own cluster (--address) keeps whatever mode the user's environment has.
    assert "RAY_AUTH_MODE" not in cluster.ray_env({"ROLLCALL_RAY_CLUSTER": "127.0.0.1:6379"}, "/py", "/tmp/h")
