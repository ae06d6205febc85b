#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn a summary (HDF5) into the program fuzz/fuzz_summary.c builds a file from, as a seed.

    fuzz/summary_to_program.py SUMMARY.h5 OUT.bin

Groups, datasets (numbers, enums, strings) and attributes, in file order; the columns'
description and units attributes are left out (the reader does not read them, and they would
make the seed ten times longer). Needs h5py and numpy."""
import struct
import sys

import h5py
import numpy as np

SKIP_ATTRS = {"description", "units"}


def name(s):
    b = s.encode()[:255]
    return bytes([len(b)]) + b


def value(v):
    """type byte, count and data of one dataset or attribute value."""
    a = np.asarray(v)
    scalar = a.ndim == 0
    flat = a.reshape(-1)
    count = struct.pack("<H", min(len(flat), 4096))
    flag = 0x80 if scalar else 0
    if a.dtype.kind in "OSU":
        out = bytes([5 | flag]) + count
        for x in flat[:4096]:
            s = x.decode() if isinstance(x, bytes) else str(x)
            out += name(s)
        return out
    if h5py.check_enum_dtype(a.dtype) is not None or a.dtype == np.int8:
        return bytes([8 | flag]) + count + flat[:4096].astype("<i1").tobytes()
    if a.dtype.kind in "iu":
        return bytes([4 | flag]) + count + flat[:4096].astype("<i8").tobytes()
    return bytes([0 | flag]) + count + flat[:4096].astype("<f8").tobytes()


def attrs(obj, target):
    out = b""
    for k, v in obj.attrs.items():
        if k not in SKIP_ATTRS:
            out += b"A" + bytes([target]) + name(k) + value(v)
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    prog = b""
    with h5py.File(src, "r") as f:
        prog += attrs(f, 0)
        for gname, g in f.items():
            if not isinstance(g, h5py.Group):
                continue
            prog += b"G" + name(gname) + attrs(g, 0)
            for dname, d in g.items():
                if isinstance(d, h5py.Dataset):
                    prog += b"D" + name(dname) + value(d[()]) + attrs(d, 1)
    with open(dst, "wb") as out:
        out.write(prog)


if __name__ == "__main__":
    main()
