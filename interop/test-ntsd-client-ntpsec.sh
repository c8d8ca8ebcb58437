#!/bin/bash
# ntsd's NTS client source (through ntsc-try) against NTPsec's NTS server, in a
# network namespace of its own (NTPsec's ports 123 and 4460 are fixed): KE with
# 8 cookies of 104 octets, authentic answers within 1 ms, NTP on port 123 (NTPsec
# sends no Port record), restart without KE, NTPsec's new keys -> silence -> re-KE.
# Usage: interop/test-ntsd-client-ntpsec.sh BUILDDIR
set -u
for tool in unshare ntpd ntpq certtool ip; do
	command -v $tool > /dev/null || { echo "skip: $tool not installed"; exit 77; }
done
if [ -z "${NTSC_NETNS:-}" ]; then
	unshare --net true 2>/dev/null || { echo "skip: cannot unshare a network namespace"; exit 77; }
	NTSC_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
TRY=$BUILD/ntsd/ntsc-try
[ -x "$TRY" ] || { echo "skip: $TRY not built"; exit 77; }
CA=$T/pki/ca.pem
try() {
	local name=$1; shift
	OUT=$T/$name.out
	timeout -k 5 60 "$TRY" "$@" > "$OUT" 2>&1
	RC=$?
}
has() { grep -Eq "$1" "$OUT"; }

ntpsec_server_start "$T/ntpsec" "$T/pki/server-chain.pem" "$T/pki/server.key" ||
	{ echo "not ok - NTPsec did not start"; exit 1; }
mkdir -p "$T/state"
try first -c "$CA" -s "$T/state" -n 3 -i 0.3 -t 15 localhost
nts_check "KE and 3 authentic answers from NTPsec" test "$RC" -eq 0
nts_check "NTSc: Got 8 cookies, length 104, aead=15." has '^NTSc: Got 8 cookies, length 104, aead=15\.$'
nts_check "NTSc: NTS-KE req to localhost took N sec, OK" has '^NTSc: NTS-KE req to localhost took [0-9.]+ sec, OK$'
nts_check "no Server/Port records: NTP to the KE address on port 123" \
	bash -c "! grep -q 'NTP server from the KE response' '$OUT'"
nts_check "jar at 8 cookies" has '^status: cookies 8, aead 15, naks 0'
nts_check "offset of the best (least delay) answer under 1 ms" \
	awk '/^answer [0-9]+: authentic/ { n++; o = $7 + 0; d = $10 + 0; if (n == 1 || d < bd) { bd = d; bo = o } }
	     END { if (bo < 0) bo = -bo; exit !(n == 3 && bo < 0.001) }' "$OUT"
try restart -c "$CA" -s "$T/state" -n 2 -i 0.3 -t 10 localhost
nts_check "restart: answers on restored cookies, no new KE" \
	bash -c "[ $RC -eq 0 ] && grep -q 'restored [0-9]* cookies' '$OUT' && ! grep -q 'NTS-KE req to' '$OUT'"
# port 1234 of old guides: tried, then the standard port (ntske-probe's hint)
try fallback -c "$CA" -F -n 1 -i 0.3 -t 10 localhost:1234
nts_check "port 1234 fails, falls back to 4460, clear NTSc line" \
	bash -c "[ $RC -eq 0 ] && grep -q 'NTS-KE port 1234 failed; port 1234 comes from the NTS drafts, falling back to the standard port 4460' '$OUT'"
nts_stop "$NTPSEC_PID"; NTPSEC_PID=""
rm -f "$T/ntpsec/nts-keys"
ntpsec_server_start "$T/ntpsec" "$T/pki/server-chain.pem" "$T/pki/server.key" ||
	{ echo "not ok - NTPsec did not restart"; exit 1; }
try nak -c "$CA" -s "$T/state" -n 2 -i 0.3 -t 20 localhost
# NTPsec 1.2.2 drops requests with cookies it cannot open (no NAK): the
# jar runs dry after 8 silent polls, then NTS-KE
nts_check "NTPsec with new keys: silence, jar empty, re-KE, recovery" \
	bash -c "[ $RC -eq 0 ] && grep -q 'NTS-KE with localhost:4460: out of cookies' '$OUT' && grep -q 'NTS-KE req to localhost took' '$OUT' && grep -q '^counters: sends 10, recvs good 2' '$OUT'"
nts_done
