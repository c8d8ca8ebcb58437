#!/bin/bash
# ntsd's SOCK refclock: ntsd creates the datagram socket (replacing a stale
# one) and reads chrony's struct sock_sample as gpsd writes it; wrong sizes
# and magic numbers are counted, never measured. gpsd itself writes SOCK
# samples only from a PPS source (its PPS thread's report hook), which no
# test machine has, so a writer of the same struct stands in for it.
# Usage: BUILDDIR
. "$(dirname "$0")/refclock-common.inc" "$1"

SOCK=/run/chrony.ttyS0.sock
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$SOCK"
nts_check "a stale socket file is there before start" test -S "$SOCK"
rc_start "refclock sock $SOCK refid GPS minpoll 2" || { nts_notok "ntsd starts"; nts_done; exit 1; }
nts_ok "ntsd starts with refclock sock $SOCK"
nts_check "ntsd replaced the stale socket" wait_for 10 grep -q "refclock SOCK(0): refid GPS" "$T/ntsd.log"
python3 "$FEED" sock "$SOCK" 120 0.0123 garbage &
FEED_PID=$!
PIDS="$PIDS $FEED_PID"
nts_check "SOCK(0) measured" wait_for 40 measured "SOCK(0)"
off=$(last_offset "SOCK(0)")
nts_check "SOCK(0) offset $off is the 0.0123 s written" near "$off" 0.0123 0.000001
nts_check "serves stratum 1, refid GPS" wait_for 20 served_is "1 GPS"
nts_check "a short datagram is counted with its reason" \
	wait_for 20 grep -q "refclock SOCK(0): SOCK sample has the wrong size (36 octets)" "$T/ntsd.log"
nts_check "logged once in its first minute" test "$(grep -c 'refclock SOCK(0): SOCK' "$T/ntsd.log")" = 1
# the snapshot is published once a second: give it a few
counted() {
	status_json | python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(sys.stdin)["sources"]}["SOCK(0)"]
assert s["type"] == "l" and s["stratum"] == 0 and s["refid"] == ".GPS.", s
assert s["samples"] >= 4 and s["bad_samples"] >= 2, s
assert s["when"] is not None and s["when"] < 2, s
'
}
nts_check "status (ntsd -Q --json): SOCK(0) counts the bad magic too, last sample age < 2 s" wait_for 10 counted
nts_stop "$FEED_PID"
nts_check "falls back to local stratum 7 when the writer stops" wait_for 30 served_is "7 LOCL"
rc_finish
nts_check "ntsd removes its socket on exit" test ! -e "$SOCK"
nts_done
