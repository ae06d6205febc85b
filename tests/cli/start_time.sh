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
exit $fail
