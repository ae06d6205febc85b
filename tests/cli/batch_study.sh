#!/bin/sh
# CLI: `batch` over a study folder laid out the usual way (one subfolder per participant,
# label/README/truth files beside the recordings): recursion, --include/--exclude, files
# that are not recordings listed as skipped with the reason (never failed), -o inside the
# input folder and -o = the input folder run twice, the subject options and a manifest
# value winning over them, the cohort tables (recordings.csv, days.csv, in batch.h5 too),
# `collate` (idempotent, equal to the run's index, journals of shards merged, missing
# summaries named), `export --csv`, `info` on every file pulsetrain writes, `load` on a batch
# index and on a folder. $1 = the pulsetrain binary.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_bstudy_XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
command -v h5dump >/dev/null 2>&1 || { echo "FAIL h5dump not found (install hdf5-tools)"; exit 1; }
# the CSV cell of column $2 in the row whose path ends in $3 ($1 = the CSV)
cell() {
    awk -F, -v col="$2" -v key="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { n = length(key); if (substr($1, length($1) - n + 1) == key) print $(c[col]) }' "$1"
}

mkdir -p "$d/in/P01" "$d/in/P02" "$d/in/docs"
"$PT" simulate --minutes 6 --seed 1 --start 2026-03-02T08:00:00Z -o "$d/in/P01/day1.csv" >/dev/null 2>&1 || no simulate
"$PT" simulate --minutes 6 --seed 2 --start 2026-03-03T08:00:00Z -o "$d/in/P01/day2.csv" >/dev/null 2>&1 || no simulate
"$PT" simulate --minutes 6 --seed 3 --start 2026-03-02T09:00:00Z -o "$d/in/P02/day1.csv" >/dev/null 2>&1 || no simulate
printf 'file,subject,activity\nday1.csv,1,walk\n' > "$d/in/labels.csv"
printf 'level_event,rpe,t_from_test_start_s\n5.1 Start,3,0.0\n' > "$d/in/P02/day1_levels.csv"
printf '# Study\nNotes.\n' > "$d/in/docs/README.md"
printf 'window_index,window_start_s,bpm\n0,0,70\n' > "$d/in/P01/day1_bpm.csv"

# 1. recursion: three recordings in subfolders; the rest skipped with reasons, exit 0
"$PT" batch "$d/in" -o "$d/out" -j 2 -q --subject-from folder >"$d/log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "recursive batch exit 0" || { no "recursive batch exit $rc"; cat "$d/log"; }
R="$d/out/recordings.csv"
[ -f "$R" ] && [ -f "$d/out/days.csv" ] || no "no recordings.csv / days.csv"
[ "$(grep -c ',ok,' "$R")" -eq 3 ] && ok "3 recordings processed" || { no "not 3 ok rows"; cat "$R"; }
for f in labels.csv P02/day1_levels.csv docs/README.md P01/day1_bpm.csv P01/day1.truth.csv; do
    st=$(cell "$R" status "$f")
    [ "$st" = skipped ] || no "$f: status '$st', expected skipped"
    grep -q "	skipped		[^	]*$f	.*not a recording" "$d/out/batch.journal.tsv" || no "$f not in the journal as skipped"
done
grep -q 'P02/day1_levels.csv,,,skipped,"\?not a recording: the header' "$R" || no "the reason of day1_levels.csv"
[ "$(grep -c ',failed,' "$R")" -eq 0 ] || no "a file failed"
[ "$(cell "$R" subject_id P02/day1.csv)" = P02 ] && ok "--subject-from folder" || no "subject of P02/day1.csv"
# rows sorted by path
cut -d, -f1 "$R" | sed 1d > "$d/paths"
LC_ALL=C sort -c "$d/paths" 2>/dev/null && ok "rows sorted by path" || no "rows not sorted by path"
# 2 days for P01, one for P02; ISO dates
[ "$(grep -c '^[^,]*P01/day[12].csv,[^,]*,P01,2026-03-0[23],' "$d/out/days.csv")" -eq 2 ] && ok "days.csv rows" || { no "days.csv"; cat "$d/out/days.csv"; }
h5dump -d /days/date "$d/out/batch.h5" | grep -q '"2026-03-02"' || no "batch.h5 /days/date"
h5dump -d /recordings/wear_min "$d/out/batch.h5" >/dev/null 2>&1 || no "batch.h5 /recordings/wear_min"
# a recording's missing figure is an empty cell, not 0: simulated files have no recovery
[ -z "$(cell "$R" hrr60_mean_bpm P01/day1.csv)" ] || no "hrr60_mean_bpm of a recording without recovery is not empty"
[ -z "$(cell "$R" duration_s labels.csv)" ] || no "a skipped file has a duration"

# 2. --include / --exclude / --no-recursion
"$PT" batch "$d/in" -o "$d/o_inc" -q --include 'P01/*' >/dev/null 2>&1
[ "$(grep -c ',ok,' "$d/o_inc/recordings.csv")" -eq 2 ] && ! grep -q P02 "$d/o_inc/recordings.csv" && ok "--include P01/*" || no "--include"
"$PT" batch "$d/in" -o "$d/o_exc" -q --exclude P02 --exclude '*.md' >/dev/null 2>&1
! grep -q 'P02\|README' "$d/o_exc/recordings.csv" && [ "$(grep -c ',ok,' "$d/o_exc/recordings.csv")" -eq 2 ] && ok "--exclude" || no "--exclude"
"$PT" batch "$d/in" -o "$d/o_flat" -q --no-recursion >/dev/null 2>&1
[ $? -eq 2 ] && ok "--no-recursion: no recordings at the top (exit 2)" || no "--no-recursion"

# 3. -o inside the input, twice; -o = the input folder, twice: own files never input
for k in 1 2; do
    "$PT" batch "$d/in" -o "$d/in/results" -q >"$d/log" 2>&1 || { no "batch -o in/results run $k"; cat "$d/log"; }
done
grep -q 'results' "$d/in/results/recordings.csv" && no "-o inside the input: its own files listed" || ok "-o inside the input, run twice"
mkdir -p "$d/flat"
cp "$d/in/P01/day1.csv" "$d/flat/"
for k in 1 2 3; do
    "$PT" batch "$d/flat" -o "$d/flat" -q --resume >"$d/log" 2>&1 || { no "batch -o = input run $k"; cat "$d/log"; }
done
[ "$(sed 1d "$d/flat/recordings.csv" | wc -l)" -eq 1 ] && ok "-o = input, run three times: one row" || { no "-o = input"; cat "$d/flat/recordings.csv"; }
grep -q 'batch\.\|recordings.csv\|days.csv' "$d/flat/batch.journal.tsv" && no "journal names the batch's own files"

# 4. subject options for every recording; a manifest value wins over the flag
"$PT" batch "$d/in/P01" -o "$d/o_subj" -q --subject S9 --age 30 --sex f --hr-rest 50 --hr-max 190 >/dev/null 2>&1 || no "batch with subject options"
h5dump -a /epochs/hr_rest_bpm_used "$d/o_subj/day1.h5" | grep -q '(0): 50' || no "--hr-rest not used"
h5dump -a /epochs/hr_max_bpm_used "$d/o_subj/day1.h5" | grep -q '(0): 190' || no "--hr-max not used"
h5dump -a /subject_id "$d/o_subj/day2.h5" | grep -q '"S9"' || no "--subject not used"
[ "$(cell "$d/o_subj/recordings.csv" sex day2.csv)" = f ] && [ "$(cell "$d/o_subj/recordings.csv" age_y day2.csv)" = 30 ] && ok "subject options" || no "sex/age in recordings.csv"
printf 'path,subject_id,hr_rest\nP01/day1.csv,M1,60\nP01/day2.csv,,\n' > "$d/in/manifest.csv"
"$PT" batch "$d/in/manifest.csv" -o "$d/o_man" -q --hr-rest 50 --subject S9 >/dev/null 2>&1 || no "manifest batch"
[ "$(cell "$d/o_man/recordings.csv" hr_rest_bpm day1.csv)" = 60 ] && [ "$(cell "$d/o_man/recordings.csv" hr_rest_bpm day2.csv)" = 50 ] &&
    [ "$(cell "$d/o_man/recordings.csv" subject_id day1.csv)" = M1 ] && [ "$(cell "$d/o_man/recordings.csv" subject_id day2.csv)" = S9 ] &&
    ok "manifest value wins over the flag, an empty cell keeps it" || { no "manifest over flags"; cat "$d/o_man/recordings.csv"; }

# 5. collate: equal to the run's index and tables, idempotent
dumpi() { h5dump -d /recordings -d /days "$1" 2>/dev/null | sed 1d; }
dumpi "$d/out/batch.h5" > "$d/i0"
cp "$R" "$d/r0"; cp "$d/out/days.csv" "$d/d0"
"$PT" collate "$d/out" >"$d/log" 2>&1 || { no "collate exit $?"; cat "$d/log"; }
dumpi "$d/out/batch.h5" > "$d/i1"
cmp -s "$d/i0" "$d/i1" && cmp -s "$d/r0" "$R" && cmp -s "$d/d0" "$d/out/days.csv" && ok "collate = the run's index and tables" || { no "collate differs"; diff "$d/r0" "$R" | head; }
"$PT" collate "$d/out" >/dev/null 2>&1
dumpi "$d/out/batch.h5" > "$d/i2"
cmp -s "$d/i1" "$d/i2" && cmp -s "$d/r0" "$R" && ok "collate idempotent" || no "collate not idempotent"
# shards: the journal split into two (as two shards would write them) collates the same
mkdir -p "$d/shard"
cp "$d/out"/*.h5 "$d/shard/"; rm -f "$d/shard/batch.h5"
head -1 "$d/out/batch.journal.tsv" > "$d/shard/batch.journal.1of2.tsv"
head -1 "$d/out/batch.journal.tsv" > "$d/shard/batch.journal.2of2.tsv"
sed 1d "$d/out/batch.journal.tsv" | awk -v a="$d/shard/batch.journal.1of2.tsv" -v b="$d/shard/batch.journal.2of2.tsv" \
    '{ print >> (NR % 2 ? a : b) }'
# an older failed line for a path that later succeeded: the later line wins
p1=$(awk -F'\t' '$4 ~ /P01\/day1.csv$/ { print $4; exit }' "$d/out/batch.journal.tsv")
printf '2000-01-01T00:00:00Z\tfailed\tday1\t%s\t0.1\tan old failure\t6\t\t1\n' "$p1" >> "$d/shard/batch.journal.2of2.tsv"
"$PT" collate "$d/shard" >"$d/log" 2>&1 || { no "collate of shards exit $?"; cat "$d/log"; }
grep -q '2 journals' "$d/log" || no "collate did not report 2 journals"
# the index of the shards equals the single run's, but for the folder in the summary column
sed "s#$d/shard#$d/out#g" "$d/shard/recordings.csv" | cmp -s - "$R" && cmp -s "$d/shard/days.csv" "$d/out/days.csv" &&
    ok "two shards' journals collate to the single run's tables" || { no "shards differ"; diff "$d/shard/recordings.csv" "$R" | head; }
# a summary gone: collate names it and exits 4
rm "$d/shard/day2.h5"
"$PT" collate "$d/shard" >"$d/log" 2>&1; rc=$?
[ $rc -eq 4 ] && grep -q 'P01/day2.csv' "$d/log" && ok "collate names a recording without its summary (exit 4)" || { no "collate missing summary: exit $rc"; cat "$d/log"; }
[ "$(cell "$d/shard/recordings.csv" status P01/day2.csv)" = failed ] || no "missing summary not failed in the index"
"$PT" collate "$d/nowhere" >/dev/null 2>&1; [ $? -eq 2 ] || no "collate of a missing folder: not exit 2"

# 6. export --csv: every table, units in the header
"$PT" export "$d/out/day1.h5" --csv "$d/exp" -q || no "export"
for t in hr beats epochs bouts recovery daily; do [ -f "$d/exp/$t.csv" ] || no "export: no $t.csv"; done
head -1 "$d/exp/epochs.csv" | grep -q '^t_start_s,enmo_mg,.*hr_bpm' && head -1 "$d/exp/daily.csv" | grep -q 'trimp_banister_au' &&
    ok "export: units in the headers" || { no "export headers"; head -1 "$d/exp/epochs.csv" "$d/exp/daily.csv"; }
ls "$d/exp" | grep -q tmp && no "export left a temporary file"
"$PT" export "$d/out/batch.h5" --csv "$d/exp2" >/dev/null 2>&1; [ $? -eq 2 ] || no "export of a batch index: not exit 2"

# 7. load on a batch index and on a folder (the index and load files in it passed over)
"$PT" load "$d/out/batch.h5" -o "$d/l1.h5" --csv "$d/l1.csv" -q >"$d/log" 2>&1 || { no "load on batch.h5"; cat "$d/log"; }
"$PT" load "$d/out" -o "$d/l2.h5" --csv "$d/l2.csv" -q >"$d/log" 2>&1 || { no "load on the folder"; cat "$d/log"; }
cp "$d/l1.h5" "$d/out/"
"$PT" load "$d/out" -o "$d/l3.h5" -q >"$d/log" 2>&1 || { no "load on a folder holding a load file"; cat "$d/log"; }
h5dump -d /subjects/subject_id "$d/l2.h5" | grep -q '"P01"' && h5dump -d /subjects/subject_id "$d/l2.h5" | grep -q '"P02"' &&
    ok "load on an index and a folder" || no "load subjects"
# the same days (in the order the summaries came: by path from the index, by name from the folder)
sort "$d/l1.csv" > "$d/ld1"; sort "$d/l2.csv" > "$d/ld2"
cmp -s "$d/ld1" "$d/ld2" && [ "$(wc -l < "$d/ld1")" -ge 3 ] || { no "load on the index and on the folder differ"; diff "$d/ld1" "$d/ld2" | head; }

# 8. info on every file pulsetrain writes
"$PT" info "$d/out/batch.h5" > "$d/info" 2>&1 && grep -q 'batch index' "$d/info" && grep -q 'wear_min' "$d/info" && grep -q 'days ' "$d/info" &&
    ok "info on batch.h5" || { no "info batch.h5"; cat "$d/info"; }
"$PT" info "$d/l1.h5" > "$d/info" 2>&1 && grep -q 'load file' "$d/info" && grep -q '/daily' "$d/info" && ok "info on a load file" || { no "info load"; cat "$d/info"; }
"$PT" info "$d/out/day1.h5" > "$d/info" 2>&1 && grep -q '/epochs .*rows: t_start_s \[s\]' "$d/info" && ok "info on a summary lists columns with units" || { no "info summary"; cat "$d/info"; }
# 9. a folder of different people's files without ids or starts (the usual cohort export):
# each file is its own participant by default, so `load out/` works; with --subject-from
# none they are one anonymous person, whose days cannot be placed: refused, naming the way out
mkdir -p "$d/anon"
for s in 1 2; do
    "$PT" simulate --minutes 6 --seed $s -o "$d/anon/p$s.csv" >/dev/null 2>&1 || no simulate
done
"$PT" batch "$d/anon" -o "$d/anon_out" -q >/dev/null 2>&1 || no "batch of anonymous recordings"
[ "$(cell "$d/anon_out/recordings.csv" subject_id p2.csv)" = p2 ] && ok "default subject: the file's name" ||
    no "default subject of p2.csv: '$(cell "$d/anon_out/recordings.csv" subject_id p2.csv)'"
"$PT" load "$d/anon_out" -o "$d/anon_l.h5" -q >"$d/log" 2>&1 &&
    h5dump -d /subjects/subject_id "$d/anon_l.h5" | grep -q '"p1"' && ok "load on a batch of anonymous files" ||
    { no "load on a batch of anonymous files"; cat "$d/log"; }
"$PT" batch "$d/anon" -o "$d/anon_none" -q --subject-from none >/dev/null 2>&1 || no "batch --subject-from none"
"$PT" load "$d/anon_none" -o "$d/anon_n.h5" -q >"$d/log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q -- "--subject-from name" "$d/log" && [ ! -e "$d/anon_n.h5" ] &&
    ok "--subject-from none: one anonymous person without starts is refused" || { no "--subject-from none: exit $rc"; cat "$d/log"; }
exit $fail
