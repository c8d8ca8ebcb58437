#!/bin/bash
# Cookies outlive a restart: chronyd keeps being served by a restarted ntsd
# without a new NTS-KE because the master keys persist in 'nts cookie FILE'.
# Control: a restart with a fresh key file makes the old cookies fail (NAK)
# and chronyd re-keys. Usage: test-ntsd-restart.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

command -v "$CHRONYD" >/dev/null || [ -x "$CHRONYD" ] || { echo "skip: chronyd not unpacked"; exit 77; }
D=$T/srv
ntsd_conf "$D"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
chrony_client_start "$T/chrony" localhost 0 "$KE_PORT" "$T/pki/ca.pem" || nts_notok "chronyd client starts"
nts_check "chronyd authenticates" wait_for 15 chrony_authed
keys1=$(cat "$D/nts-keys")

restart() {
	nts_stop "$NTSD_PID"
	NTSD_PID=""
	sleep 0.5
	ntsd_start "$D"
}

# ---- restart with the same key file
restart || nts_notok "ntsd restarts"
nts_check "key file unchanged across the restart" test "$(cat "$D/nts-keys")" = "$keys1"
served() { [ "$(ntsd_counter "$D" "NTS server recvs good")" -ge 4 ]; }
nts_check "the restarted ntsd serves chronyd's old cookies" wait_for 20 served
nts_check "no new NTS-KE was needed" test "$(ntsd_counter "$D" "NTS KE serves good")" = 0
nts_check "no NAK was sent" test "$(ntsd_counter "$D" "NTS NAKs sent")" = 0
nts_check "no cookie failed to decode" test "$(ntsd_counter "$D" "NTS decode cookies error")" = 0 -a \
	"$(ntsd_counter "$D" "NTS decode cookies too old")" = 0
nts_check "chronyd is still authenticated" chrony_authed
$CHRONYC -n authdata | sed 's/^/# /'

# ---- control: a new key file invalidates every issued cookie
sed -i "s|^nts cookie .*|nts cookie $D/other-keys|" "$D/ntsd.conf"
restart || nts_notok "ntsd restarts with another key file"
naked() { [ "$(ntsd_counter "$D" "NTS NAKs sent")" -ge 1 ]; }
nts_check "with a fresh key file the old cookies get an NTS NAK" wait_for 20 naked
nts_check "the NAK came from an unknown key (too old)" test "$(ntsd_counter "$D" "NTS decode cookies too old")" -ge 1
rekeyed() { [ "$(ntsd_counter "$D" "NTS KE serves good")" -ge 1 ]; }
nts_check "chronyd re-keys after the NAK" wait_for 20 rekeyed
nts_check "chronyd is authenticated again" wait_for 20 chrony_authed
nts_done
