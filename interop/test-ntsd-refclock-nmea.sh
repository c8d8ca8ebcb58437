#!/bin/bash
# ntsd's NMEA refclock straight on a serial line (a pty we drive): RMC, GGA
# and ZDA for each second arriving 0.3 s late, corrected by time2; bad
# checksums, noise and 10 kB lines mixed in are counted and logged once a
# minute, never measured; the device vanishing is survived and the server
# falls back to its local stratum. Usage: BUILDDIR
. "$(dirname "$0")/refclock-common.inc" "$1"

LATE=0.3
python3 "$FEED" nmea "$T/pty" 120 "$LATE" garbage &
FEED_PID=$!
PIDS="$PIDS $FEED_PID"
wait_for 30 test -s "$T/pty" || { nts_notok "the pty feeder starts"; nts_done; exit 1; }
PTY=$(cat "$T/pty")
rc_start "refclock nmea unit 0 path $PTY baud 9600 time2 $LATE minpoll 2" ||
	{ nts_notok "ntsd starts"; nts_done; exit 1; }
nts_ok "ntsd starts with refclock nmea on $PTY"
nts_check "NMEA(0) measured" wait_for 40 measured "NMEA(0)"
off=$(last_offset "NMEA(0)")
nts_check "NMEA(0) offset $off is 0 +- 150 ms once time2 is applied (a sign or second error is >= 0.6 s)" near "$off" 0 0.150
nts_check "serves stratum 1, refid GPS" wait_for 20 served_is "1 GPS"
nts_check "bad input is counted and logged with its reason" \
	grep -Eq "refclock NMEA\(0\): (NMEA checksum missing or wrong|not an NMEA sentence|NMEA line too long)" "$T/ntsd.log"
n=$(grep -Ec "refclock NMEA\(0\): (NMEA|not an)" "$T/ntsd.log")
nts_check "logged once in its first minute ($n line)" test "$n" = 1
# the status snapshot is published once a second: wait until it has counted
status_ok() {
	status_json | python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(sys.stdin)["sources"]}["NMEA(0)"]
assert s["samples"] >= 4 and s["bad_samples"] >= 2 and s["bad_reason"], s
'
}
nts_check "status: NMEA(0) counts good and bad samples" wait_for 30 status_ok
# the feeder ends and closes the pty: the device is gone
nts_stop "$FEED_PID"
nts_check "falls back to local stratum 7 when the device goes away" wait_for 30 served_is "7 LOCL"
nts_check "the vanished device is logged" grep -Eq "refclock NMEA\(0\): unreachable" "$T/ntsd.log"
nts_check "ntsd survives the vanished device" kill -0 "$NTSD_PID"
nts_check "answers NTP afterwards" served_is "7 LOCL"
rc_finish
nts_done
