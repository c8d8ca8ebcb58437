#!/bin/bash
# ntsd basics: -n config check, start-up log, plain NTP, chronyd as an NTS
# client (authenticated, 8 cookies), counters, SIGHUP and on-disk certificate
# reloads, SIGTERM clean exit. Usage: test-ntsd-basic.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

D=$T/srv

# ---- configuration check
ntsd_conf "$D" "nts certcheck 1"
out=$("$NTSD" -n -c "$D/ntsd.conf" 2>&1); rc=$?
nts_check "-n accepts a good config" test "$rc" = 0 -a "$out" = "configuration OK"

cat > "$T/bad.conf" <<'EOF'
nts enable
nts cert
listen ntp 127.0.0.1:notaport
local stratum 99
frobnicate yes
nts aead 30
EOF
out=$("$NTSD" -n -c "$T/bad.conf" 2>&1); rc=$?
nts_check "-n rejects a bad config with a non-zero exit" test "$rc" -ne 0
for l in 2 3 4 5 6; do
	nts_check "-n names $T/bad.conf:$l" grep -q "^$T/bad.conf:$l: " <<<"$out"
done
nts_check "-n does not print configuration OK for a bad config" bash -c "! grep -q 'configuration OK' <<<\"\$1\"" _ "$out"
out=$("$NTSD" -n -c "$T/missing.conf" 2>&1); rc=$?
nts_check "-n on a missing file fails" test "$rc" -ne 0

# ---- start
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
nts_ok "ntsd starts"
nts_check "pid file holds the pid" test "$(cat "$D/ntsd.pid" 2>/dev/null)" = "$NTSD_PID"
for pat in "NTSs: loaded certificate (chain) from" "NTSs: Private Key OK" \
	"NTSs: starting NTS-KE server listening on 127.0.0.1:$KE_PORT" \
	"NTSs: listening for NTP on 127.0.0.1:$NTP_PORT"; do
	nts_check "log: $pat" grep -qF "$pat" "$D/ntsd.log"
done
nts_check "key file created with mode 600" test "$(stat -c %a "$D/nts-keys" 2>/dev/null)" = 600

q=$(ntp_query "$NTP_PORT")
nts_check "plain NTPv4 answered with our stratum and refid ($q)" test "${q%% len=*}" = "stratum=1 refid=LOCL"
nts_check "kernel receive timestamps in use (no fallback warning)" bash -c "! grep -q 'no kernel receive timestamp' '$D/ntsd.log'"
q=$(ntp_query "$NTP_PORT" 3)
nts_check "NTPv3 client answered ($q)" test -n "$q"

# ---- chronyd as an NTS client
chrony_client_start "$T/chrony" localhost 0 "$KE_PORT" "$T/pki/ca.pem" || nts_notok "chronyd client starts"
nts_check "chronyd authenticates with NTS (authdata, ntpdata)" wait_for 15 chrony_authed
nts_check "chronyd selects ntsd as its source" wait_for 15 chrony_selected
# chronyd polls every second and spends a cookie per request: a read taken
# while a request is in flight sees 7, so look for 8 between exchanges
chrony_cookies() { $CHRONYC -n authdata 2>/dev/null | awk 'NR > 2 && $2 == "NTS" { print $9 }'; }
for i in $(seq 1 10); do cook=$(chrony_cookies); [ "$cook" = 8 ] && break; sleep 0.5; done
nts_check "chronyd holds 8 cookies between exchanges (has $cook)" test "$cook" = 8
nak=$($CHRONYC -n authdata | awk 'NR > 2 && $2 == "NTS" { print $8 }')
nts_check "chronyd saw no NAK" test "$nak" = 0
$CHRONYC -n authdata | sed 's/^/# /'
nts_check "log: per-KE TLS line" grep -q "NTSs: Using TLSv1.3, " "$D/ntsd.log"
nts_check "log: per-KE read/wrote line" grep -Eq "NTSs: Read [0-9]+, wrote [0-9]+ bytes.  AEAD=15" "$D/ntsd.log"
nts_check "log: per-KE duration line" grep -Eq "NTSs: NTS-KE server took [0-9.]+ sec" "$D/ntsd.log"
nts_check "counter: KE serves good >= 1" test "$(ntsd_counter "$D" "NTS KE serves good")" -ge 1
nts_check "counter: server recvs good >= 1" test "$(ntsd_counter "$D" "NTS server recvs good")" -ge 1
nts_check "counter: decode cookies >= 1" test "$(ntsd_counter "$D" "NTS decode cookies")" -ge 1
nts_check "counter: make cookies >= 9" test "$(ntsd_counter "$D" "NTS make cookies")" -ge 9
"$NTSD" -Q "$D/ctl.sock" | sed 's/^/# /'

# ---- SIGHUP reloads certificate and key; a replaced file is noticed alone
kill -HUP "$NTSD_PID"
nts_check "SIGHUP reload is logged" wait_for 5 grep -q "NTSs: certificate and key reloaded" "$D/ntsd.log"
n1=$(grep -c "certificate and key reloaded" "$D/ntsd.log")
cp "$T/pki/server-chain.pem" "$T/pki/new.pem" && mv "$T/pki/new.pem" "$T/pki/server-chain.pem"
nts_check "a replaced certificate file is reloaded without a signal" \
	wait_for 6 bash -c "[ \$(grep -c 'certificate and key reloaded' '$D/ntsd.log') -gt $n1 ]"
kill -USR1 "$NTSD_PID"
nts_check "SIGUSR1 logs the counters" wait_for 5 grep -q "NTSs: NTS KE serves good:" "$D/ntsd.log"
ke_before=$(ntsd_counter "$D" "NTS KE serves good")
kill "$CHRONY_PID"; wait "$CHRONY_PID" 2>/dev/null; CHRONY_PID=""
chrony_client_start "$T/chrony2" localhost 0 "$KE_PORT" "$T/pki/ca.pem" || nts_notok "second chronyd starts"
nts_check "a new client authenticates after the reloads" wait_for 15 chrony_authed
nts_check "counter: KE serves good grew" test "$(ntsd_counter "$D" "NTS KE serves good")" -gt "$ke_before"

# ---- SIGTERM
kill -TERM "$NTSD_PID"
for i in $(seq 1 50); do kill -0 "$NTSD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$NTSD_PID"; rc=$?
NTSD_PID=""
nts_check "SIGTERM: exit status 0" test "$rc" = 0
nts_check "SIGTERM: pid file removed" test ! -e "$D/ntsd.pid"
nts_check "SIGTERM: control socket removed" test ! -e "$D/ctl.sock"
nts_check "SIGTERM: logged" grep -q "NTS: stopped" "$D/ntsd.log"
nts_done
