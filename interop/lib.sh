# interop/lib.sh: shared helpers for program and interop tests (source it).
# Peers run on loopback only, never touch the clock (chronyd -x; every daemon
# without CAP_SYS_TIME), and are stopped by pid. See shared INTEROP-NOTES.

CHRONY_DIR=${CHRONY_DIR:-/opt/nts-interop/chrony}
CHRONYD="$CHRONY_DIR/usr/sbin/chronyd"
CHRONYC_BIN="$CHRONY_DIR/usr/bin/chronyc"
NTS_NOCLOCK="setpriv --bounding-set=-sys_time"

nts_log() { echo "# $*" >&2; }

# A port free for both TCP and UDP on loopback.
nts_free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		if [ -z "$(ss -Htuan "( sport = :$p )" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Wait until 127.0.0.1:PORT accepts TCP connections (PORT, SECONDS).
nts_wait_tcp() {
	local port=$1 secs=${2:-10} i
	for i in $(seq 1 $((secs * 10))); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# nts_wait SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds;
# fails after SECONDS. Tests wait on conditions, never for a fixed time.
nts_wait() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# Something listens on loopback PORT: nts_listening tcp|udp PORT.
nts_listening() {
	[ -n "$(ss -Hn "-${1:0:1}l" "( sport = :$2 )" 2>/dev/null)" ]
}

# PID holds a packet socket: its live capture is open.
nts_capturing() {
	ss -0p 2>/dev/null | grep -q "pid=$1,"
}

# nts_keylog FILE: create an empty TLS key log readable by its owner only
# (SSLKEYLOGFILE writers append to it and keep its mode).
nts_keylog() {
	: > "$1" && chmod 600 "$1"
}

# TERM a pid, wait up to 5 s, then KILL.
nts_stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

_nts_cert() { # NAME TEMPLATE SIGNER_CERT SIGNER_KEY (in $PKI)
	local name=$1 tmpl=$2 ca=$3 cakey=$4
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
		--outfile "$PKI/$name.key" 2>/dev/null
	printf '%s\n' "$tmpl" > "$PKI/$name.tmpl"
	if [ -z "$ca" ]; then
		certtool --generate-self-signed --load-privkey "$PKI/$name.key" \
			--template "$PKI/$name.tmpl" --no-text --outfile "$PKI/$name.pem" 2>/dev/null
	else
		certtool --generate-certificate --load-privkey "$PKI/$name.key" \
			--load-ca-certificate "$PKI/$ca" --load-ca-privkey "$PKI/$cakey" \
			--template "$PKI/$name.tmpl" --no-text --outfile "$PKI/$name.pem" 2>/dev/null
	fi
}

# A throwaway PKI in DIR: ca.pem/ca.key, server.pem/server.key (SANs localhost,
# 127.0.0.1, ::1), expired.pem/key, wrongname.pem/key (SAN other.invalid),
# otherca.pem/key and otherca-server.pem/key (good names, unknown issuer).
nts_mkpki() {
	local PKI=$1
	mkdir -p "$PKI"
	local srv='cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"
tls_www_server
signing_key
encryption_key
expiration_days = 30'
	_nts_cert ca 'cn = "NTS toolkit test CA"
ca
cert_signing_key
expiration_days = 30' "" ""
	_nts_cert server "$srv" ca.pem ca.key
	_nts_cert expired 'cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
activation_date = "2020-01-01 00:00:00"
expiration_date = "2020-02-01 00:00:00"' ca.pem ca.key
	_nts_cert wrongname 'cn = "other.invalid"
dns_name = "other.invalid"
tls_www_server
signing_key
encryption_key
expiration_days = 30' ca.pem ca.key
	_nts_cert otherca 'cn = "Unrelated test CA"
ca
cert_signing_key
expiration_days = 30' "" ""
	_nts_cert otherca-server "$srv" otherca.pem otherca.key
	# server certificate followed by the CA: a full chain for servers
	cat "$PKI/server.pem" "$PKI/ca.pem" > "$PKI/server-chain.pem"
	chmod 600 "$PKI"/*.key
	[ -s "$PKI/server.pem" ] && [ -s "$PKI/expired.pem" ] && [ -s "$PKI/otherca-server.pem" ]
}

# Start chronyd on DIR/chronyd.conf without the right to set the clock (-x,
# no CAP_SYS_TIME); sets CHRONY_PID and CHRONYC.
_chrony_launch() {
	local dir=$1
	$NTS_NOCLOCK "$CHRONYD" -x -d -u root -F 0 -f "$dir/chronyd.conf" > "$dir/chronyd.log" 2>&1 &
	CHRONY_PID=$!
	CHRONYC="$CHRONYC_BIN -h $dir/chronyd.sock"
}

# chronyd as an NTS server on 127.0.0.1: DIR NTPPORT KEPORT [CERT KEY].
# Sets CHRONY_PID and CHRONYC; log in DIR/chronyd.log.
chrony_server_start() {
	local dir=$1 ntpport=$2 keport=$3 cert=${4:-$1/pki/server.pem} key=${5:-$1/pki/server.key}
	mkdir -p "$dir/ntsdump"
	chmod 700 "$dir"   # chronyd refuses a command socket in an open directory
	cat > "$dir/chronyd.conf" <<CONF
port $ntpport
ntsport $keport
bindaddress 127.0.0.1
allow 127.0.0.0/8
local stratum 1
ntsservercert $cert
ntsserverkey $key
ntsdumpdir $dir/ntsdump
cmdport 0
bindcmdaddress $dir/chronyd.sock
pidfile $dir/chronyd.pid
driftfile $dir/chronyd.drift
CONF
	_chrony_launch "$dir"
	nts_wait_tcp "$keport" 10 || { nts_log "chronyd did not start:"; cat "$dir/chronyd.log" >&2; return 1; }
}

# chronyd as an NTS client of HOST:KEPORT trusting CA: DIR HOST NTPPORT_unused KEPORT CA.
# Sets CHRONY_PID and CHRONYC ("chronyc -h DIR/chronyd.sock").
chrony_client_start() {
	local dir=$1 host=$2 keport=$4 ca=$5
	mkdir -p "$dir"
	chmod 700 "$dir"
	cat > "$dir/chronyd.conf" <<CONF
server $host nts ntsport $keport iburst minpoll 0 maxpoll 0
ntstrustedcerts $ca
nosystemcert
port 0
cmdport 0
bindcmdaddress $dir/chronyd.sock
pidfile $dir/chronyd.pid
driftfile $dir/chronyd.drift
CONF
	_chrony_launch "$dir"
	local i
	for i in $(seq 1 50); do [ -S "$dir/chronyd.sock" ] && return 0; sleep 0.1; done
	nts_log "chronyd client did not start:"; cat "$dir/chronyd.log" >&2
	return 1
}

_ntpsec_common_conf() { # DIR
	cat <<CONF
interface ignore wildcard
interface ignore ipv4
interface ignore ipv6
interface listen 127.0.0.1
interface listen ::1
restrict default kod limited nomodify noquery
restrict 127.0.0.0 mask 255.0.0.0
restrict ::1
disable ntp
disable kernel
statsdir $1/
logfile $1/ntpd.log
CONF
}

# NTPsec ntpd as an NTS server (udp/123 and tcp/4460 on loopback are fixed):
# DIR [CERT KEY]. Waits until it serves leap=00. Sets NTPSEC_PID.
ntpsec_server_start() {
	local dir=$1 cert=${2:-$1/pki/server-chain.pem} key=${3:-$1/pki/server.key}
	mkdir -p "$dir"
	{ _ntpsec_common_conf "$dir"
	  cat <<CONF
tos orphan 5
tos orphanwait 0
nts key $key
nts cert $cert
nts cookie $dir/nts-keys
nts enable
CONF
	} > "$dir/ntpd.conf"
	$NTS_NOCLOCK ntpd -n -c "$dir/ntpd.conf" -p "$dir/ntpd.pid" > "$dir/ntpd.out" 2>&1 &
	NTPSEC_PID=$!
	nts_wait_tcp 4460 10 || { nts_log "ntpd did not start:"; cat "$dir/ntpd.out" "$dir/ntpd.log" >&2; return 1; }
	local i
	for i in $(seq 1 50); do
		ntpq -c "rv 0 leap" 127.0.0.1 2>/dev/null | grep -q "leap=00" && return 0
		sleep 0.2
	done
	nts_log "ntpd never reached leap=00"; return 1
}

# NTPsec ntpd as an NTS client of HOST:KEPORT trusting CA (binds udp/123 on
# loopback): DIR HOST KEPORT CA. Sets NTPSEC_PID.
ntpsec_client_start() {
	local dir=$1 host=$2 keport=$3 ca=$4
	mkdir -p "$dir"
	{ _ntpsec_common_conf "$dir"
	  echo "server $host:$keport nts ca $ca iburst minpoll 3 maxpoll 3"
	} > "$dir/ntpd.conf"
	$NTS_NOCLOCK ntpd -n -c "$dir/ntpd.conf" -p "$dir/ntpd.pid" > "$dir/ntpd.out" 2>&1 &
	NTPSEC_PID=$!
	# it binds udp/123 once it runs; a bad config makes it exit first
	nts_wait 10 nts_listening udp 123
	kill -0 "$NTPSEC_PID" 2>/dev/null || { nts_log "ntpd client died:"; cat "$dir/ntpd.out" >&2; return 1; }
}

# Test-script conveniences: ok/not ok lines and a final verdict.
NTS_T_PASS=0
NTS_T_FAIL=0
nts_ok() { NTS_T_PASS=$((NTS_T_PASS + 1)); echo "ok - $*"; }
nts_notok() { NTS_T_FAIL=$((NTS_T_FAIL + 1)); echo "not ok - $*"; }
# nts_check "description" command...: run it, record ok/not ok.
nts_check() { local d=$1; shift; if "$@"; then nts_ok "$d"; else nts_notok "$d"; fi; }
nts_done() { echo "# $NTS_T_PASS passed, $NTS_T_FAIL failed"; [ "$NTS_T_FAIL" -eq 0 ]; }
