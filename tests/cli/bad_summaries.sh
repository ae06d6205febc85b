#!/bin/sh
# CLI: damaged summaries (ragged columns, text where numbers belong, 2-D columns, no
# pulsetrain attributes, cut short) make info, report and load exit 2 with a message naming
# the file, never crash or hang; batch --resume redoes a damaged summary of its own.
# $1 = the pulsetrain binary. Needs h5py to damage the files (exit 77 without it).
set -u
PT="$1"
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c "import h5py, numpy" 2>/dev/null ||
    { echo "skip: /usr/bin/python3 with h5py and numpy is needed to damage summaries"; exit 77; }
d=$(mktemp -d /tmp/pt_cli_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
expect() { # name code command...: exit code as expected, and no sanitizer report
    name=$1 want=$2; shift 2
    timeout 60 "$@" >"$d/stdout" 2>"$d/err"; got=$?
    if [ "$got" -ne "$want" ]; then no "$name: exit $got, expected $want"; cat "$d/err"; return 1; fi
    if grep -q "Sanitizer\|runtime error" "$d/err"; then no "$name: sanitizer"; cat "$d/err"; return 1; fi
    ok "$name"
}
said() { # name text: the last command's stderr holds text
    grep -q -- "$2" "$d/err" && ok "$1 says '$2'" || { no "$1: stderr lacks '$2'"; cat "$d/err"; }
}
mkdir "$d/in" "$d/batch"
"$PT" simulate --minutes 30 --seed 3 -o "$d/in/a.csv" >/dev/null 2>&1 || no "simulate"
"$PT" process -q "$d/in/a.csv" -o "$d/good.h5" || no "process"
"$PY" - "$d" <<'EOF' || no "damage"
import sys, shutil, h5py, numpy as np
d = sys.argv[1]
def copy(name):
    p = f"{d}/{name}.h5"; shutil.copy(f"{d}/good.h5", p); return h5py.File(p, "r+")
with copy("ragged") as f:                      # one epoch column shorter than the rest
    x = f["epochs/hr_bpm"][:-7]; del f["epochs/hr_bpm"]; f["epochs/hr_bpm"] = x
with copy("text") as f:                        # text where numbers belong
    n = f["epochs/hr_bpm"].shape[0]; del f["epochs/hr_bpm"]
    f["epochs/hr_bpm"] = np.array([b"x"] * n)
with copy("twod") as f:                        # a 2-D column
    x = f["epochs/hr_bpm"][:]; del f["epochs/hr_bpm"]
    f["epochs/hr_bpm"] = np.stack([x, x], axis=1)
with copy("noattr") as f:                      # the root attributes gone
    for k in list(f.attrs): del f.attrs[k]
data = open(f"{d}/good.h5", "rb").read()        # cut short, as by an interrupted copy
open(f"{d}/cut.h5", "wb").write(data[: len(data) // 2])
EOF
for k in ragged text twod noattr cut; do
    f="$d/$k.h5"
    expect "info $k" 2 "$PT" info "$f"; said "info $k" "$k.h5"
    expect "report $k" 2 "$PT" report "$f" -o "$d/$k.svg"
    [ -e "$d/$k.svg" ] && no "report $k left $k.svg"
    expect "load $k" 2 "$PT" load "$f" -o "$d/load_$k.h5"
    [ -e "$d/load_$k.h5" ] && no "load $k left load_$k.h5"
done
expect "info cut says truncated" 2 "$PT" info "$d/cut.h5"; said "info cut" "truncated HDF5 file"
expect "info ragged names the column" 2 "$PT" info "$d/ragged.h5"; said "info ragged" "hr_bpm"
# A batch's own summary cut short is redone by --resume, not fatal, not kept.
expect "batch" 0 "$PT" batch -q "$d/in" -o "$d/batch"
s=$(ls "$d/batch"/*.h5 | grep -v index | head -1)
[ -n "$s" ] || no "batch wrote no summary"
head -c 4000 "$s" > "$d/half" && mv "$d/half" "$s"
expect "batch --resume over a cut summary" 0 "$PT" batch -q --resume "$d/in" -o "$d/batch"
expect "the redone summary reads" 0 "$PT" info "$s"
exit $fail
