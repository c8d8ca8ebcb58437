#!/bin/bash
# NTPsec's ntpd as an NTS client of ntsd: KE, authenticated time, 8 cookies,
# verified with ntpq -p and ntpq -c nts. NTPsec binds udp/123 on loopback,
# so this skips when something else holds it. Usage: test-ntsd-ntpsec.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

command -v ntpd >/dev/null && command -v ntpq >/dev/null || { echo "skip: NTPsec not installed"; exit 77; }
if [ -n "$(ss -Hlun 'sport = :123' 2>/dev/null)" ]; then
	echo "skip: udp/123 is busy (another ntpd?)"
	exit 77
fi

D=$T/srv
# NTPsec resolves "localhost" and uses its first answer, which may be ::1:
# serve both loopback addresses
NTP_PORT=$(nts_free_port)
KE_PORT=$(nts_free_port)
ntsd_conf "$D" "listen ntp [::1]:$NTP_PORT" "listen nts-ke [::1]:$KE_PORT"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
nts_ok "ntsd starts on 127.0.0.1 and ::1"

ntpsec_client_start "$T/ntpsec" localhost "$KE_PORT" "$T/pki/ca.pem" || nts_notok "NTPsec client starts"

selected() { ntpq -p 127.0.0.1 2>/dev/null | grep -q '^\*'; }
nts_check "NTPsec selects ntsd (ntpq -p shows '*')" wait_for 40 selected
ntpq -p 127.0.0.1 2>&1 | sed 's/^/# /'
t=$(ntpq -p 127.0.0.1 2>/dev/null | awk '/^\*/ { print $4 }')
nts_check "NTPsec holds 8 cookies (t column = $t)" test "$t" = 8 -o "$t" = 7
st=$(ntpq -p 127.0.0.1 2>/dev/null | awk '/^\*/ { print $3 }')
nts_check "NTPsec sees stratum 1 (st = $st)" test "$st" = 1
good=$(ntpq -c nts 127.0.0.1 2>/dev/null | awk -F: '/client recvs good/ { gsub(/ /, "", $2); print $2 }')
bad=$(ntpq -c nts 127.0.0.1 2>/dev/null | awk -F: '/client recvs w error/ { gsub(/ /, "", $2); print $2 }')
ntpq -c nts 127.0.0.1 2>&1 | sed 's/^/# /'
nts_check "ntpq -c nts: client recvs good > 0 ($good)" test "${good:-0}" -gt 0
nts_check "ntpq -c nts: no client recvs with error ($bad)" test "${bad:-1}" = 0
nts_check "NTPsec log: NTS-KE with ntsd OK" grep -q "NTSc: NTS-KE req to localhost.* OK" "$T/ntpsec/ntpd.log"
nts_check "ntsd counted the KE" test "$(ntsd_counter "$D" "NTS KE serves good")" -ge 1
nts_check "ntsd counted authenticated requests" test "$(ntsd_counter "$D" "NTS server recvs good")" -ge 1
nts_done
