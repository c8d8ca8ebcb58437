#!/bin/bash
# ntsd as a daemon: detaches, writes its pid file, reports a failed start-up
# through its exit status; wildcard listeners answer from the address asked;
# cross-directive config errors. Usage: test-ntsd-daemon.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

# ---- cross-directive checks
printf 'nts enable\n' > "$T/nocert.conf"
out=$("$NTSD" -n -c "$T/nocert.conf" 2>&1); rc=$?
nts_check "-n: 'nts enable' without cert/key is an error" test "$rc" -ne 0 -a -n "$(grep "needs 'nts cert FILE'" <<<"$out")"
printf 'nts enable\nnts cert %s\nnts key %s\nnts cookie %s/no/such/dir/keys\n' \
	"$T/pki/server.pem" "$T/pki/server.key" "$T" > "$T/nodir.conf"
out=$("$NTSD" -n -c "$T/nodir.conf" 2>&1)
nts_check "-n: a key file in a missing directory is an error at its line" grep -q "nodir.conf:4: nts cookie" <<<"$out"
printf 'listen ntp 127.0.0.1:1\nlocal stratum 3\n' > "$T/plain.conf"
nts_check "-n: a plain NTP server needs no certificate" test "$("$NTSD" -n -c "$T/plain.conf" 2>&1)" = "configuration OK"

# ---- daemon mode
D=$T/srv
ntsd_conf "$D"
"$NTSD" -c "$D/ntsd.conf"; rc=$?
nts_check "daemon: the foreground process exits 0 once started" test "$rc" = 0
for i in $(seq 1 30); do [ -s "$D/ntsd.pid" ] && break; sleep 0.1; done
NTSD_PID=$(cat "$D/ntsd.pid" 2>/dev/null)
nts_check "daemon: pid file names a running process" kill -0 "${NTSD_PID:-0}"
nts_check "daemon: detached into its own session" test "$(ps -o sid= -p "${NTSD_PID:-0}" | tr -d ' ')" = "$NTSD_PID"
q=$(ntp_query "$NTP_PORT")
nts_check "daemon: serves NTP ($q)" test -n "$q"
PROBE=$BUILD/ntske-probe/ntske-probe
if [ -x "$PROBE" ]; then
	nts_check "daemon: serves NTS-KE and NTS (ntske-probe)" \
		bash -c '"$1" --ca "$2" "localhost:$3" >/dev/null 2>&1' _ "$PROBE" "$T/pki/ca.pem" "$KE_PORT"
	nts_check "daemon: the KE was counted" test "$(ntsd_counter "$D" "NTS KE serves good")" -ge 1
fi

# a second instance on the same ports must fail, and say so by its exit status
ntsd_conf "$T/second"
sed -i "s/^listen ntp .*/listen ntp 127.0.0.1:$NTP_PORT/; s/^listen nts-ke .*/listen nts-ke 127.0.0.1:$KE_PORT/" "$T/second/ntsd.conf"
"$NTSD" -c "$T/second/ntsd.conf"; rc=$?
nts_check "daemon: a start-up failure (ports in use) exits non-zero" test "$rc" -ne 0
nts_check "daemon: a failed second instance left no pid file" test ! -e "$T/second/ntsd.pid"
kill -TERM "$NTSD_PID"
for i in $(seq 1 50); do kill -0 "$NTSD_PID" 2>/dev/null || break; sleep 0.1; done
nts_check "daemon: SIGTERM stops it and removes the pid file" test ! -e "$D/ntsd.pid"
NTSD_PID=""

# ---- wildcard listeners answer from the address the request went to
W=$T/wild
P=$(nts_free_port)
mkdir -p "$W"
printf 'listen ntp *:%s\nlocal stratum 4 refid WILD\ncontrol %s/ctl.sock\n' "$P" "$W" > "$W/ntsd.conf"
$NTS_NOCLOCK "$NTSD" -d -c "$W/ntsd.conf" > "$W/ntsd.log" 2>&1 &
NTSD_PID=$!
for i in $(seq 1 30); do [ -S "$W/ctl.sock" ] && break; sleep 0.1; done
q=$(ntp_query "$P")
nts_check "wildcard: IPv4 request answered ($q)" test "${q%% len=*}" = "stratum=4 refid=WILD"
q6=$(python3 - "$P" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
xmt = os.urandom(8)
s.connect(("::1", int(sys.argv[1])))   # connected: only an answer from ::1 is received
s.send(bytes([0x23]) + bytes(39) + xmt)
d = s.recv(2048)
print("ok" if d[24:32] == xmt and d[1] == 4 else "bad")
PY
)
nts_check "wildcard: IPv6 request answered from ::1" test "$q6" = ok
nts_check "plain-only server: no NTS-KE listener" bash -c "! grep -q 'NTS-KE server listening' '$W/ntsd.log'"
nts_done
