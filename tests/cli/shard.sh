#!/bin/sh
# CLI: `batch --shard K/N` without a scheduler — the parts are disjoint, cover the listing,
# follow largest-first-into-the-lightest-part, and are the same on every run; a part writes
# only its summaries and batch.journal.K-of-N.tsv (no index) and leaves the other parts'
# temporary files alone; --resume per part; K/N from Slurm's and SGE's array variables, a
# PBS index refused without --shard; -j follows SLURM_CPUS_PER_TASK.
# $1 = path of the pulsetrain binary.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_shard_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
T=$(printf '\t')
# run NAME WANT_EXIT -- command: stderr in $d/err
run() {
    name=$1 want=$2; shift 3
    "$@" >"$d/stdout" 2>"$d/err"; got=$?
    [ "$got" -eq "$want" ] || { no "$name: exit $got, expected $want"; cat "$d/err"; return 1; }
    echo "ok   $name"
}

mkdir -p "$d/in"
i=0
for m in 7 3 12 5 9 4 11; do # sizes chosen so that the parts are not those of round-robin
    i=$((i + 1))
    "$PT" simulate --minutes $m --seed $i -o "$d/in/r$i.csv" >/dev/null 2>&1 || no "simulate"
done

# 1. three parts: disjoint, complete, no index, only their own journals
for k in 1 2 3; do
    run "shard $k/3" 0 -- "$PT" batch "$d/in" -o "$d/out" --shard $k/3 -j 1
    grep -q "shard $k/3 (--shard)" "$d/err" || no "shard $k/3 not printed: $(cat "$d/err")"
done
[ -f "$d/out/batch.h5" ] && no "a part wrote the index"
[ -f "$d/out/batch.journal.tsv" ] && no "a part wrote the whole batch's journal"
# recordings only (the simulator's side files are journalled as skipped, not recordings)
cat "$d"/out/batch.journal.*-of-3.tsv | grep "${T}ok${T}" | cut -f4 | sort >"$d/listed"
ls "$d"/in/r?.csv | sort >"$d/all"
cmp -s "$d/listed" "$d/all" || { no "the parts do not cover the listing once each:"; cat "$d/listed"; }
[ "$(ls "$d"/out/r?.h5 | wc -l)" -eq 7 ] || no "not 7 summaries"

# 2. the parts are LPT's: largest first into the lightest part (ties: lower part number)
/usr/bin/python3 - "$d" <<'EOF' || fail=1
import os, sys, glob
d = sys.argv[1]
files = sorted(glob.glob(d + "/in/r?.csv"))
order = sorted(range(len(files)), key=lambda i: (-os.path.getsize(files[i]), i))
load, want = [0, 0, 0], {}
for i in order:
    p = min(range(3), key=lambda k: (load[k], k))
    load[p] += os.path.getsize(files[i])
    want[files[i]] = p + 1
for k in (1, 2, 3):
    rows = [l.split("\t") for l in open(d + "/out/batch.journal.%d-of-3.tsv" % k)][1:]
    got = [r[3] for r in rows if r[1] == "ok"]
    exp = [f for f in files if want[f] == k]
    if sorted(got) != exp:
        print("FAIL part %d: %s, expected %s" % (k, got, exp)); sys.exit(1)
print("ok   parts are largest-first into the lightest part:", [round(x / 1e6, 2) for x in load], "MB")
EOF

# 3. every summary equals the single-machine batch's, byte for byte
run "whole batch" 0 -- "$PT" batch "$d/in" -o "$d/ref" -j 2
for f in "$d"/ref/r?.h5; do
    cmp -s "$f" "$d/out/$(basename "$f")" || no "$(basename "$f") differs from the whole batch's"
done

# 4. resume per part; another part's temporary file is left alone, its own is removed
p2=$(grep "${T}ok${T}" "$d/out/batch.journal.2-of-3.tsv" | head -1 | cut -f3)
p1=$(grep "${T}ok${T}" "$d/out/batch.journal.1-of-3.tsv" | head -1 | cut -f3)
rm "$d/out/$p2.h5"
touch "$d/out/$p1.h5.tmp.999999999" "$d/out/$p2.h5.tmp.999999999"
run "resume 2/3" 0 -- "$PT" batch "$d/in" -o "$d/out" --shard 2/3 -j 1 --resume
grep -q "kept" "$d/err" || no "resume 2/3 kept nothing"
[ "$(grep -c "\] done " "$d/err")" -eq 1 ] || no "resume 2/3 did not redo exactly $p2"
cmp -s "$d/ref/$p2.h5" "$d/out/$p2.h5" || no "$p2.h5 redone differs"
[ -f "$d/out/$p1.h5.tmp.999999999" ] || no "part 2 removed part 1's temporary file"
[ -f "$d/out/$p2.h5.tmp.999999999" ] && no "part 2 left its own stale temporary file"
[ "$(grep -c "${T}kept${T}\|${T}skipped${T}" "$d/out/batch.journal.2-of-3.tsv")" -ge 1 ] ||
    no "journal 2-of-3 lacks the kept lines"

# the parts collated equal the whole batch: index rows, order, values; days.csv
run "collate" 0 -- "$PT" collate "$d/out"
/usr/bin/python3 "${PT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/cli/compare_index.py" "$d/ref" \
    "$d/out" || fail=1

# a part killed (SIGKILL as its first summary is renamed into place, tests/cli/sigshim.c):
# collate lists its unfinished recordings and exits 4; re-run with --resume, all is there
if [ -n "${PT_SIGSHIM:-}" ] && [ -f "$PT_SIGSHIM" ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" PT_SHIM_SIGNAL=9 \
        LD_PRELOAD="$PT_SIGSHIM" "$PT" batch "$d/in" -o "$d/kill" --shard 1/2 -j 1 -q 2>/dev/null
    [ $? -eq 137 ] || no "part 1/2 was not killed"
    run "part 2/2" 0 -- "$PT" batch "$d/in" -o "$d/kill" --shard 2/2 -j 1 -q
    run "collate with a killed part" 4 -- "$PT" collate "$d/kill"
    grep -q "not finished by shard 1/2" "$d/err" || no "collate does not list part 1's recordings: $(cat "$d/err")"
    nk=$(grep -c "not finished by shard 1/2" "$d/err")
    run "resume part 1/2" 0 -- "$PT" batch "$d/in" -o "$d/kill" --shard 1/2 -j 1 --resume -q
    run "collate after the resume" 0 -- "$PT" collate "$d/kill"
    /usr/bin/python3 "${PT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/cli/compare_index.py" \
        "$d/ref" "$d/kill" || fail=1
    echo "ok   $nk unfinished recording(s) of the killed part listed, then resumed"
else
    no "PT_SIGSHIM not built"
fi
# a part that never ran: collate names it and exits 4
run "part 1/3 only" 0 -- "$PT" batch "$d/in" -o "$d/lost" --shard 1/3 -j 1 -q
run "part 3/3 only" 0 -- "$PT" batch "$d/in" -o "$d/lost" --shard 3/3 -j 1 -q
run "collate without part 2" 4 -- "$PT" collate "$d/lost"
grep -q "left no journal (never ran?): 2-of-3" "$d/err" || no "collate does not name part 2-of-3: $(cat "$d/err")"

# 5. from a scheduler's array variables
run "slurm env" 0 -- env SLURM_JOB_ID=7 SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=0 \
    SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=1 SLURM_CPUS_PER_TASK=1 \
    "$PT" batch "$d/in" -o "$d/env" --resume
grep -q "shard 3/3 (SLURM_ARRAY_TASK_ID=2" "$d/err" || no "slurm env: $(cat "$d/err")"
grep -q "1 workers" "$d/err" || no "slurm env: -j does not follow SLURM_CPUS_PER_TASK"
cmp -s "$d/env/batch.journal.3-of-3.tsv" /dev/null && no "slurm env: no journal 3-of-3"
grep "${T}ok${T}" "$d/env/batch.journal.3-of-3.tsv" | cut -f4 >"$d/a"
grep "${T}ok${T}" "$d/out/batch.journal.3-of-3.tsv" | cut -f4 >"$d/b"
cmp -s "$d/a" "$d/b" || no "slurm task 2 of 0-2 is not part 3/3"
run "slurm step" 0 -- env SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=3 \
    SLURM_ARRAY_TASK_STEP=2 "$PT" batch "$d/in" -o "$d/env" --resume -q
grep -q "shard 3/3" "$d/err" || no "slurm step: $(cat "$d/err")"
run "slurm -j capped" 0 -- env SLURM_JOB_ID=7 SLURM_CPUS_PER_TASK=1 \
    "$PT" batch "$d/in" -o "$d/env" --shard 1/3 --resume -j 4
grep -q "gave this task 1 core" "$d/err" || no "-j 4 with 1 core: $(cat "$d/err")"
run "sge env" 0 -- env SGE_TASK_ID=12 SGE_TASK_FIRST=10 SGE_TASK_LAST=14 SGE_TASK_STEPSIZE=2 \
    "$PT" batch "$d/in" -o "$d/env" --resume -q
grep -q "shard 2/3 (SGE_TASK_ID=12" "$d/err" || no "sge env: $(cat "$d/err")"
run "sge undefined" 0 -- env SGE_TASK_ID=undefined "$PT" batch "$d/in" -o "$d/whole" -q
[ -f "$d/whole/batch.h5" ] || no "SGE_TASK_ID=undefined is not an array task"
run "pbs needs --shard" 1 -- env PBS_ARRAY_INDEX=2 "$PT" batch "$d/in" -o "$d/env"
grep -q 'shard "$PBS_ARRAY_INDEX/N"' "$d/err" || no "pbs: $(cat "$d/err")"
run "pbs with --shard" 0 -- env PBS_ARRAY_INDEX=2 "$PT" batch "$d/in" -o "$d/env" --shard 2/3 \
    --resume -q
run "bad slurm id" 1 -- env SLURM_ARRAY_TASK_ID=x "$PT" batch "$d/in" -o "$d/env"
grep -q "SLURM_ARRAY_TASK_ID='x'" "$d/err" || no "bad slurm id: $(cat "$d/err")"
run "slurm id out of range" 1 -- env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=5 \
    SLURM_ARRAY_TASK_COUNT=0 "$PT" batch "$d/in" -o "$d/env"
for bad in 0/3 4/3 3 1/0 a/b 1/3x; do
    run "--shard $bad refused" 1 -- "$PT" batch "$d/in" -o "$d/env" --shard "$bad"
done

# 6. --print-slurm: a script sh can parse, one task per part, the options carried over
run "print-slurm" 0 -- "$PT" batch "$d/in" -o "$d/out" --epoch 10 -j 3 --print-slurm 5
sh -n "$d/stdout" || no "print-slurm: not a valid shell script"
grep -q -- '--array="$tasks"' "$d/stdout" && grep -q 'tasks=${1:-1-5}' "$d/stdout" ||
    no "print-slurm: no array 1-5"
grep -q -- "--shard \"\$SLURM_ARRAY_TASK_ID/5\" --resume" "$d/stdout" ||
    no "print-slurm: no --shard"
grep -q "'--epoch' '10'" "$d/stdout" || no "print-slurm: --epoch not carried over"
grep -q "'-j'\|'3'" "$d/stdout" && no "print-slurm: -j 3 carried over"
grep -q -- "--dependency=afterok" "$d/stdout" && grep -q " collate '$d/out'" "$d/stdout" ||
    no "print-slurm: no collate after the array"

[ $fail -eq 0 ] && echo "PASS"
exit $fail
