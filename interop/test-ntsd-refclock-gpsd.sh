#!/bin/bash
# ntsd's SHM refclock fed by a real gpsd (Debian's) in a private IPC
# namespace: gpsd reads NMEA from a pty we drive with the current time and
# writes SHM unit 0; ntsd measures it (time1 applied), serves stratum 1 with
# refid GPS, counts a nonsense segment on unit 2, and falls back to its
# local stratum within a poll once gpsd stops. Usage: BUILDDIR
. "$(dirname "$0")/refclock-common.inc" "$1"
command -v gpsd >/dev/null || { echo "skip: gpsd missing (Debian package gpsd)"; exit 77; }

# NMEA for second N arrives at N + 0.3 s: gpsd stamps its arrival, so the
# SHM offset is about -0.3 s; time1 +0.3 brings it to about 0 (give or
# take the feeder's scheduling on a busy machine).
LATE=0.3
rc_start "refclock shm unit 0 refid GPS time1 $LATE minpoll 2" \
	"refclock shm unit 2 refid BAD minpoll 2 noselect" ||
	{ nts_notok "ntsd starts"; nts_done; exit 1; }
nts_ok "ntsd starts with two SHM refclocks"
nts_check "unsynchronised at first: local stratum 7" served_is "7 LOCL"

GPSD_PORT=$(nts_free_port)
python3 "$FEED" gpsd "$T/gpsd.pid" 120 "$LATE" -N -n -b -S "$GPSD_PORT" -F "$T/gpsd.sock" &
FEED_PID=$!
PIDS="$PIDS $FEED_PID"
python3 "$FEED" shmbad 2 120 &
PIDS="$PIDS $!"

nts_check "gpsd started" wait_for 30 test -s "$T/gpsd.pid"
GPSD_PID=$(cat "$T/gpsd.pid" 2>/dev/null)
PIDS="$GPSD_PID $PIDS"
nts_check "SHM(0) measured" wait_for 40 measured "SHM(0)"
off=$(last_offset "SHM(0)")
nts_check "SHM(0) offset $off is 0 +- 150 ms once time1 is applied (a sign or second error is >= 0.6 s)" near "$off" 0 0.150
nts_check "serves stratum 1, refid GPS" wait_for 20 served_is "1 GPS"
nts_check "the nonsense segment is counted with its reason" \
	grep -q "refclock SHM(2): SHM field out of range" "$T/ntsd.log"
nts_check "and logged once in its first minute" \
	test "$(grep -c 'refclock SHM(2): SHM' "$T/ntsd.log")" = 1
nts_check "never measured from the nonsense segment" bash -c "! grep -q 'refclock SHM(2): offset' '$T/ntsd.log'"
# the status snapshot is published once a second: wait until it has counted
status_ok() {
	status_json | python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(sys.stdin)["sources"]}
a, b = s["SHM(0)"], s["SHM(2)"]
assert a["type"] == "l" and a["refid"] == ".GPS." and a["stratum"] == 0 and a["samples"] > 3, a
assert b["bad_samples"] > 3 and "out of range" in b["bad_reason"], b
'
}
nts_check "status: SHM(0) type l, stratum 0, .GPS., samples counted" wait_for 30 status_ok

# gpsd stops: SHM(0) is unreachable once its newest sample is a poll
# interval (4 s) old, and the server falls back to its local stratum; the
# age is ntsd's own, so a busy machine does not blur it
nts_stop "$FEED_PID"
nts_check "falls back to local stratum 7 after gpsd stops" wait_for 30 served_is "7 LOCL"
age=$(grep -F "refclock SHM(0): unreachable, newest sample" "$T/ntsd.log" | tail -n 1 | sed 's/.* sample \([0-9.]*\) s old/\1/')
nts_check "unreachable within its poll (newest sample ${age:-?} s old <= 4 s + 1 s publish tick)" \
	awk -v a="$age" 'BEGIN { exit !(a != "" && a <= 5.0) }'
nts_check "ntsd still running" kill -0 "$NTSD_PID"
rc_finish
nts_done
