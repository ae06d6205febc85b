#!/bin/sh
# CLI: recordings keep their own days. Three recordings without absolute time cannot be
# merged by `load` (exit 2 naming the files: their days would collide on 1970-01-01); with
# `process --start` on consecutive days they give three dated days; overlapping starts are
# refused; a --start that contradicts a file's own start is refused. $1 = pulsetrain.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_start_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
for s in 1 2 3; do
    "$PT" simulate --minutes 30 --seed $s -o "$d/r$s.csv" >/dev/null 2>&1 || no "simulate $s"
    "$PT" process -q "$d/r$s.csv" -o "$d/r$s.h5" >/dev/null 2>&1 || no "process $s"
done
"$PT" load "$d/r1.h5" "$d/r2.h5" "$d/r3.h5" -o "$d/l.h5" >"$d/out" 2>"$d/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "r1.h5" "$d/err" && grep -q -- "--start" "$d/err"; then
    ok "load refuses recordings without absolute start (exit 2, names them, says --start)"
else no "load without starts: exit $rc"; cat "$d/err"; fi
[ -e "$d/l.h5" ] && no "a load file was written anyway" || ok "no load file written"
for s in 1 2 3; do
    "$PT" process -q "$d/r$s.csv" -o "$d/s$s.h5" --start "2026-03-0${s}T08:00:00Z" >/dev/null 2>"$d/err" ||
        { no "process --start $s"; cat "$d/err"; }
done
"$PT" load "$d/s1.h5" "$d/s2.h5" "$d/s3.h5" -o "$d/l.h5" --csv "$d/l.csv" >"$d/out" 2>"$d/err"; rc=$?
[ $rc -eq 0 ] || { no "load with --start: exit $rc"; cat "$d/err"; }
for day in 2026-03-01 2026-03-02 2026-03-03; do
    grep -q "$day" "$d/l.csv" && ok "day $day in the load table" || no "day $day missing"
done
grep -q "1970-01-01" "$d/l.csv" && no "a 1970 day" || ok "no 1970 day"
"$PT" process -q "$d/r2.csv" -o "$d/o2.h5" --start "2026-03-01T08:10:00Z" >/dev/null 2>&1
"$PT" load "$d/s1.h5" "$d/o2.h5" -o "$d/l2.h5" >"$d/out" 2>"$d/err"; rc=$?
[ $rc -eq 2 ] && grep -q "overlap" "$d/err" && ok "overlapping recordings refused" ||
    { no "overlap: exit $rc"; cat "$d/err"; }
"$PT" process -q "$d/r1.csv" -o "$d/x.h5" --start "not-a-time" >/dev/null 2>"$d/err"; rc=$?
[ $rc -ne 0 ] && grep -q -- "--start" "$d/err" && ok "--start not ISO 8601 refused" || no "bad --start: exit $rc"
# simulate --start with a date writes it into every format it writes; the readers take it
# back and load puts the three recordings on their own days without any --start
fmt=1
for f in c.csv f.flac w.hea; do
    "$PT" simulate --minutes 10 --seed $fmt --start "2026-04-0${fmt}T07:30:00+02:00" -o "$d/$f" \
        >/dev/null 2>"$d/err" || { no "simulate --start -o $f"; cat "$d/err"; }
    "$PT" info "$d/$f" >"$d/info" 2>&1
    grep -q "2026-04-0${fmt}T05:30:00.000Z" "$d/info" && ok "$f carries its start (UTC)" ||
        { no "$f: start not read back"; cat "$d/info"; }
    "$PT" process -q "$d/$f" -o "$d/f$fmt.h5" >/dev/null 2>"$d/err" || { no "process $f"; cat "$d/err"; }
    fmt=$((fmt + 1))
done
"$PT" load "$d/f1.h5" "$d/f2.h5" "$d/f3.h5" -o "$d/lf.h5" --csv "$d/lf.csv" >/dev/null 2>"$d/err" ||
    { no "load of simulate --start recordings"; cat "$d/err"; }
for day in 2026-04-01 2026-04-02 2026-04-03; do
    grep -q "$day" "$d/lf.csv" && ok "simulated day $day in the load table" || no "simulated day $day missing"
done
# a time of day alone sets only the rhythm: nothing written, the start stays unknown
"$PT" simulate --minutes 5 --start 09:00 -o "$d/t.csv" >/dev/null 2>&1 || no "simulate --start 09:00"
head -1 "$d/t.csv" | grep -q "^t_s" && ok "no start_time line without a date" || no "start_time line without a date"
# a CSV start_time that is not a time is refused, naming the file and line
printf '# start_time: yesterday\nt_s,ppg\n0,1\n' >"$d/bad.csv"
"$PT" info "$d/bad.csv" >/dev/null 2>"$d/err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.csv:1: start_time" "$d/err" && ok "bad start_time line: exit 2 naming file:line" ||
    { no "bad start_time: exit $rc"; cat "$d/err"; }
# a manifest's start_time column is --start per recording
printf 'path,subject_id,start_time\nr1.csv,P1,2026-05-01T08:00:00Z\nr2.csv,P1,2026-05-02T08:00:00+02:00\n' >"$d/man.csv"
"$PT" batch -q "$d/man.csv" -o "$d/bo" -j 1 >/dev/null 2>"$d/err" || { no "batch with start_time"; cat "$d/err"; }
"$PT" load "$d/bo" -o "$d/bl.h5" --csv "$d/bl.csv" >/dev/null 2>"$d/err" || { no "load of the batch"; cat "$d/err"; }
for day in 2026-05-01 2026-05-02; do
    grep -q "$day" "$d/bl.csv" && ok "manifest start_time: day $day" || no "manifest start_time: day $day missing"
done
printf 'path,start_time\nr1.csv,tomorrow\n' >"$d/man2.csv"
"$PT" batch -q "$d/man2.csv" -o "$d/bo2" >/dev/null 2>"$d/err"; rc=$?
[ $rc -eq 2 ] && grep -q "man2.csv:2: start_time" "$d/err" && ok "bad manifest start_time: exit 2, file:line" ||
    { no "bad manifest start_time: exit $rc"; cat "$d/err"; }
exit $fail
