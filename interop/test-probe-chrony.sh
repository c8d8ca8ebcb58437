#!/bin/bash
# ntske-probe against chronyd as NTS server on loopback: KE, authenticated NTP with
# cookie refresh, the --check table, --aead-scan, JSON schema, Nagios, key export.
# Usage: interop/test-probe-chrony.sh BUILDDIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../ntske-probe/probe-testlib.sh"
probe_setup "$1"
probe_need "$CHRONYD" certtool python3

nts_mkpki "$T/pki" || { echo "not ok - certtool PKI"; exit 1; }
NTP=$(nts_free_port) KE=$(nts_free_port)
chrony_server_start "$T/chrony" "$NTP" "$KE" "$T/pki/server.pem" "$T/pki/server.key" ||
	{ echo "not ok - chronyd did not start"; exit 1; }
probe_track "$CHRONY_PID"
CA="--ca $T/pki/ca.pem"

# KE and three authenticated queries, the later ones on cookies from replies
probe_run $CA --count 3 --interval 0.2 "localhost:$KE"
cat "$OUT"
nts_check "KE and NTP against chronyd exit 0" test "$RC" -eq 0
probe_grep "TLS 1.3 with ALPN ntske/1" '^tls +TLS1\.3, .*ALPN "ntske/1"'
probe_grep "certificate verified" '^verify +ok \(chain and name localhost\)'
probe_grep "chrony sends a Port record for its NTP port" "^  record  C NTPv4 Port Negotiation \(7\) len 2: $NTP\$"
probe_grep "8 cookies of 100 octets" '8 cookies of 100 octets'
probe_grep "query 1 uses a KE cookie" '^ntp 1 .*cookie from ke, .*offset'
probe_grep "query 3 uses the cookie from reply 2" '^ntp 3 .*cookie from ntp#2, .*offset'
nts_check "three authenticated replies" test "$(grep -c 'authenticated, UID echoed' "$OUT")" -eq 3
probe_grep "cookie refresh proven" '^cookies +refresh works'

# the same over IPv4 literal (no SNI; verified against the IP SAN)
probe_run $CA --ke-only "127.0.0.1:$KE"
nts_check "IP literal verified against the certificate's IP SAN" test "$RC" -eq 0

# JSON: schema, and the facts the text showed
probe_json "json --count 3" 0 $CA --count 3 --interval 0.1 "localhost:$KE"
probe_py "json: three queries, refresh proven" 'len(j["ntp"]["queries"])==3 and j["ntp"]["cookie_refresh_ok"]'
probe_py "json: Port record and AEAD 15" 'j["ke"]["port_record"]=='"$NTP"' and j["ke"]["aead"]==15'
probe_py "json: chain with SANs" '"DNS:localhost" in j["tls"]["chain"][0]["sans"]'

# conformance table and AEAD scan
probe_run $CA --check --aead-scan "localhost:$KE"
grep -E '^(check|aead)' "$OUT"
nts_check "--check ran (exit 0 or 1)" test "$RC" -le 1
probe_grep "--check prints its summary" '^check +[0-9]+ PASS, [0-9]+ FAIL, [0-9]+ INFO, [0-9]+ SKIP'
probe_grep "--check covers the NTP side" '^check +ntp\.unknown-cookie '
probe_grep "--aead-scan: chrony accepts 15" '^aead 15 .* accepted'
probe_grep "--aead-scan: the unassigned id is refused" '^aead 1000 .* refused'
# the sample in doc/ntske-probe.md is this run's output
cut_check() { grep -E '^(check|aead) ' "$1"; }
cut_check "$here/../doc/ntske-probe.md" > "$T/readme-check"
cut_check "$OUT" > "$T/real-check"
nts_check "doc/ntske-probe.md's --check sample matches the real output ($(wc -l < "$T/readme-check") lines)" \
	cmp -s "$T/readme-check" "$T/real-check"
diff "$T/readme-check" "$T/real-check" | sed 's/^/#   /'
probe_json "json --check --aead-scan" "$RC" $CA --check --aead-scan "localhost:$KE"
probe_py "json: every check has a verdict" 'len(j["checks"])>=20 and all(c["result"] in ("PASS","FAIL","INFO","SKIP") for c in j["checks"])'

# monitoring plugin mode
probe_run $CA --nagios "localhost:$KE"
nts_check "--nagios OK (exit 0): $(cat "$OUT")" test "$RC" -eq 0
# the man page's example has the real line's shape (numbers aside)
shape() { sed -E 's/\\-/-/g; s/[+-]?[0-9]+(\.[0-9]+)?/N/g'; }
man_line=$(sed -n '/^\.SH NAGIOS OUTPUT/,/^\.fi/p' "$here/../ntske-probe/ntske-probe.1" | grep '^NTS ' | shape)
real_line=$(shape < "$OUT")
nts_check "ntske-probe(1)'s Nagios example matches the real output's shape" test "$man_line" = "$real_line"
[ "$man_line" = "$real_line" ] || printf '#   man:  %s\n#   real: %s\n' "$man_line" "$real_line"
probe_run $CA --nagios --warn-expiry 400 "localhost:$KE"
nts_check "--nagios WARNING for a certificate expiring within 400 days" test "$RC" -eq 1

# key export and NSS key log
probe_run $CA --count 2 --interval 0 --export-keys "$T/keys.txt" --keylog "$T/tls.keys" "localhost:$KE"
nts_check "export file with keys, AEAD and cookies" \
	grep -Eq '^c2s=[0-9a-f]{64}$' "$T/keys.txt"
nts_check "export file names the NTP server and port" grep -qx "ntp_port=$NTP" "$T/keys.txt"
nts_check "export file holds KE and NTP cookies (>= 10)" test "$(grep -c '^cookie=' "$T/keys.txt")" -ge 10
nts_check "export file is private (0600)" test "$(stat -c %a "$T/keys.txt")" = 600
nts_check "NSS key log has traffic secrets" grep -Eq '^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,}$' "$T/tls.keys"

# interop/run-public: the matrix over a loopback list, and the offline path
printf 'localhost:%s\n127.0.0.1:%s   # closed\n' "$KE" "$(nts_free_port)" > "$T/list.txt"
RUN_PUBLIC_ONLINE=yes RUN_PUBLIC_ARGS="$CA" timeout 60 "$here/run-public" "$1" "$T/list.txt" > "$T/matrix" 2>&1
cat "$T/matrix"
nts_check "run-public matrix: chronyd OK with refresh" grep -Eq "^localhost:$KE +OK +TLS1\.3 +yes .* yes" "$T/matrix"
nts_check "run-public matrix: closed port DOWN" grep -Eq '^127\.0\.0\.1:[0-9]+ +DOWN ' "$T/matrix"
start=$(date +%s)
RUN_PUBLIC_ONLINE=no timeout 30 "$here/run-public" "$1" > "$T/matrix" 2>&1
nts_check "run-public offline: every public server SKIP, within 5 s" \
	test "$(grep -c ' SKIP ' "$T/matrix")" -ge 5 -a "$(( $(date +%s) - start ))" -le 5

nts_done
