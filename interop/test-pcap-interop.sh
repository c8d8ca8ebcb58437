#!/bin/bash
# nts-pcap on captures of real NTS traffic, made here with tcpdump on loopback:
# chrony client -> chrony server, chrony client -> NTPsec server, NTPsec
# client -> chrony server (key logs from the GnuTLS side, SSLKEYLOGFILE), and
# ntske-probe -> chrony with --export-keys. Every packet must decode, every
# KE record decrypt, every authenticator verify, and the NTP fields agree
# with tshark. Runs in its own network namespace (unshare --net) so the fixed
# NTPsec ports cannot clash with anything else. Usage: test-pcap-interop.sh BUILDDIR
# With NTS_PCAP_SAVE=DIR the captures and key logs are copied there.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: test-pcap-interop.sh BUILDDIR}" && pwd)
for tool in unshare tcpdump tshark ntpd certtool; do
	command -v $tool > /dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
if [ -z "${NTS_PCAP_NETNS:-}" ]; then
	NTS_PCAP_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
. "$here/lib.sh"
[ -x "$CHRONYD" ] || { echo "SKIP: no chronyd at $CHRONYD"; exit 77; }
NTSPCAP=$build/nts-pcap/nts-pcap
PROBE=$build/ntske-probe/ntske-probe
W=$(mktemp -d /tmp/nts-pcap-interop.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do nts_stop "$p"; done; [ -n "${KEEP:-}" ] && echo "# kept $W" || rm -rf "$W"; }
trap cleanup EXIT

# Every wait below is on a condition (bounded): tcpdump listening, a port
# open, so many exchanges verified in the capture so far, a marker datagram
# written to the capture file. Nothing sleeps for a fixed time.
MARK_PORT=9   # discard: nothing here listens or sends on it
TCPDUMP_PID="" CAP_FILE=""
cap_start() { # FILE FILTER [IFACE]: sets TCPDUMP_PID and CAP_FILE
	local log="$1.tcpdump.log"
	tcpdump -Z root -i "${3:-lo}" -U --immediate-mode -B 16384 -s 0 -w "$1" \
		"($2) or udp port $MARK_PORT" > "$log" 2>&1 &
	TCPDUMP_PID=$! CAP_FILE=$1
	nts_wait 5 grep -q "listening on" "$log"
}
# A marker datagram sent after the traffic reaches the file only after every
# packet before it (loopback delivers to the capture in order, -U writes each
# packet): then the capture is complete. The markers are filtered out again.
cap_marked() { # FILE
	echo mark > /dev/udp/127.0.0.1/$MARK_PORT
	[ -n "$(tcpdump -r "$1" -c 1 "udp port $MARK_PORT" 2>/dev/null)" ]
}
cap_stop() { # [PID FILE] (default: the last cap_start)
	local pid=${1:-$TCPDUMP_PID} file=${2:-$CAP_FILE}
	nts_wait 10 cap_marked "$file" || nts_log "no marker in $file: the capture may miss its last packets"
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	tcpdump -r "$file" -w "$file.tmp" "not udp port $MARK_PORT" 2>/dev/null && mv "$file.tmp" "$file"
}
# Wait until CAP holds MIN verified NTS exchanges: CAP NTPPORT KEPORT MIN key-args...
cap_exchanges() {
	local cap=$1 ntp=$2 ke=$3 min=$4
	shift 4
	[ "$("$NTSPCAP" --ntp-port "$ntp" --ke-port "$ke" "$@" "$cap" 2>/dev/null |
		grep -c ' NTS cookies .* verified (frames')" -ge "$min" ]
}
wait_exchanges() { # CAP NTPPORT KEPORT MIN key-args...
	nts_wait 30 cap_exchanges "$@" || nts_log "fewer than $4 verified exchanges in $1 after 30 s"
}

chrony_client() { # DIR NTPPORT KEPORT  (key log in DIR/keylog)
	mkdir -p "$1"; chmod 700 "$1"
	cat > "$1/chronyd.conf" <<CONF
server localhost port $2 nts ntsport $3 iburst minpoll 0 maxpoll 0
ntstrustedcerts $W/pki/ca.pem
nosystemcert
port 0
cmdport 0
bindcmdaddress $1/chronyd.sock
pidfile $1/chronyd.pid
driftfile $1/chronyd.drift
CONF
	nts_keylog "$1/keylog"
	SSLKEYLOGFILE=$1/keylog $NTS_NOCLOCK "$CHRONYD" -x -d -u root -F 0 -f "$1/chronyd.conf" \
		> "$1/chronyd.log" 2>&1 &
	CLIENT_PID=$!
	PIDS="$PIDS $CLIENT_PID"
}

save() { # NAME CAP KEYLOG
	[ -n "${NTS_PCAP_SAVE:-}" ] || return 0
	mkdir -p "$NTS_PCAP_SAVE"
	cp "$2" "$NTS_PCAP_SAVE/$1.pcap"
	[ -n "$3" ] && cp "$3" "$NTS_PCAP_SAVE/$1.keylog"
	return 0
}

# check NAME CAP NTPPORT KEPORT MIN_EXCHANGES nts-pcap-key-args...
check() {
	local name=$1 cap=$2 ntp=$3 ke=$4 min=$5
	shift 5
	local out="$W/$name.out" rc
	"$NTSPCAP" --ntp-port "$ntp" --ke-port "$ke" --stats "$@" "$cap" > "$out" 2>&1
	rc=$?
	sed 's/^/#   /' "$out" | head -n 30
	local nts verified
	nts=$(grep -c -E ' NTS cookies ' "$out")
	verified=$(grep -c -E ' NTS cookies .* verified \(frames' "$out")
	nts_check "$name: decoded with no findings or malformed packets (exit $rc)" [ "$rc" -eq 0 ]
	nts_check "$name: at least $min NTS exchanges ($nts)" [ "$nts" -ge "$min" ]
	nts_check "$name: every NTS exchange verified ($verified of $nts)" [ "$nts" -eq "$verified" ]
	nts_check "$name: JSON output is one valid object per line" \
		bash -c "'$NTSPCAP' --json -v --stats --ntp-port $ntp --ke-port $ke $* '$cap' |
			python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"
	nts_check "$name: NTP header and extension fields agree with tshark" \
		python3 "$here/pcap-tshark-compare.py" "$NTSPCAP" "$cap" "$ntp" --ke-port "$ke" "$@"
}

nts_mkpki "$W/pki" || { echo "not ok - PKI"; exit 1; }

# ---- 1. chrony client -> chrony server, both key logs
NP=11123 KP=14460
# the same traffic on "any" too: Linux cooked (SLL2) framing
cap_start "$W/cc-any.pcap" "udp port $NP or tcp port $KP" any
ANY_PID=$TCPDUMP_PID
cap_start "$W/cc.pcap" "udp port $NP or tcp port $KP"
# nts-pcap live on the same traffic, reading the key log as chrony writes it
mkdir -p "$W/cc"; chmod 700 "$W/cc"; nts_keylog "$W/cc/keylog"
"$NTSPCAP" -i lo --ntp-port $NP --ke-port $KP --keylog "$W/cc/keylog" > "$W/live.out" 2>&1 &
LIVE_PID=$!
nts_wait 10 nts_capturing "$LIVE_PID" || nts_log "nts-pcap -i lo: no capture open after 10 s"
nts_keylog "$W/cs.keylog"
SSLKEYLOGFILE=$W/cs.keylog chrony_server_start "$W/cs" $NP $KP "$W/pki/server.pem" "$W/pki/server.key"
PIDS="$PIDS $CHRONY_PID"
SERVER_PID=$CHRONY_PID
chrony_client "$W/cc" $NP $KP
wait_exchanges "$W/cc.pcap" $NP $KP 3 --keylog "$W/cc/keylog"
nts_stop "$CLIENT_PID"; nts_stop "$SERVER_PID"
cap_stop
# the live decoder saw the same packets; it prints an exchange once both halves are in
live_done() { [ "$(grep -c ' NTS cookies 1/0/1 .* verified (frames' "$W/live.out")" -ge 3 ]; }
nts_wait 10 live_done
kill -INT "$LIVE_PID"; wait "$LIVE_PID"
sed 's/^/#   live: /' "$W/live.out"
nts_check "live capture (-i lo): KE decrypted as chrony wrote its key log" \
	grep -q "NTS-KE TLS1.3 .*cookies=8x100 port=$NP .*ok" "$W/live.out"
nts_check "live capture (-i lo): NTS exchanges verified" \
	test "$(grep -c ' NTS cookies 1/0/1 .* verified (frames' "$W/live.out")" -ge 3
save chrony-chrony "$W/cc.pcap" "$W/cc/keylog"
check chrony-chrony "$W/cc.pcap" $NP $KP 3 --keylog "$W/cc/keylog"
cap_stop "$ANY_PID" "$W/cc-any.pcap"
editcap -F pcapng "$W/cc.pcap" "$W/cc.pcapng" 2>/dev/null
nts_check "chrony-chrony as pcapng (editcap): same verified exchanges" \
	bash -c "diff <('$NTSPCAP' --ntp-port $NP --ke-port $KP --keylog '$W/cc/keylog' '$W/cc.pcap') \
		<('$NTSPCAP' --ntp-port $NP --ke-port $KP --keylog '$W/cc/keylog' '$W/cc.pcapng')"
"$NTSPCAP" --ntp-port $NP --ke-port $KP --keylog "$W/cc/keylog" "$W/cc-any.pcap" > "$W/any.out"
any_type=$(tcpdump -r "$W/cc-any.pcap" 2>&1 >/dev/null | grep -o 'link-type [A-Z0-9_]*')
any_drops=$(awk '/dropped by kernel/ { print $1 }' "$W/cc-any.pcap.tcpdump.log")
if [ "${any_drops:-0}" -eq 0 ]; then
	nts_check "chrony-chrony captured on 'any' ($any_type): KE and exchanges verified" \
		bash -c "test \$(grep -c ' verified (frames' '$W/any.out') -ge 3 && grep -q 'cookies=8x100 port=$NP .*ok' '$W/any.out'"
else
	# the kernel lost packets of this capture (a loaded machine): then the
	# decoder must say so rather than verify
	nts_check "chrony-chrony captured on 'any' ($any_type, $any_drops packets dropped): losses reported" \
		grep -q -E 'malformed|incomplete|no-response|no-request' "$W/any.out"
fi
"$NTSPCAP" --ntp-port $NP --ke-port $KP --keylog "$W/cc/keylog" -v "$W/cc.pcap" > "$W/cc.v" 2>&1
nts_check "chrony-chrony: KE decrypted, 8 cookies, NTPv4 and AES-SIV-CMAC-256" \
	grep -q "NTS-KE TLS1.3 .* alpn=ntske/1 .*aead=AEAD_AES_SIV_CMAC_256 cookies=8x100 port=$NP .*ok" "$W/cc.v"
nts_check "chrony-chrony: every KE record named" \
	grep -q "C End of Message (0), 0 octets" "$W/cc.v"
nts_check "chrony-chrony: verifies with the server's key log too" \
	bash -c "'$NTSPCAP' --ntp-port $NP --ke-port $KP --keylog '$W/cs.keylog' '$W/cc.pcap' | grep -q ' verified (frames'"
nts_check "chrony-chrony: without keys the exchanges are NTS, unverified" \
	bash -c "'$NTSPCAP' --ntp-port $NP --ke-port $KP '$W/cc.pcap' | grep -q 'NTS cookies 1/0/~1 .* unverified'"

# ---- 2. chrony client -> NTPsec server (udp/123, tcp/4460)
cap_start "$W/cn.pcap" "udp port 123 or tcp port 4460"
mkdir -p "$W/ns"
if ntpsec_server_start "$W/ns" "$W/pki/server-chain.pem" "$W/pki/server.key"; then
	PIDS="$PIDS $NTPSEC_PID"
	chrony_client "$W/cn" 123 4460
	wait_exchanges "$W/cn.pcap" 123 4460 3 --keylog "$W/cn/keylog"
	nts_stop "$CLIENT_PID"; nts_stop "$NTPSEC_PID"
	cap_stop
	save chrony-ntpsec "$W/cn.pcap" "$W/cn/keylog"
	check chrony-ntpsec "$W/cn.pcap" 123 4460 3 --keylog "$W/cn/keylog"
	nts_check "chrony-ntpsec: NTPsec cookies (104 octets) decrypted from the KE" \
		bash -c "'$NTSPCAP' --keylog '$W/cn/keylog' '$W/cn.pcap' | grep -q 'cookies=8x104 .*ok'"
else
	cap_stop
	nts_notok "NTPsec server did not start"
fi

# ---- 3. NTPsec client -> chrony server (the server's key log)
NP=12123 KP=15460
cap_start "$W/nc.pcap" "udp port $NP or tcp port $KP"
nts_keylog "$W/cs2.keylog"
SSLKEYLOGFILE=$W/cs2.keylog chrony_server_start "$W/cs2" $NP $KP "$W/pki/server.pem" "$W/pki/server.key"
PIDS="$PIDS $CHRONY_PID"
SERVER_PID=$CHRONY_PID
if ntpsec_client_start "$W/nn" localhost $KP "$W/pki/ca.pem"; then
	PIDS="$PIDS $NTPSEC_PID"
	wait_exchanges "$W/nc.pcap" $NP $KP 2 --keylog "$W/cs2.keylog"
	nts_stop "$NTPSEC_PID"
else
	nts_notok "NTPsec client did not start"
fi
nts_stop "$SERVER_PID"
cap_stop
save ntpsec-chrony "$W/nc.pcap" "$W/cs2.keylog"
check ntpsec-chrony "$W/nc.pcap" $NP $KP 2 --keylog "$W/cs2.keylog"

# ---- 4. ntske-probe -> chrony, keys from --export-keys, no key log
if [ -x "$PROBE" ]; then
	NP=13123 KP=16460
	cap_start "$W/pc.pcap" "udp port $NP or tcp port $KP"
	chrony_server_start "$W/cs3" $NP $KP "$W/pki/server.pem" "$W/pki/server.key"
	PIDS="$PIDS $CHRONY_PID"
	"$PROBE" -4 --ca "$W/pki/ca.pem" --count 3 --interval 0.2 --placeholders 2 \
		--export-keys "$W/probe.keys" "localhost:$KP" > "$W/probe.out" 2>&1
	sed 's/^/#   probe: /' "$W/probe.out"
	nts_stop "$CHRONY_PID"
	cap_stop
	save probe-chrony "$W/pc.pcap" ""
	[ -n "${NTS_PCAP_SAVE:-}" ] && cp "$W/probe.keys" "$NTS_PCAP_SAVE/probe-chrony.keys"
	check probe-chrony "$W/pc.pcap" $NP $KP 3 --keys "$W/probe.keys"
	nts_check "probe-chrony: placeholders answered with cookies (1/2/3)" \
		bash -c "'$NTSPCAP' --ntp-port $NP --ke-port $KP --keys '$W/probe.keys' '$W/pc.pcap' | grep -q 'cookies 1/2/3 .* verified'"
else
	echo "# ntske-probe not built: skipping the --keys capture"
fi

# ---- 6 (before 5). chrony over IPv6: server and client on ::1
NP=19123 KP=19460
mkdir -p "$W/c6s"; chmod 700 "$W/c6s"
cat > "$W/c6s/chronyd.conf" <<CONF
port $NP
ntsport $KP
bindaddress ::1
allow ::1
local stratum 1
ntsservercert $W/pki/server.pem
ntsserverkey $W/pki/server.key
ntsdumpdir $W/c6s
cmdport 0
bindcmdaddress $W/c6s/chronyd.sock
pidfile $W/c6s/chronyd.pid
driftfile $W/c6s/chronyd.drift
CONF
cap_start "$W/c6.pcap" "udp port $NP or tcp port $KP"
$NTS_NOCLOCK "$CHRONYD" -x -d -u root -F 0 -f "$W/c6s/chronyd.conf" > "$W/c6s/chronyd.log" 2>&1 &
SERVER_PID=$!
PIDS="$PIDS $SERVER_PID"
nts_wait 10 nts_listening tcp $KP || nts_notok "chronyd on [::1]:$KP did not start"
mkdir -p "$W/c6c"; chmod 700 "$W/c6c"
cat > "$W/c6c/chronyd.conf" <<CONF
server ::1 port $NP nts ntsport $KP iburst minpoll 0 maxpoll 0
ntstrustedcerts $W/pki/ca.pem
nosystemcert
port 0
cmdport 0
bindcmdaddress $W/c6c/chronyd.sock
pidfile $W/c6c/chronyd.pid
driftfile $W/c6c/chronyd.drift
CONF
nts_keylog "$W/c6c/keylog"
SSLKEYLOGFILE=$W/c6c/keylog $NTS_NOCLOCK "$CHRONYD" -x -d -u root -F 0 -f "$W/c6c/chronyd.conf" \
	> "$W/c6c/chronyd.log" 2>&1 &
CLIENT_PID=$!
PIDS="$PIDS $CLIENT_PID"
wait_exchanges "$W/c6.pcap" $NP $KP 3 --keylog "$W/c6c/keylog"
nts_stop "$CLIENT_PID"; nts_stop "$SERVER_PID"
cap_stop
save chrony-chrony-ipv6 "$W/c6.pcap" "$W/c6c/keylog"
check chrony-ipv6 "$W/c6.pcap" $NP $KP 3 --keylog "$W/c6c/keylog"
nts_check "chrony-ipv6: addresses printed as [::1]:port" \
	bash -c "'$NTSPCAP' --ntp-port $NP --ke-port $KP --keylog '$W/c6c/keylog' '$W/c6.pcap' | grep -q -- '-> \[::1\]:$NP NTS cookies 1/0/1 .* verified'"

# ---- 5. chrony client -> ntsd: the server operator's view, cookies opened
# with ntsd's master-key file (--server-key), no key log at all
NTSD=$build/ntsd/ntsd
if [ -x "$NTSD" ]; then
	NP=17123 KP=18460
	mkdir -p "$W/nd"
	cat > "$W/nd/ntsd.conf" <<CONF
nts enable
nts cert $W/pki/server-chain.pem
nts key $W/pki/server.key
nts cookie $W/nd/nts-keys
listen ntp 127.0.0.1:$NP
listen nts-ke 127.0.0.1:$KP
local stratum 1 refid LOCL
control $W/nd/ctl.sock
pidfile $W/nd/ntsd.pid
CONF
	cap_start "$W/cd.pcap" "udp port $NP or tcp port $KP"
	$NTS_NOCLOCK "$NTSD" -d -c "$W/nd/ntsd.conf" > "$W/nd/ntsd.log" 2>&1 &
	NTSD_PID=$!
	PIDS="$PIDS $NTSD_PID"
	if nts_wait_tcp $KP 10; then
		chrony_client "$W/cd" $NP $KP
		wait_exchanges "$W/cd.pcap" $NP $KP 3 --server-key "$W/nd/nts-keys"
		nts_stop "$CLIENT_PID"
	else
		nts_notok "ntsd did not start"; sed 's/^/# /' "$W/nd/ntsd.log"
	fi
	nts_stop "$NTSD_PID"
	cap_stop
	save chrony-ntsd "$W/cd.pcap" "$W/cd/keylog"
	[ -n "${NTS_PCAP_SAVE:-}" ] && cp "$W/nd/nts-keys" "$NTS_PCAP_SAVE/chrony-ntsd.nts-keys"
	check chrony-ntsd "$W/cd.pcap" $NP $KP 3 --server-key "$W/nd/nts-keys"
	"$NTSPCAP" --ntp-port $NP --ke-port $KP --server-key "$W/nd/nts-keys" -v "$W/cd.pcap" > "$W/cd.v" 2>&1
	nts_check "chrony-ntsd: cookies opened with the master key" \
		grep -q "cookie opened with master key" "$W/cd.v"
	nts_check "chrony-ntsd: the client's key log gives the same verdicts" \
		bash -c "'$NTSPCAP' --ntp-port $NP --ke-port $KP --keylog '$W/cd/keylog' --stats -q '$W/cd.pcap' | grep -q ' 0 failed, 0 unverified'"
else
	echo "# ntsd not built: skipping the --server-key capture"
fi

nts_done
