#!/bin/sh
# make check: the real ntsd and the real ntske-probe on loopback, so the
# whole server path (TLS, NTS-KE, cookies, NTS-protected NTP) runs in every
# build, the ASan+UBSan and TSan ones included. A throwaway certtool PKI and
# free ports; everything lives in one temporary directory removed on exit.
# Skips (77) only when certtool is missing.
set -u
b=${NTS_BUILDDIR:-.}
ntsd="$b/ntsd/ntsd"
probe="$b/ntske-probe/ntske-probe"
command -v certtool >/dev/null 2>&1 || { echo "SKIP: certtool missing (gnutls-bin)"; exit 77; }
for p in "$ntsd" "$probe"; do
	[ -x "$p" ] || { echo "not ok - $p not built"; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ntsd-loopback.XXXXXX") || exit 1
chmod 700 "$T"
NTSD_PID=""
cleanup() {
	if [ -n "$NTSD_PID" ]; then
		kill -TERM "$NTSD_PID" 2>/dev/null
		wait "$NTSD_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; fail=1; }
# wait_until SECONDS CMD...: poll a condition every 0.1 s, bounded
wait_until() {
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ---- a CA and a server certificate for localhost / 127.0.0.1
cert() { # NAME TEMPLATE [CA]
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
		--outfile "$T/$1.key" >/dev/null 2>&1 || return 1
	printf '%s\n' "$2" > "$T/$1.tmpl"
	if [ -z "${3:-}" ]; then
		certtool --generate-self-signed --load-privkey "$T/$1.key" --template "$T/$1.tmpl" \
			--no-text --outfile "$T/$1.pem" >/dev/null 2>&1
	else
		certtool --generate-certificate --load-privkey "$T/$1.key" --load-ca-certificate "$T/$3.pem" \
			--load-ca-privkey "$T/$3.key" --template "$T/$1.tmpl" --no-text \
			--outfile "$T/$1.pem" >/dev/null 2>&1
	fi
}
cert ca 'cn = "ntsd loopback test CA"
ca
cert_signing_key
expiration_days = 2' || { notok "certtool: CA"; exit 1; }
cert server 'cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 2' ca || { notok "certtool: server certificate"; exit 1; }
chmod 600 "$T"/*.key

# ---- two free ports (UDP for NTP, TCP for NTS-KE): the kernel picks them
free_port() { # udp|tcp
	python3 -c 'import socket,sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1" 2>/dev/null
}
NTP_PORT=$(free_port udp) KE_PORT=$(free_port tcp)
[ -n "$NTP_PORT" ] && [ -n "$KE_PORT" ] || { notok "free ports (python3)"; exit 1; }

cat > "$T/ntsd.conf" <<CONF
nts enable
nts cert $T/server.pem
nts key $T/server.key
nts cookie $T/nts-keys
listen ntp 127.0.0.1:$NTP_PORT
listen nts-ke 127.0.0.1:$KE_PORT
local stratum 1 refid LOCL
control $T/ctl.sock
CONF
# -x: never adjust the clock (no time source is configured either)
"$ntsd" -d -x -c "$T/ntsd.conf" > "$T/ntsd.log" 2>&1 &
NTSD_PID=$!
ready() { [ -S "$T/ctl.sock" ] && "$ntsd" -Q "$T/ctl.sock" keys | grep -q 'master keys: [1-9]'; }
if wait_until 30 ready; then
	ok "ntsd starts (control socket answers, a master key is current)"
else
	notok "ntsd starts"; sed 's/^/# /' "$T/ntsd.log"; exit 1
fi

out=$("$probe" -4 --ca "$T/ca.pem" --timeout 10 --count 2 --interval 0 "localhost:$KE_PORT" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check() { # DESC REGEX
	if printf '%s\n' "$out" | grep -Eq -- "$2"; then ok "$1"; else notok "$1"; fi
}
[ "$rc" -eq 0 ] && ok "ntske-probe exits 0" || notok "ntske-probe exits 0 (got $rc)"
check "NTS-KE OK: TLS 1.3, ALPN ntske/1" "^tls +TLS1\\.3, .*ALPN \"ntske/1\""
check "NTS-KE gives 8 cookies" "8 cookies of 104 octets"
check "Port record names ntsd's NTP port" "Port Negotiation \\(7\\) len 2: $NTP_PORT"
check "authenticated time query OK (UID echoed)" "authenticated, UID echoed"
check "cookies from NTP replies work" "refresh works"
check "result OK" "^result *OK"

# ntsd counted what it served: one KE, two NTS requests answered
counters=$("$ntsd" -Q "$T/ctl.sock" counters)
val() { printf '%s\n' "$counters" | awk -v l="$1:" 'index($0, l) == 1 { print $NF }'; }
[ "$(val 'NTS KE serves good')" = 1 ] && ok "ntsd counted 1 good KE" ||
	notok "ntsd counted 1 good KE ($(val 'NTS KE serves good'))"
[ "$(val 'NTS server sends')" -ge 2 ] 2>/dev/null && ok "ntsd answered the NTS queries ($(val 'NTS server sends'))" ||
	notok "ntsd answered the NTS queries ($(val 'NTS server sends'))"
[ "$(val 'NTS decode cookies')" -ge 2 ] 2>/dev/null && ok "ntsd opened the cookies ($(val 'NTS decode cookies'))" ||
	notok "ntsd opened the cookies ($(val 'NTS decode cookies'))"

# a clean stop: ntsd exits 0 on SIGTERM (sanitizer reports would make it fail)
kill -TERM "$NTSD_PID"
wait "$NTSD_PID"; rc=$?
NTSD_PID=""
[ "$rc" -eq 0 ] && ok "ntsd exits 0 on SIGTERM" || { notok "ntsd exits 0 on SIGTERM (got $rc)"; sed 's/^/# /' "$T/ntsd.log"; }
exit $fail
