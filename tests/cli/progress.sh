#!/bin/sh
# CLI: progress on a terminal only. `process` on a TTY (script(1) from util-linux gives one)
# draws "processing: ... of ... NN% ... left" on stderr and clears it; with -q, or with stderr
# on a pipe or in a file, nothing is written there. `batch` on a TTY redraws its bar while a
# recording runs (more bar lines than recordings). The summary on stdout is the same either
# way. Exit 77 without script(1). $1 = pulsetrain.
set -u
PT="$1"
command -v script >/dev/null 2>&1 || { echo "script(1) not found (util-linux)"; exit 77; }
d=$(mktemp -d /tmp/pt_progress_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
# FLAC says its length in the header: per cent and time left are known
"$PT" simulate --hours 2 --seed 9 -o "$d/rec.flac" >/dev/null 2>&1 || no "simulate"
# on a TTY: stdout of the command goes to a file, stderr stays on the terminal
script -qec "'$PT' process '$d/rec.flac' -o '$d/a.h5' > '$d/a.out'" /dev/null >"$d/tty" 2>&1 ||
    no "process on a TTY"
grep -q "processing: .* of 2.0 h .*%.*left" "$d/tty" && ok "TTY: progress with total, % and time left" ||
    { no "TTY: no progress line"; od -c "$d/tty" | head -5; }
grep -q "100%" "$d/tty" && ok "TTY: reaches 100%" || no "TTY: no 100%"
grep -q "processing" "$d/a.out" && no "TTY: progress went to stdout" || ok "TTY: stdout clean"
# -q on a TTY: nothing
script -qec "'$PT' process -q '$d/rec.flac' -o '$d/q.h5'" /dev/null >"$d/ttyq" 2>&1 || no "process -q"
grep -q "processing" "$d/ttyq" && no "-q on a TTY: progress shown" || ok "-q on a TTY: no progress"
# a pipe: nothing on stderr
"$PT" process "$d/rec.flac" -o "$d/p.h5" >"$d/p.out" 2>"$d/p.err" || no "process on a pipe"
[ -s "$d/p.err" ] && { no "pipe: stderr not empty"; head -c 200 "$d/p.err"; } || ok "pipe: nothing on stderr"
cmp -s "$d/a.out" "$d/p.out" && no "stdout should name its own output" || true
sed 's/[apq]\.h5/X.h5/' "$d/a.out" >"$d/a.n"
sed 's/[apq]\.h5/X.h5/' "$d/p.out" >"$d/p.n"
cmp -s "$d/a.n" "$d/p.n" && ok "same summary on a TTY and a pipe" || no "summaries differ"
# a CSV does not say its length: signal read so far, no per cent
"$PT" simulate --minutes 30 --seed 9 -o "$d/rec.csv" >/dev/null 2>&1
script -qec "'$PT' process '$d/rec.csv' -o '$d/c.h5' > /dev/null" /dev/null >"$d/ttyc" 2>&1
grep -q "processing: .* of signal read" "$d/ttyc" && ok "TTY, CSV: signal read so far" ||
    no "TTY, CSV: no progress"
# batch on a TTY: the bar is redrawn inside recordings (two recordings, one of 2 h)
mkdir -p "$d/in"
cp "$d/rec.flac" "$d/in/a.flac"
"$PT" simulate --minutes 20 --seed 3 -o "$d/in/b.flac" >/dev/null 2>&1
script -qec "'$PT' batch '$d/in' -o '$d/bo' -j 1" /dev/null >"$d/ttyb" 2>&1 || no "batch on a TTY"
n=$(tr '\r' '\n' <"$d/ttyb" | grep -c "recordings .* h signal")
[ "$n" -gt 2 ] && ok "batch TTY: bar redrawn $n times for 2 recordings" ||
    { no "batch TTY: bar drawn $n times"; tr '\r' '\n' <"$d/ttyb" | head; }
tr '\r' '\n' <"$d/ttyb" | grep -q "\] 0/2 recordings  [0-9.]* h signal" &&
    ok "batch TTY: moves before the first recording ends" || no "batch TTY: nothing before the first recording ends"
"$PT" batch "$d/in" -o "$d/bo2" -j 1 >"$d/b.out" 2>"$d/b.err" || no "batch on a pipe"
grep -q "recordings .* h signal" "$d/b.err" && no "batch pipe: a bar on a pipe" || ok "batch pipe: no bar"
exit $fail
