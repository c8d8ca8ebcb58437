#!/bin/bash
# ntsd as a client of four servers, one of them a falseticker, seen through
# NTPsec's ntpq: three chronyd servers (the same clock) and a small server
# that answers 300 ms ahead. ntsd (-x: it never touches the clock) must mark
# the falseticker 'x', select a chronyd ('*', the other two '+'), show their
# offsets within 1 ms, and serve stratum 2. ntpq only talks to udp/123, so
# the test runs in a private network namespace of its own.
# Usage: test-ntsd-client-select.sh BUILDDIR
if [ -z "${NTS_IN_NETNS:-}" ]; then
	command -v unshare > /dev/null && unshare --net true 2> /dev/null ||
		{ echo "skip: cannot unshare a network namespace"; exit 77; }
	exec unshare --net env NTS_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

[ -x "$CHRONYD" ] || { echo "skip: chronyd missing"; exit 77; }
command -v ntpq > /dev/null || { echo "skip: ntpq (ntpsec) not installed"; exit 77; }

# ---- three chronyd servers serving their (the machine's) clock at stratum 1
pids=""
ports=""
for i in 1 2 3; do
	d=$T/up$i
	mkdir -p "$d"
	cp -r "$T/pki" "$d/pki"
	p=$(nts_free_port)
	chrony_server_start "$d" "$p" "$(nts_free_port)" ||
		{ nts_notok "chronyd $i starts"; CHRONY_PID="$pids"; nts_done; exit 1; }
	pids="$pids $CHRONY_PID"
	ports="$ports $p"
done
CHRONY_PID=$pids   # the common cleanup stops them all

# ---- the falseticker: answers every mode 3 request with the time 300 ms ahead
FALSE_PORT=$(nts_free_port)
python3 - "$FALSE_PORT" > "$T/false.log" 2>&1 <<'PY' &
import socket, struct, sys, time
EPOCH = 2208988800
def ts(t):
    t += EPOCH
    return struct.pack("!II", int(t), int((t % 1) * 2**32))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
end = time.time() + 600          # bounded: the test stops it long before
while time.time() < end:
    try:
        d, a = s.recvfrom(2048)
    except socket.timeout:
        continue
    rx = time.time() + 0.3
    if len(d) < 48 or d[0] & 7 != 3:
        continue
    hdr = bytes([(0 << 6) | (4 << 3) | 4, 1, d[2], 0xec])
    hdr += struct.pack("!II", 0, 16) + b"FAKE" + ts(rx) + d[40:48] + ts(rx)
    s.sendto(hdr + ts(time.time() + 0.3), a)
PY
FALSE_PID=$!
CHRONY_PID="$pids $FALSE_PID"

# ---- ntsd -x, client of all four, serving (and answering ntpq) on udp/123
C=$T/cli
mkdir -p "$C"
{
	echo "listen ntp 127.0.0.1:123"
	for p in $ports $FALSE_PORT; do echo "server 127.0.0.1:$p iburst minpoll 0 maxpoll 2"; done
	echo "pidfile $C/ntsd.pid"
	echo "control $C/ctl.sock"
} > "$C/ntsd.conf"
$NTS_NOCLOCK "$NTSD" -d -x -c "$C/ntsd.conf" > "$C/ntsd.log" 2>&1 &
NTSD_PID=$!

peers() { ntpq -n -p 127.0.0.1 2> /dev/null; }
settled() { # one '*', two '+', one 'x'
	local p
	p=$(peers) || return 1
	[ "$(grep -c '^\*' <<<"$p")" = 1 ] && [ "$(grep -c '^+' <<<"$p")" = 2 ] &&
		[ "$(grep -c '^x' <<<"$p")" = 1 ]
}
nts_check "selection settles: one '*', two '+', one 'x'" wait_for 40 settled
p=$(peers)
echo "$p" | sed 's/^/# /'
nts_check "ntpq -p lists the four associations" test "$(grep -c '127\.0\.0\.1' <<<"$p")" = 4
nts_check "the falseticker (refid FAKE) is the 'x'" grep -q '^x127\.0\.0\.1 *\.FAKE\.' <<<"$p"
nts_check "the system peer is a chronyd, not the falseticker" bash -c "! grep -q '^\*.*FAKE' <<<\"\$1\"" _ "$p"
# the offset column (ms) of the three chronyd sources: the same clock, so
# within 1 ms once the filters hold a quiet sample (a loaded machine delays some)
offsets_ok() {
	peers | awk '/^[*+]/ { n++; o = $(NF - 1); if (o > 1 || o < -1) bad = 1 } END { exit bad || n != 3 }'
}
nts_check "chronyd sources' offsets within 1 ms" wait_for 30 offsets_ok
p=$(peers)
echo "$p" | sed 's/^/# /'
fo=$(awk '/^x/ { print $(NF - 1) }' <<<"$p")
nts_check "the falseticker's offset is about +300 ms ($fo)" \
	awk -v o="$fo" 'BEGIN { exit !(o > 290 && o < 310) }'
v=$(ntp_query 123 | tr -d '\000')
nts_check "ntsd serves stratum 2 from the selected chronyd ($v)" grep -q "^stratum=2 " <<<"$v"
nts_check "the log names the selection" grep -q "NTSc: selected 127.0.0.1" "$C/ntsd.log"
nts_check "no clock change under -x" bash -c "! grep -q 'stepping the clock' '$C/ntsd.log'"
nts_done
