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
exit $fail
