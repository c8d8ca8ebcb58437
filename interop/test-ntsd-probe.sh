#!/bin/bash
# ntske-probe against ntsd: a KE and NTS-protected queries with cookie
# refresh, an AEAD scan, and the --check conformance battery.
# Usage: test-ntsd-probe.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

PROBE=$BUILD/ntske-probe/ntske-probe
[ -x "$PROBE" ] || { echo "skip: $PROBE not built"; exit 77; }
D=$T/srv
ntsd_conf "$D" "nts server localhost"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }

out=$("$PROBE" --ca "$T/pki/ca.pem" --count 3 --interval 0.2 "localhost:$KE_PORT" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
nts_check "probe: exit 0" test "$rc" = 0
nts_check "probe: result OK" grep -q "^result *OK" <<<"$out"
nts_check "probe: 8 cookies of 104 octets" grep -q "8 cookies of 104 octets" <<<"$out"
nts_check "probe: Port record names our NTP port" grep -q "Port Negotiation (7) len 2: $NTP_PORT" <<<"$out"
nts_check "probe: Server record sent when configured" grep -q "Server Negotiation (6).*localhost" <<<"$out"
nts_check "probe: authenticated replies with a UID echo" grep -q "authenticated, UID echoed" <<<"$out"
nts_check "probe: cookies from NTP replies work" grep -q "refresh works" <<<"$out"

out=$("$PROBE" --ca "$T/pki/ca.pem" --aead 17 --count 1 "localhost:$KE_PORT" 2>&1); rc=$?
nts_check "probe --aead 17: AES-SIV-CMAC-512 negotiated and used" \
	test "$rc" = 0 -a -n "$(grep 'AEAD_AES_SIV_CMAC_512 (17), 8 cookies' <<<"$out")"

out=$("$PROBE" --ca "$T/pki/ca.pem" --check "localhost:$KE_PORT" 2>&1); rc=$?
grep '^check' <<<"$out" | sed 's/^/# /'
nts_check "probe --check: exit 0" test "$rc" = 0
nts_check "probe --check: no FAIL" bash -c "! grep -q '^check .* FAIL ' <<<\"\$1\"" _ "$out"
nts_check "probe --check: result OK" grep -q "^result *OK" <<<"$out"
nts_check "ntsd still serves after the battery" test -n "$(ntp_query "$NTP_PORT")"
nts_done
