"""The C runtime as an app developer consumes it: CMake build and install (package
config and pkg-config), then the README's minimal app compiled both ways and run."""
import os
import shutil
import subprocess

import pytest

from zoo_models import exported

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_C = os.path.join(ROOT, "runtime_c")

CONSUMER = """
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(Ember 0.1 REQUIRED)
add_executable(minimal {src})
target_link_libraries(minimal PRIVATE Ember::ember_static)
"""


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    assert shutil.which("cmake"), "cmake is required"
    d = tmp_path_factory.mktemp("cmake")
    run(["cmake", "-S", RUNTIME_C, "-B", d / "build", "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", d / "build", "-j2"])
    run(["cmake", "--install", d / "build", "--prefix", d / "prefix"])
    return d


@pytest.fixture(scope="module")
def program_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prog") / "cnn.ember"
    path.write_bytes(exported("cnn")[2])
    return path


def test_install_layout(installed):
    p = installed / "prefix"
    for f in ("include/ember.h", "lib/libember.a", "lib/libember.so", "bin/ember_run",
              "lib/cmake/Ember/EmberConfig.cmake", "lib/cmake/Ember/EmberConfigVersion.cmake",
              "lib/pkgconfig/ember.pc"):
        assert (p / f).exists(), f


def test_minimal_app_with_pkg_config(installed, program_file, tmp_path):
    env = {**os.environ, "PKG_CONFIG_PATH": str(installed / "prefix/lib/pkgconfig")}
    flags = run(["pkg-config", "--cflags", "--libs", "--static", "ember"], env=env).stdout.split()
    exe = tmp_path / "minimal"
    run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
         os.path.join(RUNTIME_C, "examples", "minimal.c"), *flags, "-static-libgcc",
         f"-Wl,-rpath,{installed / 'prefix/lib'}", "-o", exe])
    out = run([exe, program_file]).stdout
    assert "method 'forward' uses" in out and "output 0 has" in out


def test_minimal_app_with_find_package(installed, program_file, tmp_path):
    src = os.path.join(RUNTIME_C, "examples", "minimal.c")
    (tmp_path / "CMakeLists.txt").write_text(CONSUMER.format(src=src))
    run(["cmake", "-S", tmp_path, "-B", tmp_path / "build", f"-DCMAKE_PREFIX_PATH={installed / 'prefix'}"])
    run(["cmake", "--build", tmp_path / "build"])
    out = run([tmp_path / "build" / "minimal", program_file]).stdout
    assert "output 0 has" in out


def test_ember_run_from_the_install(installed, program_file):
    out = run([installed / "prefix/bin/ember_run", "--self-test", program_file]).stdout
    assert "self-test: all passed" in out
