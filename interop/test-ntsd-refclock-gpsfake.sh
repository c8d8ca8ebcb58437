#!/bin/bash
# ntsd's SHM refclock fed by gpsd under gpsfake (gpsd's own test harness,
# Debian package gpsd-clients / python3-gps): gpsfake replays an NMEA log we
# write with the current time (RMC + GGA with a valid fix, one second per
# pair) over TCP into a gpsd of its own on a free port; gpsd writes SHM
# unit 0 and ntsd (never touching the clock) measures it, shows it
# reachable with an offset that names the right second, and serves stratum
# 1 with refid GPS. gpsfake paces its log loosely (one sentence, then a
# sleep: about 2 % slow here, and its start takes seconds), so the offset is
# checked to name the current time within a few seconds, not to the
# millisecond (test-ntsd-refclock-gpsd.sh does that with our own pacing).
# In a private IPC namespace (refclock-common.inc), so
# the SHM keys 0x4e545030.. are ours alone and no gpsd or chronyd of this
# machine can collide with them. gpsfake feeds a pty unless told -t, and
# gpsd ships no time to NTP from a pty (its "test harness" case): TCP it is.
# Usage: BUILDDIR
. "$(dirname "$0")/refclock-common.inc" "$1"
command -v gpsfake >/dev/null || { echo "skip: gpsfake missing (Debian package gpsd-clients)"; exit 77; }
command -v gpsd >/dev/null || { echo "skip: gpsd missing (Debian package gpsd)"; exit 77; }
gpsfake -h >/dev/null 2>&1 || { echo "skip: gpsfake does not run here (python3-gps?)"; exit 77; }

rc_start "refclock shm unit 0 refid GPS minpoll 2" ||
	{ nts_notok "ntsd starts"; nts_done; exit 1; }
nts_ok "ntsd starts with SHM unit 0"
nts_check "unsynchronised at first: local stratum 7" served_is "7 LOCL"

# The log: 240 seconds from 3 s ahead (gpsfake and its gpsd take a moment
# to start); gpsfake sends one sentence every CYCLE seconds, two a second.
python3 - "$T/fix.log" <<'PY'
import sys, time
def nmea(body):
    s = 0
    for c in body:
        s ^= ord(c)
    return "$%s*%02X\r\n" % (body, s)
t0 = int(time.time()) + 3
with open(sys.argv[1], "w") as f:
    f.write("# RMC and GGA, a valid 3D fix, one second each, from %d\n" % t0)
    for i in range(240):
        g = time.gmtime(t0 + i)
        hms = time.strftime("%H%M%S", g) + ".00"
        f.write(nmea("GPRMC,%s,A,4807.038,N,01131.000,E,000.0,000.0,%s,,,A" %
                     (hms, time.strftime("%d%m%y", g))))
        f.write(nmea("GPGGA,%s,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,," % hms))
PY
GPSD_PORT=$(nts_free_port)
# -1 once through, -t TCP, -n start feeding at once, -c 0.5 s a sentence
gpsfake -1 -t -n -c 0.5 -q -P "$GPSD_PORT" "$T/fix.log" > "$T/gpsfake.log" 2>&1 &
GPSFAKE_PID=$!
PIDS="$PIDS $GPSFAKE_PID"

nts_check "gpsfake runs" wait_for 10 kill -0 "$GPSFAKE_PID"
# its gpsd, a child of gpsfake: stopped by pid too if gpsfake leaves it
for i in $(seq 1 20); do
	GPSD_PID=$(pgrep -P "$GPSFAKE_PID" -x gpsd | head -n 1)
	[ -n "$GPSD_PID" ] && break
	sleep 0.5
done
[ -n "$GPSD_PID" ] && PIDS="$GPSD_PID $PIDS"
nts_check "gpsfake started its gpsd" test -n "$GPSD_PID"
nts_check "SHM(0) measured from gpsd" wait_for 60 measured "SHM(0)"
# gpsd stamps a sentence's arrival: with the log 3 s ahead, gpsfake's
# start and its slow pacing put the offset between about +3 and -5 s; a
# day, year or sign error is off by far more
off=$(last_offset "SHM(0)")
nts_check "SHM(0) offset $off s names the current time (within -5..+3 s)" near "$off" -1 4
nts_check "serves stratum 1, refid GPS" wait_for 20 served_is "1 GPS"
status_ok() {
	status_json | python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(sys.stdin)["sources"]}
a = s["SHM(0)"]
assert a["type"] == "l" and a["refid"] == ".GPS." and a["stratum"] == 0, a
assert a["reachable"] and a["reach"] != 0 and a["samples"] > 3 and a["bad_samples"] == 0, a
assert -5 <= a["offset"] <= 3, a
'
}
nts_check "status: SHM(0) reachable, type l, stratum 0, .GPS., samples, no bad ones" \
	wait_for 30 status_ok
if [ "$NTS_T_FAIL" -gt 0 ]; then
	sed 's/^/# gpsfake: /' "$T/gpsfake.log" | tail -n 20
fi
# gpsfake stops its gpsd as it ends; SHM(0) goes quiet and unreachable
nts_stop "$GPSFAKE_PID"
nts_check "falls back to local stratum 7 once gpsfake stops" wait_for 30 served_is "7 LOCL"
nts_check "ntsd still running" kill -0 "$NTSD_PID"
rc_finish
nts_done
