#!/bin/bash
# ntsd's SOCK refclock: ntsd creates the datagram socket (replacing a stale
# one) and reads chrony's struct sock_sample as gpsd writes it; wrong sizes
# and magic numbers are counted, never measured. gpsd itself writes SOCK
# samples only from a PPS source (its PPS thread's report hook), which no
# test machine has, so a writer of the same struct stands in for it.
# With NTPsec's ntpq installed the test runs in a private network namespace
# and ntpq -p reads the refclock row from ntsd's mode 6 on udp/123.
# Usage: BUILDDIR
NTS_REFCLOCK_NET=1
. "$(dirname "$0")/refclock-common.inc" "$1"
NTPQ_LISTEN=""
[ -n "${NTS_REFCLOCK_NETNS:-}" ] && command -v ntpq >/dev/null && NTPQ_LISTEN="listen ntp 127.0.0.1:123"

SOCK=/run/chrony.ttyS0.sock
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$SOCK"
nts_check "a stale socket file is there before start" test -S "$SOCK"
rc_start "refclock sock $SOCK refid GPS minpoll 2" ${NTPQ_LISTEN:+"$NTPQ_LISTEN"} || { nts_notok "ntsd starts"; nts_done; exit 1; }
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
# ntpq -p as the quick start shows a GPS refclock: SHM(0)/SOCK(0), .GPS.,
# stratum 0, type l, selected ('*'), reach not 0, offset 12.3 ms ('when'
# is '-' under a second, as NTPsec's ntpq prints it)
ntpq_row() {
	ntpq -p 127.0.0.1 2>/dev/null | tee "$T/ntpq.out" |
		grep -Eq '^\*SOCK\(0\) +\.GPS\. +0 l +(-|[0-9]+) +[0-9]+ +[0-7]*[1-7][0-7]* +[0-9.]+ +12\.3'
}
if [ -n "$NTPQ_LISTEN" ]; then
	nts_check "ntpq -p: *SOCK(0) .GPS. stratum 0 type l, reached" wait_for 10 ntpq_row
	sed 's/^/# /' "$T/ntpq.out"
else
	echo "# ntpq -p check skipped: no ntpq or no network namespace"
fi
nts_stop "$FEED_PID"
nts_check "falls back to local stratum 7 when the writer stops" wait_for 30 served_is "7 LOCL"
rc_finish
nts_check "ntsd removes its socket on exit" test ! -e "$SOCK"
nts_done
