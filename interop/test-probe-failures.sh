#!/bin/bash
# ntske-probe failure cases, each with its documented exit code and message
# (ntske-probe(1), EXIT STATUS): certificate expired, unknown CA, name mismatch,
# server down, closed port, a TLS server that is not NTS-KE, a resolve failure,
# and usage errors. Every case's --json output is checked against the schema.
# Usage: interop/test-probe-failures.sh BUILDDIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../ntske-probe/probe-testlib.sh"
probe_setup "$1"
probe_need "$CHRONYD" certtool gnutls-serv python3

nts_mkpki "$T/pki" || { echo "not ok - certtool PKI"; exit 1; }
CA="--ca $T/pki/ca.pem"

start_chrony() { # NAME CERTBASE: chronyd serving pki/CERTBASE.pem; sets KE_<NAME>
	local ntp ke
	ntp=$(nts_free_port) ke=$(nts_free_port)
	chrony_server_start "$T/$1" "$ntp" "$ke" "$T/pki/$2.pem" "$T/pki/$2.key" ||
		{ echo "not ok - chronyd ($1) did not start"; exit 1; }
	probe_track "$CHRONY_PID"
	eval "KE_$1=$ke PID_$1=$CHRONY_PID"
}
start_chrony good server
start_chrony expired expired
start_chrony wrongname wrongname

# certificate failures: exit 6, the reason in words
probe_expect "expired certificate" 6 'tls: certificate verification failed for localhost: expired' \
	-- $CA "localhost:$KE_expired"
probe_json "expired certificate" 6 $CA "localhost:$KE_expired"
probe_py "json: reasons say expired" '"expired" in j["tls"]["verify"]["reasons"] and j["failure"]["phase"]=="tls"'
probe_expect "unknown CA" 6 'tls: certificate verification failed for localhost: unknown issuer' \
	-- --ca "$T/pki/otherca.pem" "localhost:$KE_good"
probe_json "unknown CA" 6 --ca "$T/pki/otherca.pem" "localhost:$KE_good"
probe_expect "name mismatch (chrony serving the wrongname certificate)" 6 \
	'tls: certificate verification failed for localhost: name mismatch' -- $CA "localhost:$KE_wrongname"
probe_json "name mismatch" 6 $CA "localhost:$KE_wrongname"
probe_expect "--insecure continues past an unknown CA, loudly" 0 'WARNING: certificate verification FAILED \(unknown issuer\)' \
	-- --ca "$T/pki/otherca.pem" --insecure --ke-only "localhost:$KE_good"
probe_grep "--insecure says so in the report" '^verify +FAILED: unknown issuer -- INSECURE'

# a server that is down: chronyd stopped, its port now refuses
nts_stop "$PID_expired"
probe_expect "server down" 4 "connect: 127\.0\.0\.1 port $KE_expired: Connection refused" -- $CA "localhost:$KE_expired"
probe_grep "server down: the report names the failed phase" '^result +FAILED in connect \(exit 4\)'
probe_json "server down" 4 $CA "localhost:$KE_expired"

# a closed port, and the hint about draft-era port 1234
closed=$(nts_free_port)
probe_expect "closed port" 4 "connect: 127\.0\.0\.1 port $closed: Connection refused" -- $CA "127.0.0.1:$closed"
probe_expect "closed port: hint suggests 4460" 4 'hint: the standard NTS-KE port is 4460' -- $CA "127.0.0.1:$closed"
probe_json "closed port" 4 $CA "127.0.0.1:$closed"

# a TLS server that is not NTS-KE: gnutls-serv with a good certificate, no ALPN
gp=$(nts_free_port)
gnutls-serv --x509certfile "$T/pki/server.pem" --x509keyfile "$T/pki/server.key" -p "$gp" \
	> "$T/gnutls-serv.log" 2>&1 &
probe_track $!
nts_wait_tcp "$gp" 10 || { echo "not ok - gnutls-serv did not start"; exit 1; }
probe_expect "TLS server without ALPN ntske/1" 7 \
	'tls: server did not agree to ALPN "ntske/1" \(answered no ALPN\): not an NTS-KE server' -- $CA "localhost:$gp"
probe_json "TLS server without ALPN ntske/1" 7 $CA "localhost:$gp"
probe_py "json: alpn_ok false, handshake details kept" 'j["tls"]["alpn_ok"] is False and j["tls"]["version"]=="TLS1.3"'

# a TLS server that refuses ntske/1 with an alert (it speaks only h2)
gp2=$(nts_free_port)
gnutls-serv --alpn=h2 --alpn-fatal --x509certfile "$T/pki/server.pem" --x509keyfile "$T/pki/server.key" \
	-p "$gp2" > "$T/gnutls-serv2.log" 2>&1 &
probe_track $!
nts_wait_tcp "$gp2" 10 || { echo "not ok - gnutls-serv (h2) did not start"; exit 1; }
probe_expect "TLS server refusing ALPN ntske/1 by alert" 7 \
	'tls: server refused ALPN "ntske/1" \(handshake: peer sent alert: .*\): not an NTS-KE server' -- $CA "localhost:$gp2"
probe_json "TLS server refusing ALPN ntske/1" 7 $CA "localhost:$gp2"

# names that do not resolve, bad trust anchors, bad command lines
# (no DNS query leaves the machine: an IPv4 literal has no IPv6 address)
probe_expect "name without an address of the family" 3 'resolve: 127\.0\.0\.1: ' -- $CA -6 127.0.0.1
probe_json "name without an address of the family" 3 $CA -6 127.0.0.1
probe_expect "missing CA file" 11 "local: trust anchors: $T/none.pem: No such file" -- --ca "$T/none.pem" localhost
probe_expect "usage: no host" 2 'usage: give exactly one HOST' -- --count 2
probe_expect "usage: bad --count" 2 'usage: bad value "0" for --count' -- --count 0 localhost
probe_run --nagios --ca "$T/pki/otherca.pem" "localhost:$KE_good"
nts_check "--nagios CRITICAL (2) for an unknown CA: $(cat "$OUT")" test "$RC" -eq 2
probe_run --nagios --count 0 localhost
nts_check "--nagios UNKNOWN (3) for a usage error" test "$RC" -eq 3

# the good server still works after all that
probe_run $CA --ke-only "localhost:$KE_good"
nts_check "control: the good chronyd answers" test "$RC" -eq 0

nts_done
