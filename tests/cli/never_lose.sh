#!/bin/sh
# CLI: no command ever replaces an input, a full disk is exit 3 with nothing left behind
# and the older output intact, a FIFO is refused at once. $1 = the pulsetrain binary.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_cli_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
expect() { # name code command...: exit code as expected
    name=$1 want=$2; shift 2
    "$@" >"$d/out" 2>"$d/err"; got=$?
    if [ "$got" -ne "$want" ]; then no "$name: exit $got, expected $want"; cat "$d/err"; return 1; fi
    ok "$name"
}
sum() { cksum < "$1"; }
"$PT" simulate --minutes 20 --seed 4 -o "$d/a.csv" >/dev/null 2>&1 || no "simulate"
before=$(sum "$d/a.csv")
# -o naming the recording, however spelt
expect "process -o a.csv" 1 "$PT" process -q "$d/a.csv" -o "$d/a.csv"
grep -q "refusing to overwrite" "$d/err" || no "message says why"
expect "process -o d/./a.csv" 1 "$PT" process -q "$d/a.csv" -o "$d/./a.csv"
ln -s a.csv "$d/link.csv"
expect "process -o a symlink to it" 1 "$PT" process -q "$d/a.csv" -o "$d/link.csv"
[ "$(sum "$d/a.csv")" = "$before" ] && ok "recording unchanged" || no "recording changed"
# any existing file pulsetrain did not write
echo "notes" > "$d/notes.txt"
expect "process -o over a text file" 1 "$PT" process -q "$d/a.csv" -o "$d/notes.txt"
[ "$(cat "$d/notes.txt")" = notes ] && ok "text file unchanged" || no "text file changed"
# our own outputs are inputs too
expect "process" 0 "$PT" process -q "$d/a.csv" -o "$d/a.h5"
expect "process again over its own summary" 0 "$PT" process -q "$d/a.csv" -o "$d/a.h5"
s_before=$(sum "$d/a.h5")
expect "report s.h5 -o s.h5" 1 "$PT" report "$d/a.h5" -o "$d/a.h5"
expect "load t.h5 -o t.h5 (a summary)" 1 "$PT" load "$d/a.h5" -o "$d/a.h5"
expect "load --csv onto an input" 1 "$PT" load "$d/a.h5" -o "$d/l.h5" --csv "$d/a.h5"
[ "$(sum "$d/a.h5")" = "$s_before" ] && ok "summary unchanged" || no "summary changed"
expect "load" 0 "$PT" load "$d/a.h5" -o "$d/l.h5"
expect "load l.h5 -o l.h5" 1 "$PT" load "$d/l.h5" -o "$d/l.h5"
# an E4 folder: -o onto one of its files
mkdir -p "$d/e4"
printf '1600000000.0\n64.0\n' > "$d/e4/BVP.csv"; i=0
while [ $i -lt 2000 ]; do echo "$((i % 9)).0" >> "$d/e4/BVP.csv"; i=$((i + 1)); done
e_before=$(sum "$d/e4/BVP.csv")
expect "process E4 folder -o its member" 1 "$PT" process -q "$d/e4" -o "$d/e4/BVP.csv"
[ "$(sum "$d/e4/BVP.csv")" = "$e_before" ] && ok "E4 member unchanged" || no "E4 member changed"
# a FIFO: refused at once, never read
mkfifo "$d/fifo.csv"
expect "process FIFO" 2 timeout 20 "$PT" process -q "$d/fifo.csv" -o "$d/f.h5"
grep -q "fifo.csv: not a regular file" "$d/err" || no "FIFO message names the file"
# a full disk (file size limit, as a full disk does to write): exit 3, the older output
# intact, no temporary file left
(trap '' XFSZ; ulimit -f 40; "$PT" process -q "$d/a.csv" -o "$d/a.h5") >"$d/out" 2>"$d/err"
[ $? -eq 3 ] && ok "full disk: exit 3" || { no "full disk: exit not 3"; cat "$d/err"; }
[ "$(sum "$d/a.h5")" = "$s_before" ] && ok "full disk: older summary intact" || no "older summary changed"
(trap '' XFSZ; ulimit -f 40; "$PT" load "$d/a.h5" -o "$d/l2.h5") >"$d/out" 2>"$d/err"
[ $? -eq 3 ] && ok "full disk, load: exit 3" || { no "full disk, load: exit not 3"; cat "$d/err"; }
ls "$d" | grep -q '\.tmp\.' && no "temporary file left: $(ls "$d" | grep '\.tmp\.')" || ok "no temporary file left"
exit $fail
