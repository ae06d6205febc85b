#!/bin/sh
# CLI: `report` draws every kind of recording, and nothing prints a NaN value.
#  - PPG + accelerometer: heart rate, the activity strip and ENMO, a clock-time axis, the
#    subject and recording in the title;
#  - accelerometer only: the activity strip (classes as coloured bands) and the ENMO trace;
#  - a chest strap (t_s,hr_bpm at irregular times, no PPG, no accelerometer): the recovery
#    panel drawn from the strap's heart rate (dots), the source named;
#  - a night with the watch off: a non-wear band, and no heart-rate line through it;
#  - a load file of fewer than 28 days: "n/a (needs 28 days ...)" on stdout and in the SVG.
# No SVG and no stdout holds "nan" (printf's NaN). With rsvg-convert each SVG is rendered
# to PNG (kept in the build directory as report_kind_*.png to look at). $1 = pulsetrain.
set -u
PT="$1"
d=$(mktemp -d /tmp/pt_kinds_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
no() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
has() { grep -q -- "$2" "$1" && ok "$3" || no "$3 ($1 lacks '$2')"; }
hasnt() { grep -q -- "$2" "$1" && no "$3 ($1 has '$2')" || ok "$3"; }
nonan() { # printf writes NaN as nan, -nan or +nan
    if grep -qw "nan" "$1"; then no "$2: 'nan' printed"; grep -nw "nan" "$1" | head -3
    else ok "$2: no nan"; fi
}
render() {
    command -v rsvg-convert >/dev/null 2>&1 || return 0
    rsvg-convert "$d/$1.svg" -o "report_kind_$1.png" && ok "$1 renders to PNG" || no "$1: rsvg-convert"
}

# 1: PPG + accelerometer, with a start and a subject
"$PT" simulate --minutes 40 --seed 4 --start 2026-03-02T08:00:00Z -o "$d/ppg.csv" >/dev/null 2>&1 ||
    no "simulate ppg"
"$PT" process "$d/ppg.csv" -o "$d/ppg.h5" --subject S7 >"$d/ppg.out" 2>&1 || no "process ppg"
"$PT" report "$d/ppg.h5" -o "$d/ppg.svg" >>"$d/ppg.out" 2>&1 || no "report ppg"
has "$d/ppg.svg" 'id="activity-strip"' "PPG+acc: activity strip"
has "$d/ppg.svg" 'id="enmo"' "PPG+acc: ENMO trace"
has "$d/ppg.svg" 'id="heart-rate"' "PPG+acc: heart rate"
has "$d/ppg.svg" '<title>Subject S7: ppg.csv</title>' "PPG+acc: subject and recording in the title"
has "$d/ppg.svg" '>08:00<' "PPG+acc: clock time on the axis"
has "$d/ppg.svg" '>Mon Mar 02<' "PPG+acc: the date under the first tick"
nonan "$d/ppg.svg" "PPG+acc SVG"
nonan "$d/ppg.out" "PPG+acc stdout"
render ppg

# 2: accelerometer only
"$PT" simulate --minutes 30 --seed 5 --no-ppg -o "$d/acc.csv" >/dev/null 2>&1 || no "simulate acc"
"$PT" process "$d/acc.csv" -o "$d/acc.h5" >"$d/acc.out" 2>&1 || no "process acc"
"$PT" report "$d/acc.h5" -o "$d/acc.svg" >>"$d/acc.out" 2>&1 || no "report acc"
has "$d/acc.svg" 'id="activity-strip"' "acc only: activity strip"
n=$(sed -n '/id="activity-strip"/,/<\/g>/p' "$d/acc.svg" | grep -c '<rect class="')
[ "$n" -ge 2 ] && ok "acc only: $n class bands" || no "acc only: $n class bands"
sed -n '/id="enmo"/,/<\/g>/p' "$d/acc.svg" | grep -q '<path d="M' && ok "acc only: ENMO trace drawn" ||
    no "acc only: no ENMO trace"
hasnt "$d/acc.svg" 'id="heart-rate"' "acc only: no empty heart-rate panel"
has "$d/acc.svg" 'accelerometer only' "acc only: says so"
has "$d/acc.out" 'no heart rate' "acc only: stdout says there is no heart rate"
nonan "$d/acc.svg" "acc-only SVG"
nonan "$d/acc.out" "acc-only stdout"
render acc

# 3: chest strap: rest, a ramp to 170 bpm, 3 min hard, recovery with tau 45 s
awk 'BEGIN { srand(3); print "t_s,hr_bpm"; t = 0
  while (t < 1500) {
    if (t < 300) h = 72; else if (t < 600) h = 72 + (t - 300) / 300 * 98
    else if (t < 780) h = 170; else h = 95 + 75 * exp(-(t - 780) / 45)
    printf "%.1f,%.0f\n", t, h + 2 * sin(t / 7); t += 1 + int(rand() * 3) } }' >"$d/strap.csv"
"$PT" process "$d/strap.csv" -o "$d/strap.h5" >"$d/strap.out" 2>&1 || no "process strap"
grep -q "^recovery    [1-9]" "$d/strap.out" && ok "strap: a recovery found" || no "strap: no recovery"
"$PT" report "$d/strap.h5" -o "$d/strap.svg" >>"$d/strap.out" 2>&1 || no "report strap"
n=$(sed -n '/id="recovery"/,/<\/g>/p' "$d/strap.svg" | grep -c '<circle')
[ "$n" -ge 20 ] && ok "strap: recovery panel has $n heart-rate points" ||
    no "strap: recovery panel has $n points (empty)"
has "$d/strap.svg" "the device's HR channel" "strap: the heart-rate source is named"
has "$d/strap.svg" 'id="activity-strip"' "strap: activity strip (classes from heart rate)"
nonan "$d/strap.svg" "strap SVG"
nonan "$d/strap.out" "strap stdout"
render strap

# 4: a night with the watch on the nightstand
"$PT" simulate --scenario night --hours 3 --seed 1 --start 2026-03-02T22:00:00Z \
    -o "$d/night.csv" >/dev/null 2>&1 || no "simulate night"
"$PT" process "$d/night.csv" -o "$d/night.h5" >"$d/night.out" 2>&1 || no "process night"
"$PT" report "$d/night.h5" -o "$d/night.svg" >>"$d/night.out" 2>&1 || no "report night"
has "$d/night.svg" '<rect class="nonwear"' "night: non-wear band"
has "$d/night.svg" '<rect class="nonwear" x=' "night: non-wear band drawn"
# the heart-rate line has no point strictly inside a non-wear band
awk 'BEGIN { n = 0; bad = 0 }
     /<rect class="nonwear" x=/ { match($0, /x="[0-9.]+"/); x = substr($0, RSTART + 3, RLENGTH - 4)
       match($0, /width="[0-9.]+"/); w = substr($0, RSTART + 7, RLENGTH - 8); lo[n] = x + 1; hi[n++] = x + w - 1 }
     /id="heart-rate"/ { inhr = 1 } inhr && /<\/g>/ { inhr = 0 }
     inhr && /points=/ { sub(/.*points="/, ""); m = split($0, p, " ")
       for (i = 1; i <= m; i++) { split(p[i], xy, ","); for (k = 0; k < n; k++)
         if (xy[1] + 0 > lo[k] && xy[1] + 0 < hi[k]) bad++ } }
     END { exit bad > 0 || n == 0 }' "$d/night.svg" && ok "night: no heart rate through non-wear" ||
    no "night: heart-rate line crosses non-wear"
nonan "$d/night.svg" "night SVG"
nonan "$d/night.out" "night stdout"
render night

# 5: a load of three days: ACWR, CTL trend not available yet, said so
for s in 1 2 3; do
    "$PT" simulate --minutes 30 --seed $s --start "2026-03-0${s}T18:00:00Z" -o "$d/l$s.csv" >/dev/null 2>&1
    "$PT" process -q "$d/l$s.csv" -o "$d/l$s.h5" >/dev/null 2>&1 || no "process l$s"
done
"$PT" load "$d/l1.h5" "$d/l2.h5" "$d/l3.h5" -o "$d/load.h5" >"$d/load.out" 2>&1 || no "load"
has "$d/load.out" "ACWR n/a (needs 28 days" "load stdout: ACWR n/a with the reason"
has "$d/load.out" "HRR60 trend n/a" "load stdout: HRR60 trend n/a"
"$PT" report "$d/load.h5" -o "$d/load.svg" >>"$d/load.out" 2>&1 || no "report load"
has "$d/load.svg" "n/a" "load SVG: n/a"
has "$d/load.svg" "<title>Training load: subject " "load SVG: the subject in the title"
has "$d/load.svg" ">Mar 01<" "load SVG: dates on the axis"
nonan "$d/load.svg" "load SVG"
nonan "$d/load.out" "load stdout"
render load
exit $fail
