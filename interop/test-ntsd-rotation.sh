#!/bin/bash
# Master-key rotation with a short period: cookies made under a retained key
# decode as "old"; cookies past retention get an NTS NAK; chronyd re-keys and
# recovers. Usage: test-ntsd-rotation.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

[ -x "$CHRONYD" ] || { echo "skip: chronyd not unpacked"; exit 77; }
D=$T/srv
# a key is current for 4 s and kept 3 more periods: cookies live 12-16 s
ntsd_conf "$D" "nts rotate 4" "nts retain 3"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
chrony_client_start "$T/chrony" localhost 0 "$KE_PORT" "$T/pki/ca.pem" || nts_notok "chronyd client starts"
nts_check "chronyd authenticates" wait_for 15 chrony_authed

# chronyd polls every second and uses its oldest of 8 cookies: ~8 s old
old() { [ "$(ntsd_counter "$D" "NTS decode cookies old")" -ge 1 ]; }
nts_check "cookies under a retained key decode as old" wait_for 20 old
nts_check "no NAK while cookies are within retention" test "$(ntsd_counter "$D" "NTS NAKs sent")" = 0
nkeys=$("$NTSD" -Q "$D/ctl.sock" keys | awk '/master keys/ { print $3 }')
nts_check "ring holds current + retained keys ($nkeys, at most 4)" test "$nkeys" -ge 2 -a "$nkeys" -le 4
nts_check "rotation is logged" grep -q "NTSs: cookie master key .* current" "$D/ntsd.log"
nts_check "chronyd still authenticated" chrony_authed
ke1=$(ntsd_counter "$D" "NTS KE serves good")

# stop chronyd's polling until its cookies are past retention
$CHRONYC offline >/dev/null
sleep 18
$CHRONYC online >/dev/null
naked() { [ "$(ntsd_counter "$D" "NTS NAKs sent")" -ge 1 ]; }
nts_check "cookies past retention get an NTS NAK" wait_for 20 naked
nts_check "counted as too old" test "$(ntsd_counter "$D" "NTS decode cookies too old")" -ge 1
rekeyed() { [ "$(ntsd_counter "$D" "NTS KE serves good")" -gt "$ke1" ]; }
nts_check "chronyd re-keys" wait_for 20 rekeyed
nts_check "chronyd recovers: authenticated again" wait_for 20 chrony_authed
"$NTSD" -Q "$D/ctl.sock" | sed 's/^/# /'
nts_done
