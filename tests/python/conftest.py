# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers of the Python tests (run by ctest, label python, with PYTHONPATH at
build/python and PT_CLI / PT_SHARED_DIR / PT_REFERENCE_DIR / PT_SOURCE_DIR set)."""
import math
import os

import numpy as np
import pytest

SOURCE = os.environ.get("PT_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
SAMPLE = os.path.join(SOURCE, "data-samples", "sample_30min.csv")


def shared(*parts):
    """A path under ../shared, or skip the test when it is absent."""
    d = os.environ.get("PT_SHARED_DIR") or os.path.join(SOURCE, "..", "shared")
    p = os.path.join(d, *parts)
    if not os.path.exists(p):
        pytest.skip(f"{p} absent")
    return p


def reference(name):
    d = os.environ.get("PT_REFERENCE_DIR") or os.path.join(SOURCE, "..", "shared", "reference")
    p = os.path.join(d, name)
    if not os.path.exists(p):
        pytest.skip(f"{p} absent: no scipy reference vectors")
    return p


def cli():
    p = os.environ.get("PT_CLI") or os.path.join(SOURCE, "build", "dev", "pulsetrain")
    if not os.path.exists(p):
        pytest.skip("no CLI (PT_CLI)")
    return p


def same_values(a, b):
    """Equal element by element, NaN equal to NaN (categoricals and dates by value)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
    return all((x == y) or (isinstance(x, float) and isinstance(y, float) and math.isnan(x)
                            and math.isnan(y)) for x, y in zip(a.tolist(), b.tolist()))


def assert_same_summary(a, b, check_index=True):
    """Every table of a and b: the same columns, units and values (NaN == NaN)."""
    assert sorted(a.tables) == sorted(b.tables)
    for name in a.tables:
        ta, tb = a.tables[name], b.tables[name]
        assert list(ta.columns) == list(tb.columns), name
        assert len(ta) == len(tb), name
        assert ta.attrs["units"] == tb.attrs["units"], name
        for col in ta.columns:
            assert str(ta[col].dtype) == str(tb[col].dtype), (name, col)
            if (name, col) == ("hrv", "duration_s"):
                # the whole-recording row's length: a CSV's is its last time + 1 / the rate
                # estimated from its time column, arrays' is exact (differs ~1e-9 relative)
                assert np.allclose(ta[col].to_numpy(), tb[col].to_numpy(), rtol=1e-6,
                                   atol=0, equal_nan=True), (name, col)
                continue
            assert same_values(ta[col].to_numpy(), tb[col].to_numpy()), (name, col)
        if check_index:
            assert ta.index.equals(tb.index), name
