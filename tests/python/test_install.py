# SPDX-License-Identifier: GPL-2.0-or-later
"""The offline install from the checkout works: pip (Debian's, no index, no build
isolation) builds the package against the checkout's library into a --target folder, and
that copy runs the pipeline with the numbers of the build tree's copy."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import SAMPLE, SOURCE, cli


def test_pip_install_target(tmp_path):
    if subprocess.run([sys.executable, "-m", "pip", "--version"],
                      capture_output=True).returncode != 0:
        pytest.skip("no pip (python3-pip)")
    build = os.path.dirname(os.path.abspath(cli()))
    target = tmp_path / "site"
    env = dict(os.environ, PT_BUILD_DIR=build)
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                        "--no-index", "--no-deps", "--disable-pip-version-check", "--target",
                        str(target), os.path.join(SOURCE, "python")],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (target / "pulsetrain" / "__init__.pyi").exists()
    assert (target / "pulsetrain" / "py.typed").exists()
    code = ("import pulsetrain as pt, sys; s = pt.process(sys.argv[1], threads=1); "
            "print(pt.__file__); print(len(s.hr), repr(float(s.hr.bpm.sum())))")
    env["PYTHONPATH"] = str(target)
    out = subprocess.run([sys.executable, "-c", code, SAMPLE], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0].startswith(str(target))
    import pulsetrain as pt
    s = pt.process(SAMPLE, threads=1)
    assert out[1] == f"{len(s.hr)} {float(s.hr.bpm.sum())!r}"
    shutil.rmtree(target)
