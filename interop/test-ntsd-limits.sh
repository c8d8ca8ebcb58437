#!/bin/bash
# Per-client limits (ntsd.conf(5): ratelimit, restrict, deny, nts ke-limit):
# an address flooding NTP gets RATE kisses and no more than its share while
# another address gets every answer; forged-cookie NAKs count in the limit;
# deny rules drop; one address holding NTS-KE connections cannot push honest
# clients out or slow them down; failed handshakes are logged in summary.
# Usage: test-ntsd-limits.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
PY=$(dirname "$0")/test-ntsd-limits.py

# ---- NTP: interval 0 (one per second), burst 4, no leak, kisses
D=$T/ntp
ntsd_conf "$D" "ratelimit interval 0 burst 4 leak 0 kod" "deny 127.0.0.4"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
out=$(python3 "$PY" ntp "$NTP_PORT")
echo "# $out"
eval "$out"
nts_check "the flood sent many requests ($flood_sent)" test "$flood_sent" -gt 500
share=$((4 + ${secs%.*} + 2))
nts_check "the flooder got at most its share: $flood_answers answers + $flood_naks NAKs <= $share" \
	test $((flood_answers + flood_naks)) -le "$share"
nts_check "the flooder got RATE kisses ($flood_rate), at most one per second" \
	test "$flood_rate" -ge 1 -a "$flood_rate" -le $((${secs%.*} + 2))
nts_check "the polite address got every answer ($polite_ok of $polite_sent)" \
	test "$polite_ok" = "$polite_sent" -a "$polite_sent" -ge 3
nts_check "counter: NTP rate limited, dropped > 0" \
	test "$(ntsd_counter "$D" "NTP rate limited, dropped")" -gt 0
# a kiss may be lost on the way (socket buffers under the flood), never invented
kods=$(ntsd_counter "$D" "NTP rate limited, RATE KoD")
nts_check "counter: NTP rate limited, RATE KoD ($kods) >= kisses received ($flood_rate)" \
	test "$kods" -ge "$flood_rate" -a "$kods" -le $((${secs%.*} + 2))
deny_ok() {
	python3 - "$NTP_PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.4", 0))
s.settimeout(1)
s.sendto(bytes([0x23]) + bytes(47), ("127.0.0.1", int(sys.argv[1])))
try:
    s.recv(2048)
    sys.exit(1)
except socket.timeout:
    sys.exit(0)
PY
}
nts_check "deny 127.0.0.4: no answer" deny_ok
nts_check "counter: NTP denied (access rules) = 1" test "$(ntsd_counter "$D" "NTP denied (access rules)")" = 1
nts_stop "$NTSD_PID"; NTSD_PID=""

# ---- NTS-KE: one address holding connections
unset NTP_PORT KE_PORT
D=$T/ke
ntsd_conf "$D" "nts maxconn 32" "nts ke-limit conns 4" "nts ketimeout 5"
ntsd_start "$D" || { nts_notok "ntsd starts (KE)"; nts_done; exit 1; }
out=$(python3 "$PY" ke "$KE_PORT" "$T/pki/ca.pem" 2)
echo "# $out"
eval "$out"
nts_check "20 of 20 honest exchanges before the attack ($base_ok)" test "$base_ok" = 20
nts_check "the attacker kept opening connections ($attacker_opened)" test "$attacker_opened" -gt 20
nts_check "20 of 20 honest exchanges while one address holds connections ($attack_ok)" test "$attack_ok" = 20
# 2x the median, with 5 ms for a shared machine's scheduling noise
nts_check "honest median latency under attack ${attack_median}s <= 2 x ${base_median}s" \
	awk -v a="$attack_median" -v b="$base_median" 'BEGIN { exit !(a <= 2 * b + 0.005) }'
nts_check "counter: NTS-KE refused (per address) > 0" \
	test "$(ntsd_counter "$D" "NTS-KE refused (per address)")" -gt 0
n=$(grep -c "refused: over the per-address limit" "$D/ntsd.log")
nts_check "refusals are logged a few at a time ($n lines for $attacker_opened connections)" \
	test "$n" -le 40
nts_check "a summary line counts what was not logged" \
	wait_for 15 grep -q "more failed NTS-KE connections not logged" "$D/ntsd.log"
nts_done
