#!/bin/bash
# A flood of NTS-KE handshakes (TLS work in the KE threads) must not delay
# time responses: NTP answers keep coming fast while the KE workers are
# saturated. Usage: test-ntsd-flood.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

BENCH=$BUILD/bench/nts-loadgen
[ -x "$BENCH" ] || { echo "skip: $BENCH not built"; exit 77; }
D=$T/srv
ntsd_conf "$D" "loglevel notice"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
# one CPU for both worker kinds: the hardest case for the NTP thread
taskset -a -p -c 0 "$NTSD_PID" >/dev/null 2>&1

# NTP round trips while idle, then during the flood
rtts() {
	python3 - "$NTP_PORT" "$1" <<'PY'
import os, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
rtt, lost = [], 0
for _ in range(n):
    xmt = os.urandom(8)
    t0 = time.perf_counter()
    s.sendto(bytes([0x23]) + bytes(39) + xmt, ("127.0.0.1", port))
    try:
        while True:
            d, _ = s.recvfrom(2048)
            if d[24:32] == xmt:
                break
        rtt.append(time.perf_counter() - t0)
    except socket.timeout:
        lost += 1
    time.sleep(0.01)
rtt.sort()
pick = lambda q: rtt[min(len(rtt) - 1, int(q * len(rtt)))] if rtt else 9.0
print("%d %.6f %.6f %.6f" % (lost, pick(0.5), pick(0.95), rtt[-1] if rtt else 9.0))
PY
}
read -r lost0 p50_0 p95_0 max0 <<<"$(rtts 50)"
# four KE connections at a time, each a full handshake, for 5 s
"$BENCH" --mode ke --ke-port "$KE_PORT" --ca "$T/pki/ca.pem" --duration 5 --warmup 0 \
	--conns 4 > "$T/flood.out" 2>&1 &
FLOOD=$!
# measure once the flood is under way: handshakes are being served
flooding() { [ "$(ntsd_counter "$D" "NTS KE serves good")" -ge 20 ]; }
wait_for 10 flooding
read -r lost1 p50_1 p95_1 max1 <<<"$(rtts 200)"
wait "$FLOOD"
cat "$T/flood.out" | sed 's/^/# flood: /'
hs=$(sed -n 's/^RESULT .* ok=\([0-9]*\) .*/\1/p' "$T/flood.out")
echo "# NTP round trips idle: lost $lost0, median ${p50_0}s, 95th ${p95_0}s, max ${max0}s"
echo "# during the flood:     lost $lost1, median ${p50_1}s, 95th ${p95_1}s, max ${max1}s"
echo "# (the machine may be shared: single outliers are scheduling noise, so the 95th percentile is judged)"
nts_check "the flood made handshakes ($hs)" test "${hs:-0}" -gt 50
nts_check "no NTP request lost during the flood" test "$lost1" = 0
nts_check "median NTP round trip during the flood under 5 ms (${p50_1}s)" \
	awk -v w="$p50_1" 'BEGIN { exit !(w < 0.005) }'
nts_check "95th percentile NTP round trip during the flood under 50 ms (${p95_1}s)" \
	awk -v w="$p95_1" 'BEGIN { exit !(w < 0.05) }'
nts_check "ntsd counted the handshakes" test "$(ntsd_counter "$D" "NTS KE serves good")" -ge "${hs:-1}"
nts_done
