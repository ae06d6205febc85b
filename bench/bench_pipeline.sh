#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_pipeline.sh — end-to-end speed and memory of `process` and `batch`
# (issue 8). Bench, not a test: prints figures, asserts nothing.
#
#   sh bench/bench_pipeline.sh BUILD_DIR [WORK_DIR] [--long]
#
# BUILD_DIR holds pulsetrain and pt-eval-pipeline. On simulated recordings
# (PPG 64 Hz + 3-axis acc 32 Hz, CSV) of 1 h, 24 h (and 7 d with --long):
# read-only, hash-only and whole-pipeline runs, one per process (wall, CPU,
# hours of signal per second, peak RSS); the numpy/scipy baseline
# (bench/baseline_scipy.py) on the 24 h file; FLAC when `simulate` can write
# it; `batch -j 1` against `-j 2` on 8 recordings of 6 h.
# The machine's load average is printed with each group: on a shared machine
# compare CPU seconds, not wall seconds.
set -u
B=${1:?usage: bench_pipeline.sh BUILD_DIR [WORK_DIR] [--long]}
W=${2:-/tmp/pt_bench_pipeline}
LONG=0; [ "${3:-}" = "--long" ] && LONG=1
SRC=$(cd "$(dirname "$0")/.." && pwd)
PT="$B/pulsetrain"; EV="$B/pt-eval-pipeline"
mkdir -p "$W"
load() { echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"; }
sim() { # hours name
    [ -f "$W/$2.csv" ] || "$PT" simulate --hours "$1" --seed 1 -o "$W/$2.csv" >/dev/null
    rm -f "$W/$2.truth.csv" "$W/$2.recovery.csv"
}
echo "# $($PT --version); $(uname -m); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
lens="1:h1 24:d24"; [ $LONG -eq 1 ] && lens="$lens 168:d168"
for l in $lens; do
    sim "${l%%:*}" "${l##*:}"
done
# wall seconds out of a pt-eval-pipeline / pt-eval-same_steps line
wall() { sed -n 's/.*wall \([0-9.]*\) s.*/\1/p'; }
ratio() { echo "scale=1; $1 / $2" | bc; }
# read-only, hash-only, the pipeline with 1 and 2 threads; the ratios to read-only
runs() { # file [reader options]
    f=$1; shift
    r=$("$EV" --read-only "$@" "$f"); echo "$r"; "$EV" --hash-only "$f"
    for j in 1 2; do
        p=$("$EV" -j $j "$@" -o "$W/out.h5" "$f"); echo "$p"
        echo "  pipeline -j $j / read-only (wall): $(ratio "$(echo "$p" | wall)" "$(echo "$r" | wall)")x"
    done
}
echo "## process (CSV)"; load
for l in $lens; do
    runs "$W/${l##*:}.csv"
done
echo "## process (FLAC: the same recordings converted by pt-eval-pipeline --to-flac)"; load
M="--channels ppg,acc_x,acc_y,acc_z"
for l in $lens; do
    n=${l##*:}
    [ -f "$W/$n.flac" ] || "$EV" --to-flac "$W/$n.flac" "$W/$n.csv"
    runs "$W/$n.flac" $M
done
echo "## numpy/scipy baseline against the same steps in pulsetrain, 24 h CSV"; load
base=$(/usr/bin/python3 "$SRC/bench/baseline_scipy.py" "$W/d24.csv" -o "$W/d24.baseline.npz")
echo "$base"
bt=$(echo "$base" | sed -n 's/.*total \([0-9.]*\) s.*/\1/p')
for j in 2 1; do
    ss=$("$B/pt-eval-same_steps" -j $j "$W/d24.csv"); echo "$ss"
    echo "  scipy / same-steps -j $j (wall): $(ratio "$bt" "$(echo "$ss" | wall)")x"
done
echo "## batch: 8 recordings of 6 h, -j 1 vs -j 2"; load
mkdir -p "$W/batch8"
for s in 1 2 3 4 5 6 7 8; do
    [ -f "$W/batch8/r$s.csv" ] || "$PT" simulate --hours 6 --seed $s -o "$W/batch8/r$s.csv" >/dev/null
    rm -f "$W/batch8/r$s.truth.csv" "$W/batch8/r$s.recovery.csv"
done
# The machine's own ceiling right now: two CPU-bound runs at once against one
# (2.0 on two free cores; 1.0 when only one core is free to us).
t() { s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
one=$(t "$EV" --read-only "$W/d24.csv")
two=$(t sh -c "\"$EV\" --read-only \"$W/d24.csv\" & \"$EV\" --read-only \"$W/d24.csv\"; wait")
echo "parallel ceiling: 2 x $one s / $two s = $(echo "scale=2; 2 * $one / $two" | bc)"
for j in 1 2; do
    rm -rf "$W/b$j"
    /usr/bin/time -f "batch -j $j: wall %e s  user %U s  sys %S s  peak RSS %M kB" \
        "$PT" batch "$W/batch8" -o "$W/b$j" -j $j -q
    load
done
