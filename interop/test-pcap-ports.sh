#!/bin/bash
# nts-pcap on chronyd using ports nobody told it about (issue 13 items 8 and
# 12): a chronyd client and server on NTP/NTS-KE ports other than 123/4460
# are captured with tcpdump on loopback; nts-pcap, given no port, must find
# the KE by its ALPN, follow NTP to the port the KE negotiated, and verify.
# The same traffic decoded live (-i lo) as root: once the capture is open
# nts-pcap runs as nobody (checked in /proc while it captures) and still
# reads the key log it opened before. Runs in its own network namespace.
# Usage: test-pcap-ports.sh BUILDDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: test-pcap-ports.sh BUILDDIR}" && pwd)
for tool in unshare tcpdump certtool; do
	command -v $tool > /dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (live capture, privilege drop)"; exit 77; }
if [ -z "${NTS_PCAP_NETNS:-}" ]; then
	NTS_PCAP_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
. "$here/lib.sh"
[ -x "$CHRONYD" ] || { echo "SKIP: no chronyd at $CHRONYD"; exit 77; }
NTSPCAP=$build/nts-pcap/nts-pcap
W=$(mktemp -d /tmp/nts-pcap-ports.XXXXXX)
chmod 700 "$W"
PIDS=""
cleanup() { for p in $PIDS; do nts_stop "$p"; done; [ -n "${KEEP:-}" ] && echo "# kept $W" || rm -rf "$W"; }
trap cleanup EXIT

# wait_for SECONDS CMD...: poll a condition (every 0.1 s), bounded
wait_for() {
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 10))); do "$@" && return 0; sleep 0.1; done
	return 1
}
proc_ids() { # PID FIELD: the four ids of Uid: or Gid: in /proc/PID/status
	awk -v f="$2:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$1/status"
}

NP=$(nts_free_port) KP=$(nts_free_port)
[ "$NP" != "$KP" ] || KP=$((NP + 1))
nts_mkpki "$W/pki" || { echo "not ok - PKI"; exit 1; }
NOBODY=$(id -u nobody) NOGROUP=$(id -g nobody)

# the key log exists before nts-pcap opens it; root-only, in a root-only dir
mkdir -p "$W/cc"; chmod 700 "$W/cc"
: > "$W/cc/keylog"; chmod 600 "$W/cc/keylog"

tcpdump -Z root -i lo -U --immediate-mode -B 16384 -s 0 -w "$W/all.pcap" "udp or tcp" \
	> "$W/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
PIDS="$PIDS $TCPDUMP_PID"
"$NTSPCAP" -i lo --ntp-port "$NP" --ke-port "$KP" --keylog "$W/cc/keylog" > "$W/live.out" 2>&1 &
LIVE_PID=$!
PIDS="$PIDS $LIVE_PID"
"$NTSPCAP" -i lo -Z root --ntp-port "$NP" > "$W/live-root.out" 2>&1 &
ROOT_PID=$!
PIDS="$PIDS $ROOT_PID"
wait_for 10 grep -q "listening on" "$W/tcpdump.log" || nts_notok "tcpdump did not start"
nts_check "live capture (-i lo) runs as nobody once open: Uid $(proc_ids $LIVE_PID Uid)" \
	wait_for 5 bash -c "[ \"\$(awk '\$1 == \"Uid:\" { print \$2, \$3, \$4, \$5 }' /proc/$LIVE_PID/status)\" = '$NOBODY $NOBODY $NOBODY $NOBODY' ]"
nts_check "live capture: group $(proc_ids $LIVE_PID Gid), supplementary groups dropped" \
	bash -c "[ \"\$(awk '\$1 == \"Gid:\" { print \$2, \$3, \$4, \$5 }' /proc/$LIVE_PID/status)\" = '$NOGROUP $NOGROUP $NOGROUP $NOGROUP' ] &&
		[ \"\$(awk '\$1 == \"Groups:\" { print NF - 1, \$2 }' /proc/$LIVE_PID/status)\" = '1 $NOGROUP' ]"
nts_check "live capture with -Z root keeps root: Uid $(proc_ids $ROOT_PID Uid)" \
	[ "$(proc_ids $ROOT_PID Uid)" = "0 0 0 0" ]
out=$("$NTSPCAP" -i lo -Z no-such-user-here 2>&1); rc=$?
nts_check "-Z with an unknown user is refused (exit $rc)" \
	bash -c "[ $rc -eq 2 ] && printf '%s' '$out' | grep -q 'no-such-user-here: no such user'"

chrony_server_start "$W/cs" "$NP" "$KP" "$W/pki/server.pem" "$W/pki/server.key" ||
	nts_notok "chronyd server did not start"
PIDS="$PIDS $CHRONY_PID"
SERVER_PID=$CHRONY_PID
SSLKEYLOGFILE=$W/cc/keylog chrony_client_start "$W/cc" localhost 0 "$KP" "$W/pki/ca.pem"
PIDS="$PIDS $CHRONY_PID"
CLIENT_PID=$CHRONY_PID
# done when the live decoder has verified three exchanges (or 20 s passed)
nts_check "live capture as nobody: three NTS exchanges on udp/$NP verified" \
	wait_for 20 bash -c "[ \$(grep -c ' NTS cookies 1/0/1 .* verified (frames' '$W/live.out') -ge 3 ]"
nts_check "live capture: still nobody after decoding ($(proc_ids $LIVE_PID Uid))" \
	[ "$(proc_ids $LIVE_PID Uid)" = "$NOBODY $NOBODY $NOBODY $NOBODY" ]
nts_stop "$CLIENT_PID"; nts_stop "$SERVER_PID"
# the capture is complete once a marker datagram sent now is in the file
# (loopback hands packets to the capture in order; -U writes each one)
marked() {
	echo mark > /dev/udp/127.0.0.1/9
	[ -n "$(tcpdump -r "$W/all.pcap" -c 1 'udp port 9' 2>/dev/null)" ]
}
nts_wait 10 marked || nts_log "no marker in the capture: it may miss its last packets"
kill -INT "$LIVE_PID" "$ROOT_PID" "$TCPDUMP_PID"
wait "$LIVE_PID" "$ROOT_PID" "$TCPDUMP_PID" 2>/dev/null
tcpdump -r "$W/all.pcap" -w "$W/all.tmp" 'not udp port 9' 2>/dev/null && mv "$W/all.tmp" "$W/all.pcap"
sed 's/^/#   live: /' "$W/live.out"
nts_check "live capture: KE decrypted from the root-only key log opened before the drop" \
	grep -q "NTS-KE TLS1.3 .*cookies=8x100 port=$NP .*ok (frame" "$W/live.out"

# the file, with no port option at all
"$NTSPCAP" --keylog "$W/cc/keylog" --stats "$W/all.pcap" > "$W/file.out" 2>&1
rc=$?
sed 's/^/#   file: /' "$W/file.out" | head -n 20
nts_check "no port options: decoded with no findings (exit $rc)" [ "$rc" -eq 0 ]
nts_check "no port options: NTS-KE on tcp/$KP found by ALPN ntske/1, decrypted" \
	grep -q -- "-> 127.0.0.1:$KP NTS-KE TLS1.3 .* alpn=ntske/1 .*cookies=8x100 port=$NP cert \"CN=localhost\" issuer \"CN=NTS toolkit test CA\" valid .* ok (frame [0-9]*; request frame [0-9]*, response frame [0-9]*)" "$W/file.out"
nts_check "no port options: NTP followed to udp/$NP from the Port record, every exchange verified" \
	bash -c "n=\$(grep -c -- '-> 127.0.0.1:$NP NTS cookies' '$W/file.out'); v=\$(grep -c -- '-> 127.0.0.1:$NP NTS cookies 1/0/1 .* verified (frames' '$W/file.out'); [ \$n -ge 3 ] && [ \$n -eq \$v ]"
"$NTSPCAP" "$W/all.pcap" > "$W/nokeys.out" 2>&1
nts_check "no port options, no keys: KE by ALPN (encrypted), NTS on udp/$NP by its fields" \
	bash -c "grep -q -- '-> 127.0.0.1:$KP NTS-KE TLS1.3 .* encrypted' '$W/nokeys.out' &&
		[ \$(grep -c -- '-> 127.0.0.1:$NP NTS cookies 1/0/~1 .* unverified' '$W/nokeys.out') -ge 3 ]"
tcpdump -r "$W/all.pcap" -w "$W/other.pcap" "not port $NP and not port $KP" 2>/dev/null
"$NTSPCAP" "$W/other.pcap" > "$W/other.out" 2>&1
rc=$?
nts_check "the rest of the capture (no NTS): nothing found is said, exit 3 (got $rc)" \
	bash -c "[ $rc -eq 3 ] && grep -q 'no NTP or NTS-KE traffic found' '$W/other.out'"
nts_done
