#!/bin/bash
# ntsd at start-up (issue 13 items 16-18): `-n` loads and matches the
# certificate and key and checks their dates and the key file's mode; the
# daemon says loudly when its certificate is expired or not yet valid, never
# replaces a master-key file it refuses, never writes $SSLKEYLOGFILE, and
# backs off instead of spinning when it runs out of file descriptors.
# Usage: test-ntsd-start.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

PROBE=$BUILD/ntske-probe/ntske-probe
PKI=$T/pki

# ntsd_conf with another certificate/key pair: ntsd_conf_pair DIR CERT KEY
ntsd_conf_pair() {
	local dir=$1 cert=$2 key=$3
	ntsd_conf "$dir"
	sed -i "s|^nts cert .*|nts cert $cert|; s|^nts key .*|nts key $key|" "$dir/ntsd.conf"
}

# ---- -n loads the pair as the daemon would
printf 'not a certificate\n' > "$T/garbage.pem"
ntsd_conf_pair "$T/n1" "$T/garbage.pem" "$PKI/server.key"
out=$("$NTSD" -n -c "$T/n1/ntsd.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
nts_check "-n: a garbage certificate file is an error naming it" \
	test "$rc" -ne 0 -a -n "$(grep "ntsd.conf:[0-9]*: .*garbage.pem" <<<"$out")"
ntsd_conf_pair "$T/n2" "$PKI/server.pem" "$PKI/otherca-server.key"
out=$("$NTSD" -n -c "$T/n2/ntsd.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
nts_check "-n: a key that does not match the certificate is an error" \
	test "$rc" -ne 0 -a -n "$(grep "does not match" <<<"$out")"
ntsd_conf_pair "$T/n3" "$PKI/expired.pem" "$PKI/expired.key"
out=$("$NTSD" -n -c "$T/n3/ntsd.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
nts_check "-n: an expired certificate is an error with its dates" \
	test "$rc" -ne 0 -a -n "$(grep "EXPIRED on 2020-02-01" <<<"$out")"
ntsd_conf "$T/n4"
out=$("$NTSD" -n -c "$T/n4/ntsd.conf" 2>&1); rc=$?
nts_check "-n: the good pair is OK" test "$rc" = 0 -a "$out" = "configuration OK"

# ---- the certificate's dates in the log, at start and at every reload
(cd "$PKI" && _nts_cert future 'cn = "localhost"
dns_name = "localhost"
tls_www_server
signing_key
encryption_key
activation_date = "2099-01-01 00:00:00"
expiration_date = "2099-06-01 00:00:00"' ca.pem ca.key)
D=$T/dates
ntsd_conf_pair "$D" "$PKI/expired.pem" "$PKI/expired.key"
ntsd_start "$D" || nts_notok "ntsd starts with an expired certificate"
nts_check "log: expired certificate named with its dates and days" \
	grep -q "certificate .*expired.pem EXPIRED on 2020-02-01 00:00:00 UTC ([0-9]* days ago" "$D/ntsd.log"
cp "$PKI/future.pem" "$D/cert.pem"
cp "$PKI/future.key" "$D/cert.key"
sed -i "s|^nts cert .*|nts cert $D/cert.pem|; s|^nts key .*|nts key $D/cert.key|" "$D/ntsd.conf"
nts_stop "$NTSD_PID"; NTSD_PID=""
ntsd_start "$D" || nts_notok "ntsd starts with a not yet valid certificate"
nts_check "log: not yet valid certificate said so with its dates" \
	grep -q "cert.pem is NOT YET VALID: valid from 2099-01-01 00:00:00 UTC (in [0-9]* days)" "$D/ntsd.log"
cp "$PKI/server.pem" "$D/cert.pem"
cp "$PKI/server.key" "$D/cert.key"
kill -HUP "$NTSD_PID"
wait_for 5 grep -q "cert.pem valid from .* until .*: [0-9]* days left" "$D/ntsd.log"
nts_check "reload: the renewed certificate's days left are logged" \
	grep -q "cert.pem valid from .* until .*: [0-9]* days left" "$D/ntsd.log"
nts_stop "$NTSD_PID"; NTSD_PID=""

# ---- a master-key file others can read is refused, never replaced
K=$T/keymode
ntsd_conf "$K"
ntsd_start "$K" || nts_notok "ntsd starts (key file written)"
nts_stop "$NTSD_PID"; NTSD_PID=""
chmod 644 "$K/nts-keys"
before=$(sha256sum < "$K/nts-keys")
: > "$K/ntsd.log"
timeout 20 $NTS_NOCLOCK "$NTSD" -d -c "$K/ntsd.conf" >> "$K/ntsd.log" 2>&1; rc=$?
sed 's/^/# /' "$K/ntsd.log" | grep -i "cookie" | head -3
nts_check "key file 0644: ntsd refuses to start (exit 1, not killed by the timeout)" test "$rc" = 1
nts_check "key file 0644: the error names the file and its mode" \
	grep -q "cookie key file $K/nts-keys has mode 0644" "$K/ntsd.log"
nts_check "key file 0644: the file and its keys are left as they were" \
	test "$(sha256sum < "$K/nts-keys")" = "$before"
out=$("$NTSD" -n -c "$K/ntsd.conf" 2>&1); rc=$?
nts_check "-n: a key file with mode 0644 is an error" \
	test "$rc" -ne 0 -a -n "$(grep "nts cookie $K/nts-keys: mode 0644" <<<"$out")"

# ---- SSLKEYLOGFILE in the environment is never written
S=$T/keylog
ntsd_conf "$S"
export SSLKEYLOGFILE=$S/secrets.log
ntsd_start "$S" || nts_notok "ntsd starts with SSLKEYLOGFILE set"
unset SSLKEYLOGFILE
if [ -x "$PROBE" ]; then
	nts_check "SSLKEYLOGFILE: a KE is served" \
		bash -c '"$1" --ke-only --ca "$2" "localhost:$3" >/dev/null 2>&1' _ "$PROBE" "$PKI/ca.pem" "$KE_PORT"
fi
nts_check "SSLKEYLOGFILE: no key log written" test ! -e "$S/secrets.log"
nts_check "SSLKEYLOGFILE: a warning says it was ignored" grep -q "SSLKEYLOGFILE .* ignored" "$S/ntsd.log"
nts_stop "$NTSD_PID"; NTSD_PID=""

# ---- maxconn above the open-file limit: warned at start, no spinning
command -v prlimit >/dev/null || { nts_log "prlimit missing"; nts_done; exit $?; }
E=$T/emfile
ntsd_conf "$E" "nts maxconn 1000"
NTS_NOCLOCK="prlimit --nofile=100:100 $NTS_NOCLOCK" ntsd_start "$E" || nts_notok "ntsd starts at 100 files"
nts_check "fd limit: the start says maxconn exceeds the limit" \
	grep -q "nts maxconn 1000 needs about .* but the limit is 100" "$E/ntsd.log"
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
python3 - "$KE_PORT" 150 3 > "$E/hold.out" 2>&1 <<'PY' &
import socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
held = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        pass
print("held", len(held), flush=True)
time.sleep(secs)
PY
HOLD=$!
nts_wait 10 grep -q '^held' "$E/hold.out"
c0=$(cpu "$NTSD_PID")
sleep 2
c1=$(cpu "$NTSD_PID")
ticks=$((c1 - c0))
nts_log "ntsd used $ticks clock ticks in 2 s with 150 idle KE connections at a 100-file limit"
nts_check "fd limit: no busy loop while connections hold every descriptor ($ticks ticks in 2 s)" \
	test "$ticks" -lt 15
if [ -x "$PROBE" ]; then
	nts_check "fd limit: a new client is still served" \
		bash -c '"$1" --ke-only --ca "$2" "localhost:$3" >/dev/null 2>&1' _ "$PROBE" "$PKI/ca.pem" "$KE_PORT"
fi
wait "$HOLD" 2>/dev/null
nts_done
