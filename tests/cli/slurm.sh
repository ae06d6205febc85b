#!/bin/sh
# A cohort on a real Slurm cluster (munged, slurmctld, slurmd on this machine, started by
# scripts/slurm-localhost in a temporary folder): the script `batch --print-slurm 4` prints
# is submitted (an sbatch array of 4 tasks, each `batch --shard K/4`, and a collate job
# after them); one task is killed (scancel -s KILL) after its first recording, the array
# and collate are re-submitted for that task alone (--resume), and the result must equal a
# single-machine `batch -j 1` of the same folder: every summary byte for byte, the index
# rows in the same order with the same values (wall_s aside; "skipped" = "ok").
# Skipped (77) when not root or when Slurm or munge is not installed.
# $1 = path of the pulsetrain binary.
set -u
PT=$(readlink -f "$1")
SRC=${PT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: starting munged, slurmctld and slurmd needs root"; exit 77
fi
for c in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
    command -v "$c" >/dev/null 2>&1 || {
        echo "SKIP: $c not installed (scripts/install-deps: slurmd slurmctld slurm-client munge)"
        exit 77
    }
done
command -v h5dump >/dev/null 2>&1 || { echo "FAIL h5dump not found (install hdf5-tools)"; exit 1; }
d=$(mktemp -d /tmp/pt_slurm_XXXXXX)
chmod 755 "$d"
cleanup() {
    sh "$SRC/scripts/slurm-localhost" stop "$d/cluster"
    rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail=0
no() { echo "FAIL $*"; fail=1; }
T=$(printf '\t')

# 1. eight recordings of 1.5 to 2.5 h (mixed, walk, run, intervals: different sizes)
mkdir -p "$d/in"
i=0
for m in 90 150 110 130 100 140 120 95; do
    i=$((i + 1))
    sc=mixed
    case $i in 3) sc=walk ;; 5) sc=intervals ;; 7) sc=run ;; esac
    "$PT" simulate --minutes $m --seed $i --scenario $sc -o "$d/in/rec$i.csv" >/dev/null 2>&1 ||
        no "simulate rec$i"
done

# 2. the same folder on one machine, one worker
"$PT" batch "$d/in" -o "$d/ref" -j 1 -q 2>"$d/ref.err" || { no "batch -j 1"; cat "$d/ref.err"; }

# 3. the cluster
mkdir -p "$d/cluster"
if ! sh "$SRC/scripts/slurm-localhost" start "$d/cluster" 2 2>"$d/start.err"; then
    echo "FAIL the Slurm cluster did not start:"; cat "$d/start.err"; exit 1
fi
export SLURM_CONF="$d/cluster/slurm.conf"
echo "ok   cluster up: $(sinfo -h -o '%N %c CPUs %T')"

# wait_jobs ID...: until none is pending or running (120 s at most)
wait_jobs() {
    n=0
    while [ -n "$(squeue -h -j "$(echo "$@" | tr ' ' ,)" -o %i 2>/dev/null)" ]; do
        n=$((n + 1))
        [ $n -gt 1200 ] && { no "jobs $* still queued after 120 s"; squeue; return 1; }
        sleep 0.1
    done
}
# state JOBID: the final state of a job (kept by slurmctld for MinJobAge)
state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' '; }

mkdir -p "$d/work"
cd "$d/work" || exit 1
"$PT" batch "$d/in" -o "$d/out" --print-slurm 4 >"$d/submit.sh" 2>"$d/print.err" ||
    { no "--print-slurm"; cat "$d/print.err"; }
sh "$d/submit.sh" >"$d/submit.out" 2>&1 || { no "submitting the array"; cat "$d/submit.out"; }
array=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' "$d/submit.out")
collate=$(sed -n 's/.*collate job \([0-9]*\).*/\1/p' "$d/submit.out")
[ -n "$array" ] && [ -n "$collate" ] || { no "no job ids in: $(cat "$d/submit.out")"; exit 1; }
echo "ok   submitted array $array, collate $collate"

# 4. kill the first task that has finished one recording and not yet all of its own
victim="" n=0
while [ -z "$victim" ] && [ $n -lt 1200 ]; do
    for k in 1 2 3 4; do
        j="$d/out/batch.journal.$k-of-4.tsv"
        [ -f "$j" ] && [ "$(grep -c "${T}ok${T}" "$j")" -eq 1 ] && { victim=$k; break; }
    done
    [ -z "$victim" ] && { sleep 0.05; n=$((n + 1)); }
    [ $((n % 20)) -eq 19 ] && [ -z "$(squeue -h -j "$array" -o %i)" ] && break
done
if [ -z "$victim" ]; then
    no "no task was seen between its first and last recording"
else
    scancel --signal=KILL "${array}_$victim"
    echo "ok   killed task $victim of array $array after its first recording"
fi
wait_jobs "$array" "$collate"
[ -n "$victim" ] && {
    s=$(scontrol show job "${array}_$victim" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    case "$s" in CANCELLED*|FAILED*) echo "ok   task $victim: $s" ;;
        *) no "task $victim was not cut short (state $s): the resume below proves nothing" ;; esac
    [ "$(grep -c "${T}ok${T}" "$d/out/batch.journal.$victim-of-4.tsv")" -eq 1 ] ||
        no "task $victim finished more than one recording before the kill"
}
for k in 1 2 3 4; do
    [ "$k" = "$victim" ] && continue
    s=$(scontrol show job "${array}_$k" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    [ "$s" = COMPLETED ] || { no "task $k: $s"; cat "$d/work/pulsetrain-${array}_$k.log"; }
done
[ -f "$d/out/batch.h5" ] && no "an index was written though a task died (collate ran?)"
ls "$d/out" | grep -q '\.tmp\.' && echo "note a killed task left a temporary file (removed on resume)"
if [ -n "$victim" ]; then # collate now: the killed task's unfinished recordings are listed
    "$PT" collate "$d/out" >/dev/null 2>"$d/collate.err"
    rc=$?
    if [ $rc -eq 4 ] && grep -q "not finished by shard $victim/4" "$d/collate.err"; then
        echo "ok   collate before the re-submission lists $(grep -c "not finished" "$d/collate.err") unfinished recording(s), exit 4"
    else
        no "collate after the kill: exit $rc, $(cat "$d/collate.err")"
    fi
fi

# 5. re-submit the dead task (it resumes) and collate after it
if [ -n "$victim" ]; then
    sh "$d/submit.sh" "$victim" >"$d/submit2.out" 2>&1 || { no "re-submitting"; cat "$d/submit2.out"; }
    array2=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' "$d/submit2.out")
    collate2=$(sed -n 's/.*collate job \([0-9]*\).*/\1/p' "$d/submit2.out")
    wait_jobs "$array2" "$collate2"
    s=$(state "$collate2")
    [ "$s" = "COMPLETED " ] || { no "collate job: $s"; cat "$d/work"/pulsetrain-collate-*.log; }
    grep -q "kept" "$d/work/pulsetrain-${array2}_$victim.log" ||
        no "the re-submitted task kept nothing: $(cat "$d/work/pulsetrain-${array2}_$victim.log")"
    grep -q "shard $victim/4" "$d/work/pulsetrain-${array2}_$victim.log" ||
        no "the re-submitted task did not print its shard"
fi

# 6. the result equals the single-machine batch
for f in "$d"/ref/rec*.h5; do
    b=$(basename "$f")
    cmp -s "$f" "$d/out/$b" || no "$b differs from the single-machine summary"
done
[ "$(ls "$d"/out/rec*.h5 | wc -l)" -eq 8 ] || no "not 8 summaries: $(ls "$d/out")"
ls "$d/out" | grep -q '\.tmp\.' && no "temporary files left: $(ls "$d/out")"
/usr/bin/python3 "$SRC/tests/cli/compare_index.py" "$d/ref" "$d/out" || fail=1

# 7. sbatch --array=0-3 of a plain `batch` (no --shard): each task finds its part in
# SLURM_ARRAY_TASK_ID/_MIN/_COUNT and its cores in SLURM_CPUS_PER_TASK
printf '#!/bin/sh\nexec %s batch %s -o %s\n' "$PT" "$d/in" "$d/out0" >"$d/plain.sh"
job=$(sbatch --parsable --array=0-3 --cpus-per-task=1 --output="$d/work/plain-%A_%a.log" \
    "$d/plain.sh" 2>"$d/sbatch.err") || no "sbatch --array=0-3: $(cat "$d/sbatch.err")"
wait_jobs "${job%%;*}"
parts=$(cat "$d"/work/plain-*.log | sed -n 's|.*shard \([1-4]\)/4 (SLURM_ARRAY_TASK_ID=.*|\1|p' |
    sort | tr -d '\n')
[ "$parts" = 1234 ] || no "array 0-3 did not run parts 1-4 of 4 from its variables: '$parts'"
[ "$(cat "$d"/work/plain-*.log | grep -c ", 1 workers")" -eq 4 ] ||
    no "-j did not follow SLURM_CPUS_PER_TASK=1: $(cat "$d"/work/plain-*.log)"
"$PT" collate "$d/out0" >/dev/null 2>"$d/collate0.err" || { no "collate out0"; cat "$d/collate0.err"; }
/usr/bin/python3 "$SRC/tests/cli/compare_index.py" "$d/ref" "$d/out0" || fail=1
for f in "$d"/ref/rec*.h5; do
    cmp -s "$f" "$d/out0/$(basename "$f")" || no "out0: $(basename "$f") differs"
done
echo "ok   sbatch --array=0-3 without --shard: parts $parts from SLURM_ARRAY_TASK_*"

[ $fail -eq 0 ] && echo "PASS"
exit $fail
