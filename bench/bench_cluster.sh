#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_cluster.sh — a cohort through a real Slurm job array on this machine: wall time of
# 1 shard against 2 shards run at once (scaling 1 -> 2), from submission to the collated
# index, next to plain `batch -j 1` and `batch -j 2`. Bench, not a test: prints figures,
# asserts nothing. Needs root, slurmd, slurmctld, slurm-client and munge (the cluster is
# scripts/slurm-localhost's, started and stopped here).
#
#   sh bench/bench_cluster.sh BUILD_DIR [N_RECORDINGS] [HOURS]     (default 16 of 2 h)
set -u
B=${1:?usage: bench_cluster.sh BUILD_DIR [N_RECORDINGS] [HOURS]}
N=${2:-16}
H=${3:-2}
PT=$(readlink -f "$B/pulsetrain")
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench_cluster: needs root (munged, slurmctld, slurmd)"; exit 77; }
W=$(mktemp -d /tmp/pt_bench_cluster_XXXXXX)
chmod 755 "$W"
trap 'sh "$SRC/scripts/slurm-localhost" stop "$W/cluster"; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
mkdir -p "$W/in"
i=0
while [ $i -lt "$N" ]; do
    i=$((i + 1))
    "$PT" simulate --hours "$H" --seed $i -o "$W/in/rec$(printf %03d $i).csv" >/dev/null 2>&1
    rm -f "$W/in/rec$(printf %03d $i).truth.csv" "$W/in/rec$(printf %03d $i).recovery.csv"
done
mb=$(du -sm "$W/in" | cut -f1)
echo "# $($PT --version); $(nproc) cores; $N simulated recordings of $H h (PPG 64 Hz + acc 32 Hz CSV, $mb MB)"
for j in 1 2; do
    t0=$(now)
    "$PT" batch "$W/in" -o "$W/local$j" -j $j -q 2>/dev/null
    t1=$(now)
    printf "batch -j %d (one process)            %6.1f s wall   load %s\n" $j \
        "$(awk "BEGIN{print $t1 - $t0}")" "$(load)"
done
mkdir -p "$W/cluster"
sh "$SRC/scripts/slurm-localhost" start "$W/cluster" "$(nproc)" || exit 1
export SLURM_CONF="$W/cluster/slurm.conf"
for shards in 1 2; do
    mkdir -p "$W/work$shards"
    cd "$W/work$shards" || exit 1
    "$PT" batch "$W/in" -o "$W/out$shards" --print-slurm $shards >submit.sh 2>/dev/null
    t0=$(now)
    sh submit.sh >submit.out 2>&1
    ids=$(sed -n 's/^array job \([0-9]*\) .*collate job \([0-9]*\).*/\1,\2/p' submit.out)
    while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do sleep 0.1; done
    t1=$(now)
    printf "Slurm array, %d shard%s + collate      %6.1f s wall   load %s\n" $shards \
        "$([ $shards -gt 1 ] && echo s || echo ' ')" "$(awk "BEGIN{print $t1 - $t0}")" "$(load)"
    for k in $(seq 1 $shards); do
        printf "    task %d: %s\n" "$k" "$(grep -h 'processed' pulsetrain-*_$k.log | sed 's|;.*||')"
    done
    [ -f "$W/out$shards/batch.h5" ] || echo "    (no index: collate failed: $(cat pulsetrain-collate-*.log))"
    cd "$W" || exit 1
done
for f in "$W"/local1/rec*.h5; do
    cmp -s "$f" "$W/out2/$(basename "$f")" || echo "NOTE $(basename "$f") differs between -j 1 and 2 shards"
done
