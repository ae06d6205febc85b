#!/usr/bin/python3
"""Compare two trees written by scripts/snapshot-outputs: every HDF5 file
(groups, datasets: dtype, shape, values with NaN equal to NaN; every attribute),
every other file byte for byte, and the exit codes and messages of every command.
Prints each difference; exit 1 if there is one.  Attributes that record when or
how long a run took (IGNORED_ATTRS) are not compared."""
import os, sys
import h5py, numpy as np

IGNORED_ATTRS = {"created_utc", "elapsed_s", "wall_s", "cpu_s", "run_time_s"}
IGNORED_DATASETS = {"wall_s", "elapsed_s", "cpu_s"}


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    if a.dtype.names:
        return all(same_value(a[n], b[n]) for n in a.dtype.names)
    return bool(np.array_equal(a, b))


def walk(f):
    out = {}
    def visit(name, obj):
        out[name] = obj
    f.visititems(visit)
    return out


def compare_h5(pa, pb, diffs):
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        oa, ob = walk(fa), walk(fb)
        oa[""] = fa; ob[""] = fb
        for k in sorted(set(oa) | set(ob)):
            if k not in oa or k not in ob:
                diffs.append(f"{pb}:/{k}: only in {'before' if k in oa else 'after'}")
                continue
            a, b = oa[k], ob[k]
            if type(a) != type(b):
                diffs.append(f"{pb}:/{k}: group vs dataset"); continue
            if isinstance(a, h5py.Dataset) and k.split("/")[-1] not in IGNORED_DATASETS:
                if a.dtype != b.dtype:
                    diffs.append(f"{pb}:/{k}: dtype {a.dtype} vs {b.dtype}")
                elif not same_value(a[()], b[()]):
                    diffs.append(f"{pb}:/{k}: values differ")
            aa, ab = dict(a.attrs), dict(b.attrs)
            for n in sorted(set(aa) | set(ab)):
                if n in IGNORED_ATTRS:
                    continue
                if n not in aa or n not in ab:
                    diffs.append(f"{pb}:/{k} @{n}: only in {'before' if n in aa else 'after'}")
                elif a.attrs.get_id(n).get_type().get_class() != b.attrs.get_id(n).get_type().get_class() \
                        or not same_value(aa[n], ab[n]):
                    diffs.append(f"{pb}:/{k} @{n}: {aa[n]!r} vs {ab[n]!r}")


def main(a, b):
    diffs = []
    files = set()
    for root in (a, b):
        for d, _, fs in os.walk(root):
            for f in fs:
                files.add(os.path.relpath(os.path.join(d, f), root))
    for rel in sorted(files):
        pa, pb = os.path.join(a, rel), os.path.join(b, rel)
        if not os.path.exists(pa) or not os.path.exists(pb):
            diffs.append(f"{rel}: only in {'before' if os.path.exists(pa) else 'after'}")
        elif rel.endswith(".h5"):
            compare_h5(pa, pb, diffs)
        elif rel.endswith(".journal.tsv") or (rel.startswith("log/batch") and rel.endswith(".err")):
            continue  # timings and pids
        else:
            with open(pa, "rb") as x, open(pb, "rb") as y:
                if x.read() != y.read():
                    diffs.append(f"{rel}: bytes differ")
    for d in diffs:
        print(d)
    print(f"{len(files)} files compared, {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
