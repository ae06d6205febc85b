#!/bin/sh
# CLI: `batch` on a folder finds what `process` reads, through the readers' probes: an E4
# zip (made here from ../shared/data's WESAD S15 export), a simulated CSV; not a README,
# not the simulator's truth files. $1 = the pulsetrain binary. Exit 77 without the data.
set -u
PT="$1"
S15="${PT_SHARED_DIR:-../shared}/data/formats/e4/wesad_S15"
[ -d "$S15" ] || { echo "SKIP: $S15 not found (set PT_SHARED_DIR)"; exit 77; }
d=$(mktemp -d /tmp/pt_bprobe_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
mkdir -p "$d/in"
/usr/bin/python3 - "$S15" "$d/in/S15.zip" <<'PY' || { echo "FAIL zip"; exit 1; }
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(sys.argv[1])):
        z.write(os.path.join(sys.argv[1], n), n)
PY
"$PT" simulate --minutes 10 --seed 3 -o "$d/in/sim.csv" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
echo "# notes, not a recording" > "$d/in/README.md"
"$PT" info "$d/in/S15.zip" >/dev/null 2>&1 || { echo "FAIL info cannot read the zip"; fail=1; }
"$PT" batch "$d/in" -o "$d/out" -j 1 >"$d/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL batch exit $rc"; cat "$d/log"; fail=1; }
for n in S15 sim; do
    [ -f "$d/out/$n.h5" ] && echo "ok   batch found and ran $n" || { echo "FAIL batch did not run $n"; cat "$d/log"; fail=1; }
done
for n in README sim.truth sim.recovery; do
    [ -e "$d/out/$n.h5" ] && { echo "FAIL batch took $n for a recording"; fail=1; } || echo "ok   $n left alone"
done
exit $fail
