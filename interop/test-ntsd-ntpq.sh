#!/bin/bash
# NTPsec's ntpq reads ntsd over mode 6: `ntpq -c nts` shows the counters
# under NTPsec's names, `ntpq -c rv` the system variables. ntpq only talks
# to udp/123, so ntsd runs in a private network namespace. Mode 6 is
# answered to loopback peers only. Usage: test-ntsd-ntpq.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

command -v ntpq >/dev/null || { echo "skip: ntpq (ntpsec) not installed"; exit 77; }
unshare --net true 2>/dev/null || { echo "skip: cannot unshare a network namespace"; exit 77; }
PROBE=$BUILD/ntske-probe/ntske-probe
D=$T/srv
mkdir -p "$D"
cat > "$D/ntsd.conf" <<CONF
nts enable
nts cert $T/pki/server-chain.pem
nts key $T/pki/server.key
nts cookie $D/nts-keys
listen ntp 127.0.0.1:123
listen ntp [::1]:123
listen ntp 10.9.9.9:123
listen nts-ke 127.0.0.1:4460
local stratum 2 refid GPS
CONF
cat > "$T/inside.sh" <<'SH'
# runs inside the namespace: start ntsd, make some NTS traffic, ask ntpq
set -u
ip link set lo up
ip addr add 10.9.9.9/32 dev lo
"$NTSD" -d -c "$D/ntsd.conf" 2> "$D/ntsd.log" &
pid=$!
for i in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/4460) 2>/dev/null && break; sleep 0.1; done
if [ -x "$PROBE" ]; then
	"$PROBE" --ca "$T/pki/ca.pem" --count 2 --interval 0.1 localhost:4460 > "$D/probe.out" 2>&1
fi
ntpq -c nts 127.0.0.1 > "$D/nts.out" 2>&1
ntpq -c rv 127.0.0.1 > "$D/rv.out" 2>&1
ntpq -c "rv 0 bogusvar" 127.0.0.1 > "$D/bogus.out" 2>&1
timeout 10 ntpq -c rv 10.9.9.9 > "$D/nonlo.out" 2>&1
ntpq -c rv ::1 > "$D/rv6.out" 2>&1
kill -0 "$pid" && echo alive > "$D/alive"
kill -TERM "$pid"
wait "$pid"
echo "$?" > "$D/exit"
SH
NTSD=$NTSD D=$D T=$T PROBE=$PROBE timeout 60 unshare --net bash "$T/inside.sh"

sed 's/^/# /' "$D/nts.out"
field() { awk -F: -v l="$1" 'index($0, l) == 1 { gsub(/ /, "", $2); print $2 }' "$D/nts.out"; }
nts_check "ntpq -c nts: every NTPsec row answered" test "$(grep -c '^NTS ' "$D/nts.out")" = 17
if [ -x "$PROBE" ]; then
	nts_check "ntske-probe in the namespace: OK" grep -q "^result *OK" "$D/probe.out"
	nts_check "ntpq -c nts: KE serves good = 1" test "$(field 'NTS KE serves good')" = 1
	nts_check "ntpq -c nts: server recvs good = 2" test "$(field 'NTS server recvs good')" = 2
	nts_check "ntpq -c nts: make cookies = 10" test "$(field 'NTS make cookies')" = 10
fi
sed 's/^/# /' "$D/rv.out"
nts_check "ntpq -c rv: version, stratum and refid" grep -q 'version="ntsd' "$D/rv.out"
nts_check "ntpq -c rv: stratum=2" grep -q 'stratum=2' "$D/rv.out"
nts_check "ntpq -c rv: refid=GPS" grep -q 'refid=GPS' "$D/rv.out"
nts_check "ntpq -c rv over IPv6 loopback" grep -q 'stratum=2' "$D/rv6.out"
nts_check "an unknown variable is refused with UNKNOWNVAR" grep -q "UNKNOWNVAR" "$D/bogus.out"
nts_check "mode 6 from a non-loopback address is not answered" bash -c "! grep -q stratum '$D/nonlo.out'"
nts_check "ntsd ran throughout and exited 0" test -e "$D/alive" -a "$(cat "$D/exit" 2>/dev/null)" = 0
nts_done
