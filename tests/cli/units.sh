#!/bin/sh
# CLI: option values out of range are exit 1 at parse time with a message naming the flag.
# $1 = the pulsetrain binary.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_cli_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
expect() { # name code flag command...: exit code as expected and the message names the flag
    name=$1 want=$2 flag=$3; shift 3
    "$@" >"$d/out" 2>"$d/err"; got=$?
    if [ "$got" -ne "$want" ]; then no "$name: exit $got, expected $want"; cat "$d/err"; return 1; fi
    if [ -n "$flag" ] && ! grep -q -e "$flag" "$d/err"; then no "$name: message does not name $flag"; cat "$d/err"; return 1; fi
    ok "$name"
}
"$PT" simulate --minutes 10 --seed 3 -o "$d/a.csv" >/dev/null 2>&1 || no "simulate"
# bad option values: exit 1 naming the flag, before any work (no output written)
expect "--acc-units foo" 1 "--acc-units" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --acc-units foo
expect "--run-cadence -1" 1 "--run-cadence" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --run-cadence -1
expect "--run-cadence 0" 1 "--run-cadence" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --run-cadence 0
expect "--age -5" 1 "--age" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --age -5
expect "--epoch 0" 1 "--epoch" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --epoch 0
expect "--hr-window -4" 1 "--hr-window" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --hr-window -4
expect "--bout-min -1" 1 "--bout-min" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --bout-min -1
expect "--exercise-end -10" 1 "--exercise-end" "$PT" process -q "$d/a.csv" -o "$d/o.h5" --exercise-end -10
[ -e "$d/o.h5" ] && no "an output was written despite a bad option" || ok "no output written"
expect "batch --run-cadence -1" 1 "--run-cadence" "$PT" batch "$d" -o "$d/b" --run-cadence -1
expect "load --atl-days 50 --ctl-days 10" 1 "--atl-days" \
    "$PT" load "$d/x.h5" -o "$d/l.h5" --atl-days 50 --ctl-days 10
# good values still pass
expect "--acc-units g" 0 "" "$PT" process -q "$d/a.csv" -o "$d/g.h5" --acc-units g --run-cadence 150

# unit sanity of the data itself: exit 2 with a hint, never a confident wrong number
# g.csv: the simulated rest recording, unsuffixed acc columns (read in --acc-units, default g)
"$PT" simulate --minutes 10 --seed 3 --scenario rest -o "$d/r.csv" >/dev/null 2>&1 || no "simulate rest"
sed '1s/.*/t_s,ppg,acc_x,acc_y,acc_z/' "$d/r.csv" >"$d/g.csv"
# the time column in ms under a name without unit (acc rows only, 32 Hz -> steps 31/32 ms)
awk -F, -v OFS=, 'NR==1{print "time,acc_x,acc_y,acc_z"; next} $3!=""{print sprintf("%.0f",$1*1000),$3,$4,$5}' \
    "$d/r.csv" >"$d/ms.csv"
expect "time column in ms" 2 "time_ms" "$PT" info "$d/ms.csv"
grep -q "looks like milliseconds" "$d/err" && ok "ms hint" || { no "no 'looks like milliseconds' hint"; cat "$d/err"; }
# epoch ms under 'timestamp'
awk -F, -v OFS=, 'NR==1{print "timestamp,acc_x,acc_y,acc_z"; next} $3!=""{print sprintf("%.0f",1.7e12+$1*1000),$3,$4,$5}' \
    "$d/r.csv" >"$d/epochms.csv"
expect "epoch ms under 'timestamp'" 2 "time_ms" "$PT" info "$d/epochms.csv"
# the same named time_ms: read right, 10 minutes
sed '1s/^time,/time_ms,/' "$d/ms.csv" >"$d/tms.csv"
expect "time_ms header" 0 "" "$PT" info "$d/tms.csv"
grep -q "^duration *10 min 00" "$d/out" && ok "time_ms: 10 min" || { no "time_ms: wrong duration"; cat "$d/out"; }
sed '1s/^time_ms,/time_us,/' "$d/tms.csv" | awk -F, -v OFS=, 'NR>1{$1=$1*1000}1' >"$d/tus.csv"
expect "time_us header" 0 "" "$PT" info "$d/tus.csv"
grep -q "^duration *10 min 00" "$d/out" && ok "time_us: 10 min" || { no "time_us: wrong duration"; cat "$d/out"; }
# acceleration in m/s^2 read as g: rest magnitude 9.8
awk -F, -v OFS=, 'NR==1{print; next} $3!=""{$3*=9.80665; $4*=9.80665; $5*=9.80665}1' "$d/g.csv" >"$d/ms2.csv"
expect "m/s^2 read as g" 2 "--acc-units m/s^2" "$PT" info "$d/ms2.csv"
expect "m/s^2 read as g (process)" 2 "--acc-units" "$PT" process -q "$d/ms2.csv" -o "$d/m.h5"
[ -e "$d/m.h5" ] && no "a summary was written from m/s^2 read as g" || ok "no summary from m/s^2 read as g"
expect "--acc-units m/s^2 on m/s^2" 0 "" "$PT" process -q "$d/ms2.csv" -o "$d/m.h5" --acc-units m/s^2
expect "--acc-units mg on g" 2 "--acc-units" "$PT" info "$d/g.csv" --acc-units mg
expect "g data, default units" 0 "" "$PT" info "$d/g.csv"
# mg read as g
awk -F, -v OFS=, 'NR==1{print; next} $3!=""{$3*=1000; $4*=1000; $5*=1000}1' "$d/g.csv" >"$d/mg.csv"
expect "mg read as g" 2 "--acc-units mg" "$PT" info "$d/mg.csv"
expect "--acc-units mg on mg" 0 "" "$PT" info "$d/mg.csv" --acc-units mg
# --exercise-end past the end (10 min = 600 s)
expect "--exercise-end past the end" 2 "--exercise-end" "$PT" process -q "$d/g.csv" -o "$d/e.h5" --exercise-end 700
expect "--exercise-end inside" 0 "" "$PT" process -q "$d/g.csv" -o "$d/e.h5" --exercise-end 500
exit $fail
