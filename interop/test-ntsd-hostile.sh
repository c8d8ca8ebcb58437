#!/bin/bash
# Hostile input never crashes or stalls ntsd: garbage instead of TLS, TLS
# without ALPN, bad and truncated records, an unknown critical record, huge
# lengths, silent connections by the hundred, malformed NTP extension fields
# (test-ntsd-hostile.py). A chronyd client keeps being served throughout.
# Usage: test-ntsd-hostile.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

D=$T/srv
# a short KE timeout and a small connection bound, so both are exercised
ntsd_conf "$D" "nts ketimeout 2" "nts maxconn 64" "threads 2"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
if [ -x "$CHRONYD" ]; then
	chrony_client_start "$T/chrony" localhost 0 "$KE_PORT" "$T/pki/ca.pem" || nts_notok "chronyd client starts"
	nts_check "chronyd authenticates before the attacks" wait_for 15 chrony_authed
fi
good0=$(ntsd_counter "$D" "NTS server recvs good")

python3 "$(dirname "$0")/test-ntsd-hostile.py" "$KE_PORT" "$NTP_PORT" "$T/pki/ca.pem" "$NTSD_PID" > "$T/py.out" 2>&1
rc=$?
cat "$T/py.out"
NTS_T_PASS=$((NTS_T_PASS + $(grep -c '^ok - ' "$T/py.out")))
NTS_T_FAIL=$((NTS_T_FAIL + $(grep -c '^not ok - ' "$T/py.out")))
[ "$rc" = 0 ] || grep -q '^not ok' "$T/py.out" || nts_notok "hostile script exited with $rc"

nts_check "ntsd survived every attack" kill -0 "$NTSD_PID"
nts_check "failed handshakes are logged with a reason" grep -q "NTSs: TLS accept from .* failed, .* sec: " "$D/ntsd.log"
nts_check "timeouts are logged" grep -q "timed out" "$D/ntsd.log"
nts_check "the connection bound evicted old connections" grep -q "connection limit reached" "$D/ntsd.log"
nts_check "counter: KE serves bad > 0" test "$(ntsd_counter "$D" "NTS KE serves bad")" -gt 0
nts_check "counter: server recvs w error > 0" test "$(ntsd_counter "$D" "NTS server recvs w error")" -gt 0
if [ -x "$CHRONYD" ]; then
	more() { [ "$(ntsd_counter "$D" "NTS server recvs good")" -gt "$good0" ]; }
	nts_check "chronyd was served during and after the attacks" wait_for 10 more
	nts_check "chronyd is still authenticated" chrony_authed
fi
"$NTSD" -Q "$D/ctl.sock" | sed 's/^/# /'
nts_done
