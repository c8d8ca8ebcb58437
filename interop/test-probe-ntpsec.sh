#!/bin/bash
# ntske-probe against NTPsec ntpd as NTS server (its fixed ports: tcp/4460,
# udp/123 on loopback): KE, authenticated NTP with cookie refresh, the --check
# table, --aead-scan and the JSON schema.
# Usage: interop/test-probe-ntpsec.sh BUILDDIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../ntske-probe/probe-testlib.sh"
probe_setup "$1"
probe_need ntpd ntpq certtool python3

# NTPsec's ports cannot be moved: take turns with other tests that need them
exec 9> /tmp/nts-interop-ntpsec.lock
flock -w 200 9 || { echo "# SKIP: another test held the NTPsec lock for 200 s"; exit 77; }
if [ -n "$(ss -Htuan '( sport = :4460 or sport = :123 )' 2>/dev/null)" ]; then
	echo "# SKIP: udp/123 or tcp/4460 is in use by something else"
	exit 77
fi

nts_mkpki "$T/pki" || { echo "not ok - certtool PKI"; exit 1; }
ntpsec_server_start "$T/ntpsec" "$T/pki/server-chain.pem" "$T/pki/server.key" || { echo "not ok - ntpd did not start"; exit 1; }
probe_track "$NTPSEC_PID"
CA="--ca $T/pki/ca.pem"

probe_run $CA --count 3 --interval 0.2 localhost
cat "$OUT"
nts_check "KE and NTP against NTPsec exit 0" test "$RC" -eq 0
probe_grep "TLS 1.3 with ALPN ntske/1" '^tls +TLS1\.3, .*ALPN "ntske/1"'
probe_grep "chain of two certificates (server and CA)" '^cert 1 +subject CN=NTS toolkit test CA'
probe_grep "8 cookies of 104 octets" '8 cookies of 104 octets'
probe_grep "no Server/Port records: NTP on the KE address, port 123" 'NTP server 127\.0\.0\.1 port 123 \(defaults\)'
probe_grep "query 3 uses the cookie from reply 2" '^ntp 3 .*cookie from ntp#2, .*offset'
nts_check "three authenticated replies" test "$(grep -c 'authenticated, UID echoed' "$OUT")" -eq 3
probe_grep "cookie refresh proven" '^cookies +refresh works'

probe_json "json --count 3" 0 $CA --count 3 --interval 0.1 localhost
probe_py "json: refresh proven, no Port record" 'j["ntp"]["cookie_refresh_ok"] and j["ke"]["port_record"] is None'

probe_run $CA --check --aead-scan localhost
grep -E '^(check|aead)' "$OUT"
nts_check "--check ran (exit 0 or 1)" test "$RC" -le 1
probe_grep "--check prints its summary" '^check +[0-9]+ PASS, [0-9]+ FAIL, [0-9]+ INFO, [0-9]+ SKIP'
probe_grep "--aead-scan: NTPsec accepts 15" '^aead 15 .* accepted'
probe_json "json --check --aead-scan" "$RC" $CA --check --aead-scan localhost

# IPv6: NTPsec listens on ::1 too (the certificate carries IP ::1)
# (/etc/hosts may not map localhost to ::1: give the literal, verify the name)
probe_run $CA -6 --sni localhost ::1
nts_check "-6 --sni localhost ::1: KE and NTP over IPv6" \
	test "$RC" -eq 0 -a "$(grep -Ec '^(connect +::1 port 4460|ntp 1 +::1 port 123)' "$OUT")" -eq 2
probe_grep "--sni: the certificate is checked against the given name" '^verify +ok \(chain and name localhost\)'
probe_expect "--sni with a name not in the certificate" 6 'verification failed for other\.invalid: name mismatch' \
	-- $CA --sni other.invalid --ke-only localhost
probe_run $CA --ke-only "[::1]:4460"
nts_check "[::1]:4460 verified against the IP SAN ::1" test "$RC" -eq 0

# the draft-era port 1234 fails; --fallback-port retries on 4460
probe_expect "port 1234 refused, with the hint" 4 'hint: port 1234 comes from the NTS drafts' -- $CA localhost:1234
probe_run $CA --fallback-port --ke-only localhost:1234
nts_check "--fallback-port reaches 4460" test "$RC" -eq 0
probe_grep "--fallback-port says what it did" '^hint +port 1234 failed \(.*\); fell back to 4460'

# SSLKEYLOGFILE is honoured like --keylog
SSLKEYLOGFILE="$T/env.keys" "$PROBE" $CA --ke-only localhost > /dev/null 2>&1
nts_check "SSLKEYLOGFILE gets the TLS secrets" grep -q '^EXPORTER_SECRET ' "$T/env.keys"

probe_run $CA --nagios localhost
nts_check "--nagios OK (exit 0): $(cat "$OUT")" test "$RC" -eq 0

nts_done
