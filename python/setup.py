# SPDX-License-Identifier: GPL-2.0-or-later
"""Build the pulsetrain Python package against the checkout's C library (offline):

    cmake --preset dev && cmake --build --preset dev          # the library, once
    /usr/bin/python3 -m pip install --no-build-isolation --no-index ./python
    (or: --target DIR, or --user)

The library is taken from $PT_BUILD_DIR, else the first of ../build/dev, ../build/release
and ../build that holds libpulsetrain.so; the extension finds it there at run time (rpath),
so keep that build. CMake builds the same extension with -DPT_PYTHON=ON (build/python).
"""
import os
import sys

import numpy
from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def find_build():
    env = os.environ.get("PT_BUILD_DIR")
    cands = [env] if env else [os.path.join(root, "build", d) for d in ("dev", "release", "")]
    for d in cands:
        if d and os.path.exists(os.path.join(d, "libpulsetrain.so")):
            return os.path.abspath(d)
    sys.exit("pulsetrain: no built C library (libpulsetrain.so) in %s; build it first "
             "(cmake --preset dev && cmake --build --preset dev) or set PT_BUILD_DIR"
             % ", ".join(c for c in cands if c))


build = find_build()
ext = Extension(
    "pulsetrain._core",
    sources=[os.path.relpath(os.path.join(here, "src", "_core.c"), here)],
    include_dirs=[os.path.join(root, "include"), os.path.join(build, "include"),
                  numpy.get_include()],
    library_dirs=[build],
    libraries=["pulsetrain"],
    runtime_library_dirs=[build],
    define_macros=[("_POSIX_C_SOURCE", "200809L")],
    extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-pthread"],
    extra_link_args=["-pthread"],
)

# one setuptools build folder per C library build: switching PT_BUILD_DIR (dev, asan)
# relinks instead of reusing the other build's extension
tag = "".join(c if c.isalnum() else "_" for c in os.path.relpath(build, root))

setup(
    options={"build": {"build_base": os.path.join(here, "build", tag)}},
    name="pulsetrain",
    version="0.1.0",
    description="Wearable signal processing: numpy arrays in, pandas out, the CLI's numbers",
    license="GPL-2.0-or-later",
    packages=["pulsetrain"],
    package_data={"pulsetrain": ["*.pyi", "py.typed"]},
    ext_modules=[ext],
    python_requires=">=3.9",
    # numpy and pandas come from Debian (python3-numpy, python3-pandas); not declared, so that
    # an offline `pip install --target DIR` does not look for them on an index

)
