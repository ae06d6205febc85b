#!/bin/sh
# CLI: exit codes and messages of `pulsetrain process` and `info` on bad input.
# $1 = path of the pulsetrain binary. Each case asserts the exit code and that
# stderr names the file and the line.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_cli_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
check() { # name expected_code needle -- command...
    name=$1 want=$2 needle=$3; shift 4
    "$@" >"$d/out" 2>"$d/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit $got, expected $want"; cat "$d/err"; fail=1; return
    fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$d/err"; then
        echo "FAIL $name: stderr lacks '$needle':"; cat "$d/err"; fail=1; return
    fi
    echo "ok   $name"
}
printf '' > "$d/empty.csv"
printf '0,1,2\n0.1,1,2\n' > "$d/nohdr.csv"
printf 't_s,ppg\n0,1\n0.1,2\n0.2,abc\n' > "$d/nonnum.csv"
printf 't_s,ppg\n0,1\n0.1,2\n0.2,3\n0.15,4\n' > "$d/back.csv"
printf 't_s,ppg\n0,1\n0.1,2\n0.2,3\n0.2,4\n' > "$d/dup.csv"
printf 't_s,ppg,acc_x_g\n0,1,0\n0.1,2,0\n0.2,3\n' > "$d/trunc.csv"
i=0; { echo "t_s,ppg,acc_x_g,acc_y_g,acc_z_g"; while [ $i -lt 2000 ]; do echo "$i,$((i % 7)),0,0,1"; i=$((i+1)); done; } > "$d/ok.csv"

check empty_file 2 "empty.csv" -- "$PT" process "$d/empty.csv" -o "$d/x.h5"
check missing_header 2 "nohdr.csv:1" -- "$PT" process "$d/nohdr.csv" -o "$d/x.h5"
check non_numeric_cell 2 "nonnum.csv:4" -- "$PT" process "$d/nonnum.csv" -o "$d/x.h5"
check time_backwards 2 "back.csv:5" -- "$PT" process "$d/back.csv" -o "$d/x.h5"
check time_repeats 2 "dup.csv:5" -- "$PT" process "$d/dup.csv" -o "$d/x.h5"
check truncated_line 2 "trunc.csv:4" -- "$PT" process "$d/trunc.csv" -o "$d/x.h5"
check missing_file 2 "nope.csv" -- "$PT" process "$d/nope.csv" -o "$d/x.h5"
check info_bad_file 2 "nonnum.csv:4" -- "$PT" info "$d/nonnum.csv"
check no_arguments 1 "usage" -- "$PT" process
check unknown_command 1 "unknown command" -- "$PT" frobnicate
check bad_number_option 1 "--age" -- "$PT" process "$d/ok.csv" --age abc
check unwritable_output 3 "x.h5" -- "$PT" process "$d/ok.csv" -o /nonexistent-dir/x.h5
check good_run 0 "" -- "$PT" process "$d/ok.csv" -q -o "$d/ok.h5"
[ -f "$d/ok.h5" ] || { echo "FAIL good_run wrote no file"; fail=1; }
ls "$d" | grep -q '\.tmp\.' && { echo "FAIL temporary file left behind"; fail=1; }
check info_summary 0 "" -- "$PT" info "$d/ok.h5"
grep -q "schema 1" "$d/out" || { echo "FAIL info on a summary does not say schema 1"; fail=1; }
check help 0 "" -- "$PT" process --help
check version 0 "" -- "$PT" --version
exit $fail
