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
check no_arguments 1 "--help" -- "$PT" process
check unknown_command 1 "unknown command" -- "$PT" frobnicate
check bad_number_option 1 "--age" -- "$PT" process "$d/ok.csv" --age abc
check unwritable_output 3 "x.h5" -- "$PT" process "$d/ok.csv" -o /nonexistent-dir/x.h5
check good_run 0 "" -- "$PT" process "$d/ok.csv" -q -o "$d/ok.h5"
[ -f "$d/ok.h5" ] || { echo "FAIL good_run wrote no file"; fail=1; }
ls "$d" | grep -q '\.tmp\.' && { echo "FAIL temporary file left behind"; fail=1; }
check info_summary 0 "" -- "$PT" info "$d/ok.h5"
grep -q "schema 1" "$d/out" || { echo "FAIL info on a summary does not say schema 1"; fail=1; }
# issue 14: exit codes and messages alike everywhere (each failed on 5f41dbd)
check info_missing_file 2 "nope.csv" -- "$PT" info "$d/nope.csv"
check unknown_format 1 "not a format" -- "$PT" process "$d/ok.csv" --format xyz
check unknown_format_batch 1 "not a format" -- "$PT" batch "$d" -o "$d/b" --format xyz
check unknown_option 1 "try 'pulsetrain process --help'" -- "$PT" process --bogus
[ "$(wc -l <"$d/err")" -le 2 ] || { echo "FAIL unknown option prints more than two lines"; fail=1; }
# values no sensor gives (a corrupt file): exit 2 naming the file, channel and time
{ echo "t_s,ppg,acc_x,acc_y,acc_z"; i=0; while [ $i -lt 300 ]; do
    if [ $i -eq 200 ]; then z=-1e308; else z=1; fi; echo "$i,1,0,0,$z"; i=$((i+1)); done; } >"$d/huge.csv"
check huge_value 2 "huge.csv: channel acc_z, sample 200" -- "$PT" process "$d/huge.csv" -o "$d/x.h5"
# a NUL byte inside a row after the first 4 KiB: refused with file:line (was read as 0)
{ echo "t_s,ppg"; i=0; while [ $i -lt 1000 ]; do
    if [ $i -eq 900 ]; then printf '%s,1\0005\n' $i; else echo "$i,1"; fi; i=$((i+1)); done; } >"$d/nul.csv"
check nul_byte 2 "nul.csv:902: a NUL byte" -- "$PT" process "$d/nul.csv" -o "$d/x.h5"
# a CSV cut inside its last line: the message says so; --allow-truncated reads the rest
head -c -3 "$d/ok.csv" >"$d/cut.csv"
check cut_last_line 2 "--allow-truncated" -- "$PT" process "$d/cut.csv" -o "$d/x.h5"
check cut_allowed 0 "" -- "$PT" process "$d/cut.csv" --allow-truncated -o "$d/cut.h5"
grep -q "incomplete last line 2001" "$d/out" || { echo "FAIL --allow-truncated: no note of the dropped line"; cat "$d/out"; fail=1; }
# accelerometer columns that stop part-way (empty cells from 5 min on, PPG goes on to 10 min):
# read, the missing stretch NaN (was "stream 0 runs more than 60 s ahead", exit 1)
awk 'BEGIN { print "t_s,ppg,acc_x,acc_y,acc_z";
    for (i = 0; i < 64 * 600; i++) { t = i / 64;
        if (i % 2 == 0 && t < 300) a = "0.01,0.02,1.0"; else a = ",,";
        printf "%.6f,%.4f,%s\n", t, sin(2 * 3.14159265 * 1.2 * t), a } }' >"$d/ragged.csv"
check ragged_acc 0 "" -- "$PT" process "$d/ragged.csv" -o "$d/ragged.h5"
nnan=$(h5dump -d /epochs/enmo_mg "$d/ragged.h5" | grep -o -i "nan" | wc -l)
grep -q "acc_z .* 32.000 Hz *191[0-9][0-9] samples" "$d/out" && [ "$nnan" -ge 55 ] && [ "$nnan" -le 62 ] &&
    echo "ok   ragged_acc: acc ends at ~5 min, $nnan of 119 epochs without ENMO" ||
    { echo "FAIL ragged_acc: acc samples, or $nnan epochs without ENMO (want ~60)"; cat "$d/out"; fail=1; }
check help 0 "" -- "$PT" process --help
check version 0 "" -- "$PT" --version
exit $fail
