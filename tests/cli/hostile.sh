#!/bin/sh
# CLI: hostile and unusual files (see docs/formats.md, "Limits"). $1 = the pulsetrain binary.
# - a sample rate of 1 GHz or more claimed by a file (CSV times 1 ns apart, an EDF record of
#   1e-9 s, a WFDB header with fs 1e12): exit 2 naming the file and the field (was exit 3,
#   "out of memory", no file named);
# - no samples (an EDF with 0 data records, a WFDB record with an empty .dat, a header-only
#   CSV): exit 2 "no samples" naming the file (the first two were exit 0, an empty summary);
# - two zip central-directory entries pointing at one local header: refused with the reason;
# - a CWA whose header-length field is not 1020: every data block read, the odd field noted
#   (skipped 64 KiB without a word; needs ../shared, else that case is skipped);
# - an E4 folder whose files cover different durations: read, the missing stretch NaN (was
#   exit 1 from the heart-rate tracker);
# - a negative fs_hz attribute in an HDF5 recording: exit 2 (was 1);
# - messages name the flags users type (--allow-truncated, --h5-ppg, --age), not struct fields.
set -u
PT="$1"
PY=/usr/bin/python3
"$PY" -c 'import h5py, numpy' 2>/dev/null || { echo "hostile.sh: needs $PY with h5py and numpy"; exit 77; }
d=$(mktemp -d /tmp/pt_hostile_XXXXXX)
trap 'rm -rf "$d"' EXIT
fail=0
check() { # name expected_code needle -- command...
    name=$1 want=$2 needle=$3; shift 4
    "$@" >"$d/out" 2>"$d/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit $got, expected $want"; cat "$d/err"; fail=1; return
    fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$d/err" "$d/out"; then
        echo "FAIL $name: output lacks '$needle':"; cat "$d/err"; fail=1; return
    fi
    echo "ok   $name"
}

"$PY" - "$d" <<'EOF' || { echo "FAIL: could not write the test files"; exit 1; }
import math, os, struct, sys, zipfile
import h5py, numpy as np
d = sys.argv[1]
p = lambda n: os.path.join(d, n)

def edf(name, nrec, dur, nsamp=4, nwrite=None):
    f = lambda s, w: str(s).ljust(w)[:w].encode()
    h = (f('0', 8) + f('X', 80) + f('Y', 80) + f('01.01.24', 8) + f('10.00.00', 8) + f(512, 8)
         + f('', 44) + f(nrec, 8) + f(dur, 8) + f(1, 4))
    h += (f('PPG', 16) + f('', 80) + f('uV', 8) + f(-100, 8) + f(100, 8) + f(-32768, 8)
          + f(32767, 8) + f('', 80) + f(nsamp, 8) + f('', 32))
    n = nsamp * (nrec if nwrite is None else nwrite)
    open(p(name), 'wb').write(h + struct.pack('<%dh' % n, *[(i * 37) % 1000 for i in range(n)]))

edf('fast.edf', 100, '1e-9')
edf('zero.edf', 0, '1')
edf('short.edf', 10, '1', 4, nwrite=5)  # truncated: the message names --allow-truncated
open(p('fast.hea'), 'w').write('fast 1 1e12 1000\nfast.dat 16 200 12 0 0 0 0 PPG\n')
open(p('fast.dat'), 'wb').write(struct.pack('<1000h', *range(1000)))
open(p('empty.hea'), 'w').write('empty 1 250\nempty.dat 16 200 12 0 0 0 0 PPG\n')
open(p('empty.dat'), 'wb').write(b'')
with open(p('ns.csv'), 'w') as fh:
    fh.write('t_s,ppg\n')
    for i in range(1000):
        fh.write('%.9f,%d\n' % (i * 1e-9, i % 7))
open(p('hdr.csv'), 'w').write('t_s,ppg\n')

# E4: ACC 32 Hz for 240 s, BVP 64 Hz for the first 120 s only, HR 1 Hz from 10 s
def e4(dirname, bvp_s):
    os.makedirs(p(dirname), exist_ok=True)
    t0 = 1502349056
    with open(p(dirname + '/ACC.csv'), 'w') as fh:
        fh.write('%d, %d, %d\n32, 32, 32\n' % (t0, t0, t0))
        for i in range(32 * 240):
            fh.write('%d,%d,%d\n' % (round(3 * math.sin(i / 5)), round(2 * math.cos(i / 7)), 64))
    with open(p(dirname + '/BVP.csv'), 'w') as fh:
        fh.write('%d.00\n64.000000\n' % t0)
        for i in range(64 * bvp_s):
            fh.write('%.2f\n' % (50 * math.sin(2 * math.pi * 1.2 * i / 64)))
    with open(p(dirname + '/HR.csv'), 'w') as fh:
        fh.write('%d.000000\n1.000000\n' % (t0 + 10))
        for i in range(230):
            fh.write('72.00\n')
e4('e4short', 120)
with zipfile.ZipFile(p('e4short.zip'), 'w', zipfile.ZIP_DEFLATED) as z:
    for m in ('ACC.csv', 'BVP.csv', 'HR.csv'):
        z.write(p('e4short/' + m), m)

# an E4 zip whose central directory lists a second member, notes.txt, at ACC.csv's local header
e4('e4full', 240)
with zipfile.ZipFile(p('dup.zip'), 'w') as z:
    for m in ('ACC.csv', 'BVP.csv', 'HR.csv'):
        z.write(p('e4full/' + m), m)
b = bytearray(open(p('dup.zip'), 'rb').read())
eocd = b.rfind(b'PK\x05\x06')
n, cd_size, cd_off = struct.unpack_from('<HII', b, eocd + 10)
nl, xl, cl = struct.unpack_from('<HHH', b, cd_off + 28)
e = bytearray(b[cd_off:cd_off + 46 + nl + xl + cl])  # ACC.csv's entry, renamed
e[46:46 + nl] = b'notes.txt'
struct.pack_into('<H', e, 28, 9)
b[cd_off + cd_size:cd_off + cd_size] = e
struct.pack_into('<HHI', b, eocd + len(e) + 8, n + 1, n + 1, cd_size + len(e))
open(p('dup.zip'), 'wb').write(bytes(b))

# a summary whose only heart-rate window starts at 0 and with no duration (found by
# fuzz_summary): the report's time axis is empty
with h5py.File(p('onerow.h5'), 'w') as f:
    f.attrs['schema_version'] = 1
    f.attrs['duration_s'] = float('nan')
    f['hr/t_start_s'] = np.array([0.0])
    f['hr/bpm'] = np.array([70.0])

# HDF5 recordings: fs_hz attribute -64 (bad data), and one with the rate given
with h5py.File(p('negfs.h5'), 'w') as f:
    f['ppg'] = np.sin(np.arange(64 * 120) / 10.0)
    f['ppg'].attrs['fs_hz'] = -64.0
EOF

# 1. sample rates no wearable gives (the ceiling: 100 kHz)
check fs_csv_1ns 2 "ns.csv: channel ppg: a sample rate of 1e+09 Hz (from the spacing of its time column" -- "$PT" process "$d/ns.csv" -o "$d/x.h5"
check fs_edf_1e-9 2 "fast.edf: channel PPG: a sample rate of 4e+09 Hz (from its record duration" -- "$PT" process "$d/fast.edf" -o "$d/x.h5"
check fs_wfdb_1e12 2 "fast.hea: channel PPG: a sample rate of 1e+12 Hz (from the sampling frequency in its header)" -- "$PT" process "$d/fast.hea" -o "$d/x.h5"
check fs_info 2 "fast.edf" -- "$PT" info "$d/fast.edf"
# 2. no samples: the same answer from every format
check empty_edf 2 "zero.edf: no samples" -- "$PT" process "$d/zero.edf" -o "$d/x.h5"
check empty_wfdb 2 "empty.hea: no samples" -- "$PT" process "$d/empty.hea" -o "$d/x.h5"
check empty_csv 2 "hdr.csv:1: no samples" -- "$PT" process "$d/hdr.csv" -o "$d/x.h5"
check empty_edf_info 2 "zero.edf: no samples" -- "$PT" info "$d/zero.edf"
[ -e "$d/x.h5" ] && { echo "FAIL a summary was written for a file without samples"; fail=1; }
# 3. a zip whose central directory lists two members at one local header
check zip_shared_header 2 "lists two members, 'ACC.csv' and 'notes.txt', at this one local header" -- "$PT" process "$d/dup.zip" -o "$d/x.h5"
# 4. an E4 folder whose BVP stops at 120 s of 240: read, BVP NaN from there, noted
check e4_short_file 0 "" -- "$PT" process "$d/e4short" -q -o "$d/e4.h5"
if [ -f "$d/e4.h5" ]; then
    "$PY" - "$d/e4.h5" <<'EOF' && echo "ok   e4_short_file: 240 s of BVP and of ACC" || fail=1
import sys, h5py
f = h5py.File(sys.argv[1], 'r')
names = [x.decode() if isinstance(x, bytes) else x for x in f['/channels/name'][()]]
n = dict(zip(names, f['/channels/n_samples'][()]))
ok = n.get('BVP') == 64 * 240 and n.get('ACC_x') == 32 * 240
if not ok:
    print('FAIL e4_short_file: n_samples %s' % n)
sys.exit(0 if ok else 1)
EOF
fi
check e4_short_file_note 0 "BVP.csv ends at 120.0 s, before the other files (240.0 s): NaN from there" -- "$PT" info "$d/e4short"
grep -q "missing *BVP: 7680 samples" "$d/out" || { echo "FAIL e4_short_file: BVP's last 120 s not NaN"; cat "$d/out"; fail=1; }
check e4_short_zip 0 "BVP.csv ends at 120.0 s" -- "$PT" info "$d/e4short.zip"
# 4b. report on a summary with an empty time axis: a chart, not an endless SVG (base 2696a8e
# looped writing x ticks: 74 GB in a minute; the file size and the time are capped here)
(ulimit -f 20000; timeout 60 "$PT" report "$d/onerow.h5" -o "$d/onerow.svg" >"$d/out" 2>"$d/err"); rc=$?
if [ $rc -eq 0 ] && [ -s "$d/onerow.svg" ]; then echo "ok   report_empty_axis"; else
    echo "FAIL report_empty_axis: exit $rc"; cat "$d/err"; fail=1; fi
rm -f "$d"/onerow.svg*
# 5. a negative fs_hz attribute in an HDF5 recording is bad data
check h5_negative_fs 2 "'fs_hz' attribute says -64 Hz" -- "$PT" process "$d/negfs.h5" --h5-ppg ppg -o "$d/y.h5"
check h5_rate_flag 0 "" -- "$PT" process "$d/negfs.h5" --h5-ppg ppg --h5-ppg-fs 64 -q -o "$d/y.h5"
# 6. messages name the flags users type
check msg_allow_truncated 2 "(--allow-truncated reads them)" -- "$PT" process "$d/short.edf" -o "$d/x.h5"
check msg_h5_datasets 1 "--h5-ppg" -- "$PT" process "$d/negfs.h5" --format h5 -o "$d/y.h5"
check msg_sim_age 1 "--age 5 is outside" -- "$PT" simulate -o "$d/s.csv" --age 5
check msg_sim_fs 1 "--fs-acc 7 must" -- "$PT" simulate -o "$d/s.csv" --fs-acc 7
grep -E "allow_truncated|h5_ppg|age_y|fs_acc_hz|fs_ppg_hz|hr_rest_bpm" "$d/err" && { echo "FAIL a struct field in a message"; fail=1; }
# 7. a CWA whose header-length field is 0xFFFC: every block read, the field noted
cwa="${PT_SHARED_DIR:-../shared}/data/formats/cwa/ax3_testfile.cwa"
if [ -f "$cwa" ]; then
    cp "$cwa" "$d/odd.cwa" && chmod u+w "$d/odd.cwa"
    printf '\374\377' | dd of="$d/odd.cwa" bs=1 seek=2 conv=notrunc 2>/dev/null
    check cwa_odd_header 0 "odd header length field 65532" -- "$PT" info "$d/odd.cwa"
    grep -q "acc_x .*17400 samples" "$d/out" && echo "ok   cwa_odd_header: 17400 samples, as the unpatched file" ||
        { echo "FAIL cwa_odd_header: not all 17400 samples read"; cat "$d/out"; fail=1; }
    "$PT" info "$d/odd.cwa" --format auto >"$d/out" 2>&1
    grep -q "^format *cwa" "$d/out" || { echo "FAIL cwa_odd_header: not probed as CWA"; fail=1; }
else
    echo "skip cwa_odd_header: $cwa absent"
fi
exit $fail
