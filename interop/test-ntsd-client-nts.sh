#!/bin/bash
# ntsd -x as an NTS client (server ... nts) of chronyd's NTS server: NTS-KE with
# the NTSc lines, the source selected, 8 cookies, its own NTP server answering
# at stratum 2; a restart uses the cookies kept in statedir (no new NTS-KE);
# chronyd restarted with new keys: NAK, re-KE, recovery; a wrong CA gives no
# time and one clear NTSc line. Never touches the clock.
# Usage: interop/test-ntsd-client-nts.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
[ -x "$CHRONYD" ] || { echo "skip: chronyd missing"; exit 77; }
"$NTSD" -n -c /dev/stdin <<<"server localhost nts" >/dev/null 2>&1 ||
	{ echo "skip: this ntsd has no 'server ... nts' lines"; exit 77; }

wait_for() { local s=$1 i; shift; for i in $(seq 1 $((s * 10))); do "$@" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# stratum of one plain answer from our own NTP server on PORT
stratum_of() {
	python3 - "$1" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
x = os.urandom(8)
s.sendto(bytes([(4 << 3) | 3]) + bytes(39) + x, ("127.0.0.1", int(sys.argv[1])))
d, _ = s.recvfrom(2048)
print(d[1] if len(d) >= 48 and d[24:32] == x else -1)
PY
}
counter() { "$NTSD" -Q "$C/ctl.sock" counters 2>/dev/null | awk -v l="$1:" 'index($0, l) == 1 { print $NF }'; }

CNTP=$(nts_free_port) CKE=$(nts_free_port)
chrony_server_start "$T/chrony" "$CNTP" "$CKE" "$T/pki/server.pem" "$T/pki/server.key" ||
	{ echo "not ok - chronyd did not start"; exit 1; }
C=$T/cli
mkdir -p "$C/state"
P=$(nts_free_port)
client_conf() { # CA
	cat > "$C/ntsd.conf" <<CONF
listen ntp 127.0.0.1:$P
server localhost:$CKE nts ca $1 iburst minpoll 0 maxpoll 1
statedir $C/state
control $C/ctl.sock
pidfile $C/ntsd.pid
CONF
}
client_start() {
	$NTS_NOCLOCK "$NTSD" -d -x -c "$C/ntsd.conf" > "$C/ntsd.log" 2>&1 &
	NTSD_PID=$!
	wait_for 5 test -S "$C/ctl.sock"
}
log_has() { grep -Eq "$1" "$C/ntsd.log"; }

client_conf "$T/pki/ca.pem"
client_start || { echo "not ok - ntsd did not start"; exit 1; }
nts_check "NTS-KE with chronyd: Got 8 cookies, length 100, aead=15." wait_for 10 log_has '^.*NTSc: Got 8 cookies, length 100, aead=15\.$'
nts_check "NTSc: NTS-KE req to localhost took N sec, OK" log_has 'NTSc: NTS-KE req to localhost took [0-9.]+ sec, OK$'
nts_check "NTSc: certificate lines" bash -c "grep -q 'NTSc: certificate subject name: CN=localhost' '$C/ntsd.log' && grep -q 'NTSc: certificate is valid for localhost' '$C/ntsd.log'"
nts_check "the NTS source is selected" wait_for 15 log_has 'NTSc: selected localhost'
nts_check "ntsd serves at stratum 2 from it" wait_for 5 test "$(stratum_of "$P")" = 2
nts_check "client counters: sends and good receptions" \
	bash -c "[ \"\$(\"$NTSD\" -Q '$C/ctl.sock' counters | awk '/^NTS client recvs good:/ { print \$NF }')\" -ge 1 ]"
nts_stop "$NTSD_PID"; NTSD_PID=""
SF=$C/state/ntsc-localhost-$CKE.state
nts_check "cookies and keys saved at exit, mode 0600" test "$(stat -c %a "$SF" 2>/dev/null)" = 600

# restart: no new NTS-KE
client_start || { echo "not ok - ntsd did not restart"; exit 1; }
nts_check "restart: state restored" wait_for 5 log_has 'NTSc: localhost: restored [0-9]+ cookies and keys'
nts_check "restart: selected again" wait_for 15 log_has 'NTSc: selected localhost'
nts_check "restart: no new NTS-KE" bash -c "! grep -q 'NTS-KE req to' '$C/ntsd.log'"

# chronyd restarted with new cookie keys: NAKs, then NTS-KE, then time again
nts_stop "$CHRONY_PID"; CHRONY_PID=""
rm -rf "$T/chrony/ntsdump"
chrony_server_start "$T/chrony" "$CNTP" "$CKE" "$T/pki/server.pem" "$T/pki/server.key" ||
	{ echo "not ok - chronyd did not restart"; exit 1; }
nts_check "server with new keys: NTS NAK logged" wait_for 20 log_has 'NTSc: localhost: NTS NAK'
nts_check "then NTS-KE because of the NAK" \
	wait_for 20 log_has 'NTSc: NTS-KE with localhost:[0-9]+: NTS NAK and no authentic answer since'
nts_check "recovery: new cookies and authentic answers" \
	bash -c "for i in \$(seq 1 100); do g=\$(\"$NTSD\" -Q '$C/ctl.sock' counters | awk '/^NTS KE probes good:/ { print \$NF }'); [ \"\${g:-0}\" -ge 1 ] && exit 0; sleep 0.1; done; exit 1"
nts_stop "$NTSD_PID"; NTSD_PID=""

# wrong CA: no time from it, one clear line
rm -f "$C/state"/*
client_conf "$T/pki/otherca.pem"
client_start || { echo "not ok - ntsd did not start"; exit 1; }
nts_check "wrong CA: clear NTSc line" \
	wait_for 10 log_has 'NTSc: NTS-KE req to localhost:[0-9]+ failed .*certificate verification failed for localhost'
sleep 2
nts_check "wrong CA: not selected" bash -c "! grep -q 'NTSc: selected localhost' '$C/ntsd.log'"
nts_check "wrong CA: our server says stratum 16" test "$(stratum_of "$P")" = 16
nts_done
