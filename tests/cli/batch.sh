#!/bin/sh
# CLI: `pulsetrain batch` — a corrupt, an unreadable and good files (exit 4,
# every recording in batch.h5 and the journal with its status and error), a
# manifest, resume after kill -9 (nothing lost, nothing half-written), and
# identical summaries for -j 1 and -j 2. $1 = path of the pulsetrain binary.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_batch_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
check() { # name expected_code needle -- command...
    name=$1 want=$2 needle=$3; shift 4
    "$@" >"$d/stdout" 2>"$d/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit $got, expected $want"; cat "$d/err"; fail=1; return
    fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$d/err"; then
        echo "FAIL $name: stderr lacks '$needle':"; cat "$d/err"; fail=1; return
    fi
    echo "ok   $name"
}
no() { echo "FAIL $*"; fail=1; }
# Content of a summary without its own file name (the dump's first line).
dumpof() { h5dump "$1" | sed 1d; }
# h5dump (Debian: hdf5-tools, installed by scripts/install-deps) checks the index: a
# missing h5dump is a failure, not a reason to skip half of the checks.
command -v h5dump >/dev/null 2>&1 || { echo "FAIL h5dump not found (install hdf5-tools)"; exit 1; }

mkdir -p "$d/in"
"$PT" simulate --minutes 12 --seed 1 -o "$d/in/good1.csv" >/dev/null 2>&1 || no "simulate"
"$PT" simulate --minutes 10 --seed 2 --scenario intervals -o "$d/in/good2.csv" >/dev/null 2>&1 || no "simulate"
printf 't_s,ppg,acc_x_g,acc_y_g,acc_z_g\n0,1,0,0,1\n0.015625,2,0,0,1\n0.03125,x,0,0,1\n' > "$d/in/corrupt.csv"
if [ "$(id -u)" -eq 0 ]; then   # root reads everything: a dangling link is unreadable
    ln -s "$d/nowhere.csv" "$d/in/unreadable.csv"
else
    printf 't_s,ppg\n0,1\n' > "$d/in/unreadable.csv"; chmod 000 "$d/in/unreadable.csv"
fi
printf 'not a recording\n' > "$d/in/notes.md"   # listed as skipped, with the reason

# 1. one bad file never stops the batch; exit 4 (partial)
check partial_batch 4 "corrupt.csv:4" -- "$PT" batch "$d/in" -o "$d/out" -j 2
grep -qF "unreadable.csv" "$d/err" || no "partial_batch: stderr does not name unreadable.csv"
for f in good1 good2; do [ -f "$d/out/$f.h5" ] || no "partial_batch: no $f.h5"; done
[ -f "$d/out/batch.h5" ] || no "partial_batch: no batch.h5"
[ -f "$d/out/corrupt.h5" ] && no "partial_batch: a summary for the corrupt file"
ls "$d/out" | grep -q '\.tmp\.' && no "partial_batch: temporary file left behind"
grep -q "	failed	corrupt	.*corrupt.csv:4" "$d/out/batch.journal.tsv" || no "journal lacks the corrupt file's line"
[ "$(grep -c "	ok	good" "$d/out/batch.journal.tsv")" -eq 2 ] || no "journal lacks the good files"
{
    h5dump -d /recordings/status "$d/out/batch.h5" > "$d/st"
    # sorted by path: corrupt, good1, good1.recovery, good1.truth, good2, good2.recovery,
    # good2.truth, notes.md, unreadable (the simulator's side files and notes: skipped)
    grep -q '"failed", "ok", "skipped", "skipped", "ok", "skipped", "skipped",' "$d/st" &&
        grep -q '"skipped", "failed"' "$d/st" || { no "batch.h5 status:"; cat "$d/st"; }
    h5dump -d /recordings/error "$d/out/batch.h5" | grep -q 'simulator' || no "batch.h5 lacks the side files' reason"
    h5dump -d /recordings/error "$d/out/batch.h5" | grep -q 'corrupt.csv:4' || no "batch.h5 lacks the corrupt file's error"
    h5dump -d /recordings/name "$d/out/batch.h5" | tr -d '\n ' | grep -q '"corrupt","good1","","","good2","","","","unreadable"' || no "batch.h5 names"
    grep -q "	skipped		.*notes.md	.*not a recording" "$d/out/batch.journal.tsv" || no "journal lacks notes.md as skipped"
    h5dump -a /n_failed "$d/out/batch.h5" | grep -q '(0): 2' || no "batch.h5 n_failed != 2"
}

# 2. resume keeps matching summaries, redoes changed parameters
check resume_keeps 4 "] kept" -- "$PT" batch "$d/in" -o "$d/out" -j 2 --resume
grep -q "done.*good" "$d/err" && no "resume_keeps: a good recording was processed again"
check resume_new_params 4 "done" -- "$PT" batch "$d/in" -o "$d/out" -j 2 --resume --epoch 10
grep -q "\] kept" "$d/err" && no "resume_new_params: kept a summary made with other parameters"

# 3. manifest: subject fields, a missing file, errors name the line
mkdir -p "$d/m"
printf 'path,subject_id,age,sex,hr_rest,hr_max,tz\nin/good1.csv,S01,34,f,58,,+01:00\nin/missing.csv,S02,,,,,\n' > "$d/manifest.csv"
check manifest 4 "missing.csv" -- "$PT" batch "$d/manifest.csv" -o "$d/m" -j 1
{
    h5dump -a /subject_id "$d/m/good1.h5" | grep -q '"S01"' || no "manifest: subject_id not written"
    h5dump -a /parameters "$d/m/good1.h5" | grep -q '+01:00' || no "manifest: tz not used"
}
printf 'path,age\nin/good1.csv,old\n' > "$d/bad_manifest.csv"
check manifest_bad_number 2 "bad_manifest.csv:2" -- "$PT" batch "$d/bad_manifest.csv" -o "$d/m2"
printf 'file,age\n' > "$d/bad_header.csv"
check manifest_bad_header 2 "bad_header.csv:1" -- "$PT" batch "$d/bad_header.csv" -o "$d/m2"
check no_output 1 "-o OUTDIR" -- "$PT" batch "$d/in"
check bad_jobs 1 "-j" -- "$PT" batch "$d/in" -o "$d/out" -j 0
check missing_input 2 "nope" -- "$PT" batch "$d/nope" -o "$d/out"
check unwritable_outdir 3 "" -- "$PT" batch "$d/in" -o /proc/pt-batch-test

# 4. -j 1 and -j 2 give identical summaries (good files only)
mkdir -p "$d/in1" "$d/in2"
for s in 3 4 5 6; do
    "$PT" simulate --minutes 8 --seed $s -o "$d/in1/r$s.csv" >/dev/null 2>&1 || no "simulate"
    rm -f "$d/in1/r$s.truth.csv" "$d/in1/r$s.recovery.csv"
done
check jobs1 0 "" -- "$PT" batch "$d/in1" -o "$d/j1" -j 1
check jobs2 0 "" -- "$PT" batch "$d/in1" -o "$d/j2" -j 2
{
    for s in 3 4 5 6; do
        dumpof "$d/j1/r$s.h5" > "$d/a"; dumpof "$d/j2/r$s.h5" > "$d/b"
        cmp -s "$d/a" "$d/b" || { no "-j 1 and -j 2 differ for r$s"; diff "$d/a" "$d/b" | head -5; }
    done
    # and the same as `process` on each file (batch names the subject after the file)
    "$PT" process "$d/in1/r3.csv" -q --subject r3 -o "$d/p3.h5" || no "process r3"
    dumpof "$d/p3.h5" > "$d/a"; dumpof "$d/j2/r3.h5" > "$d/b"
    cmp -s "$d/a" "$d/b" || { no "batch differs from process for r3"; diff "$d/a" "$d/b" | head -5; }
}

# 5. kill -9 mid-run, then --resume: nothing lost, nothing half-written
mkdir -p "$d/big"
for s in 1 2 3 4; do
    "$PT" simulate --hours 1 --seed $s -o "$d/big/b$s.csv" >/dev/null 2>&1 || no "simulate"
    rm -f "$d/big/b$s.truth.csv" "$d/big/b$s.recovery.csv"
done
"$PT" batch "$d/big" -o "$d/k" -j 1 -q 2>/dev/null &
pid=$!
i=0   # wait until the journal has the first recording done, then kill during the next one
# (waiting for b1.h5 raced: the summary is renamed into place just before its journal line)
while ! grep -q "	ok	b1	" "$d/k/batch.journal.tsv" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.1; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[ -f "$d/k/b1.h5" ] || no "kill: the first summary was not written before the kill"
[ -f "$d/k/batch.h5" ] && no "kill: batch.h5 exists although the run was killed"
grep -q "	ok	b1	" "$d/k/batch.journal.tsv" || no "kill: the journal does not list b1 as done"
for f in "$d"/k/*.h5; do   # every summary present is complete
    [ -f "$f" ] || continue
    h5dump -H "$f" >/dev/null 2>&1 || no "kill: $f is not a complete HDF5 file"
done
check resume_after_kill 0 "] kept" -- "$PT" batch "$d/big" -o "$d/k" -j 2 --resume
ls "$d/k" | grep -q '\.tmp\.' && no "resume_after_kill: temporary file left behind"
for s in 1 2 3 4; do [ -f "$d/k/b$s.h5" ] || no "resume_after_kill: b$s.h5 missing"; done
{
    h5dump -a /n_failed "$d/k/batch.h5" | grep -q '(0): 0' || no "resume_after_kill: failures"
    "$PT" process "$d/big/b1.csv" -q --subject b1 -o "$d/p1.h5" || no "process b1"
    dumpof "$d/p1.h5" > "$d/a"; dumpof "$d/k/b1.h5" > "$d/b"
    cmp -s "$d/a" "$d/b" || no "resume_after_kill: kept summary b1 differs from process"
}
exit $fail
