#!/usr/bin/python3
"""Compare two batch indexes (OUTDIR/batch.h5) row by row: the same columns of
/recordings and /days, the same rows in the same order and the same values (NaN equal
to NaN). wall_s (time taken) is not compared; status "kept" (resumed) counts as "ok";
summary paths are compared by file name (the folders differ). Also days.csv byte for
byte. Prints each difference; exit 1 if there is one.
    compare_index.py REF_OUTDIR OUTDIR"""
import os
import sys

import h5py
import numpy as np


def norm(name, v):
    v = [x.decode() if isinstance(x, bytes) else x for x in v]
    if name == "status":
        v = ["ok" if x == "kept" else x for x in v]
    if name == "summary":
        v = [x.rsplit("/", 1)[-1] for x in v]
    return v


def main(ref, out):
    bad = 0
    a, b = h5py.File(ref + "/batch.h5", "r"), h5py.File(out + "/batch.h5", "r")
    rows = 0
    for group in ("recordings", "days"):
        if group not in a:
            continue
        if group not in b:
            print("FAIL index: no group", group)
            bad = 1
            continue
        for name in a[group]:
            if name == "wall_s":
                continue
            if name not in b[group]:
                print("FAIL index: no column %s/%s" % (group, name))
                bad = 1
                continue
            x, y = a[group][name][()], b[group][name][()]
            if x.dtype.kind in "OS":
                same = norm(name, x) == norm(name, y)
            else:
                same = x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
            if not same:
                print("FAIL index column %s/%s differs:\n  %s\n  %s" % (group, name, x, y))
                bad = 1
        if group == "recordings":
            rows = len(a[group]["path"])
    for f in ("days.csv",):
        if os.path.exists(ref + "/" + f):
            if open(ref + "/" + f, "rb").read() != open(out + "/" + f, "rb").read():
                print("FAIL %s differs" % f)
                bad = 1
    if not bad:
        print("ok   index: %d rows in the same order with the same values" % rows)
    return bad


sys.exit(main(sys.argv[1], sys.argv[2]))
