#!/bin/bash
# Master-key rotation, driven by the control socket (`ntsd -Q SOCK rotate`)
# instead of waiting for a short period: cookies made under a retained key
# decode as "old" and are answered; cookies under a key rotated past
# `nts retain` get an NTS NAK; chronyd re-keys and recovers. No fixed sleeps:
# chronyd is taken offline while ntsd rotates, and every wait is on a counter.
# Usage: test-ntsd-rotation.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

[ -x "$CHRONYD" ] || { echo "skip: chronyd not unpacked"; exit 77; }
D=$T/srv
# the scheduled rotation is a day away: every rotation here is the command's
ntsd_conf "$D" "nts retain 2"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
chrony_client_start "$T/chrony" localhost 0 "$KE_PORT" "$T/pki/ca.pem" || nts_notok "chronyd client starts"
nts_check "chronyd authenticates" wait_for 15 chrony_authed
nkeys() { "$NTSD" -Q "$D/ctl.sock" keys | awk '/master keys/ { print $3 }'; }
curid() { "$NTSD" -Q "$D/ctl.sock" keys | awk '/current key id/ { print $4 }'; }
nts_check "one master key before any rotation" test "$(nkeys)" = 1
id0=$(curid)
rotate() { "$NTSD" -Q "$D/ctl.sock" rotate | grep -q '^rotated$'; }

# ---- within retention: chronyd's cookies are all under the first key
$CHRONYC offline >/dev/null
nts_check "rotate: the control command answers 'rotated'" rotate
nts_check "rotate: a new current key ($id0 -> $(curid))" test "$(curid)" != "$id0"
nts_check "rotate: the ring holds the old key too" test "$(nkeys)" = 2
nts_check "rotate: logged" grep -q "NTSs: cookie master key .* current (rotated on request)" "$D/ntsd.log"
nts_check "rotate: the key file has the new key" \
	grep -q "^key $(printf '%u' "0x$(curid)") " "$D/nts-keys"
$CHRONYC online >/dev/null
old() { [ "$(ntsd_counter "$D" "NTS decode cookies old")" -ge 1 ]; }
nts_check "cookies under a retained key decode as old" wait_for 20 old
nts_check "no NAK while cookies are within retention" test "$(ntsd_counter "$D" "NTS NAKs sent")" = 0
nts_check "chronyd still authenticated" chrony_authed
ke1=$(ntsd_counter "$D" "NTS KE serves good")

# ---- past retention: three more rotations drop every key chronyd's
# cookies were made under (retain 2 keeps the current key and two old ones)
$CHRONYC offline >/dev/null
for i in 1 2 3; do rotate || nts_notok "rotation $i"; done
nts_check "ring holds current + 2 retained keys" test "$(nkeys)" = 3
$CHRONYC online >/dev/null
naked() { [ "$(ntsd_counter "$D" "NTS NAKs sent")" -ge 1 ]; }
nts_check "cookies past retention get an NTS NAK" wait_for 20 naked
nts_check "counted as too old" test "$(ntsd_counter "$D" "NTS decode cookies too old")" -ge 1
rekeyed() { [ "$(ntsd_counter "$D" "NTS KE serves good")" -gt "$ke1" ]; }
nts_check "chronyd re-keys" wait_for 20 rekeyed
nts_check "chronyd recovers: authenticated again" wait_for 20 chrony_authed
nts_check "unknown control commands list rotate" \
	bash -c "'$NTSD' -Q '$D/ctl.sock' nonsense | grep -q 'rotate'"
"$NTSD" -Q "$D/ctl.sock" | sed 's/^/# /'
nts_done
