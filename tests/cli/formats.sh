#!/bin/sh
# CLI: `info` and `process` on every real file in ../shared/data/formats
# (issue 4): each must succeed, except the two files that must fail with a
# clear message: an EDF+ holding annotations only, and a WAV cut short of its
# header's length (which --allow-truncated then reads).
# $1 = path of the pulsetrain binary.
set -u
PT="$1"
D="${PT_SHARED_DIR:-}/data/formats"
if [ ! -d "$D" ]; then echo "SKIP: $D not found (set PT_SHARED_DIR)"; exit 77; fi
out=$(mktemp -d /tmp/pt_fmt_XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0
run() { # expected_code needle -- args...
    want=$1 needle=$2; shift 3
    "$PT" "$@" >"$out/o" 2>"$out/e"; got=$?
    if [ "$got" -ne "$want" ] || { [ -n "$needle" ] && ! grep -qF -- "$needle" "$out/e" "$out/o"; }; then
        echo "FAIL: pulsetrain $* -> exit $got (want $want, '$needle')"; cat "$out/e"; fail=1
    else
        echo "ok   $want $*"
    fi
}
for f in "$D"/cwa/*.cwa "$D"/e4/msr2023_tutorial "$D"/e4/wesad_S15 "$D"/edf/s2_walk.edf \
         "$D"/edf/s3_run.edf "$D"/wfdb/*.hea; do
    run 0 "channels" -- info "$f"
    run 0 "wrote" -- process "$f" -o "$out/x.h5"
done
run 0 "ppg" -- info "$D/e4/wesad_S15"
run 0 "were skipped (blocks 0 13 14 142 143 144)" -- info "$D"/cwa/ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa
run 2 "annotations only" -- process "$D/edf/hmc_SN001_sleepscoring_test_edfann.edf" -o "$out/x.h5"
run 2 "truncated" -- process "$D/wav/ax3test.wav" -o "$out/x.h5"
run 0 "truncated" -- process "$D/wav/ax3test.wav" --allow-truncated -o "$out/x.h5"
exit $fail
