#!/bin/bash
# ntske-probe against servers that misbehave in one way each (ntske-probe/test-server.c,
# real TLS, exporter and cookies): an AEAD that was not offered, a Port record of 0,
# authenticated replies from an unsynchronised server, a record announcing 65535 octets
# then a close, a 65000-octet reply, cookies then a broken record (--check), a
# certificate only for TLS clients, a certificate with terminal escapes and invalid
# UTF-8 in its subject, one with invalid UTF-8 in a subjectAltName, and key logs
# (issue 13, items 1-7; issue 14, JSON through jansson).
# Usage: interop/test-probe-server.sh BUILDDIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../ntske-probe/probe-testlib.sh"
probe_setup "$1"
probe_need certtool python3
SERVER=${PROBE_TEST_SERVER:-$1/ntske-probe/probe-test-server}
[ -x "$SERVER" ] || { echo "not ok - $SERVER is not built"; exit 1; }

nts_mkpki "$T/pki" || { echo "not ok - certtool PKI"; exit 1; }
PKI=$T/pki
# a certificate whose Extended Key Usage names only TLS clients
_nts_cert clientonly 'cn = "localhost"
dns_name = "localhost"
tls_www_client
signing_key
expiration_days = 30' ca.pem ca.key
# a subject with a terminal escape sequence and an octet that is not UTF-8
printf 'cn = "evil\033[31mred\377"\ndns_name = "localhost"\ntls_www_server\nsigning_key\nexpiration_days = 30\n' \
	> "$PKI/evil.tmpl"
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text --outfile "$PKI/evil.key" 2>/dev/null
certtool --generate-certificate --load-privkey "$PKI/evil.key" --load-ca-certificate "$PKI/ca.pem" \
	--load-ca-privkey "$PKI/ca.key" --template "$PKI/evil.tmpl" --no-text --outfile "$PKI/evil.pem" 2>/dev/null
[ -s "$PKI/clientonly.pem" ] && [ -s "$PKI/evil.pem" ] || { echo "not ok - certtool: extra certificates"; exit 1; }
# a subjectAltName DNS name that is not UTF-8 and holds a control octet, a
# quote and a backslash: certtool refuses to write one, so the extension's
# DER is written here (python3-cryptography, from ci/install-deps), under a
# CA of its own (cryptography cannot read certtool's EC keys)
python3 - "$PKI" <<'PY' || { echo "not ok - python3-cryptography: badsan certificate"; exit 1; }
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
pki = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def cert(subject, issuer, key, signer, exts):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=30)))
    for e, critical in exts:
        b = b.add_extension(e, critical)
    return b.sign(signer, hashes.SHA256())
def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def dns(n):   # [2] IMPLICIT IA5String, short form length
    return b"\x82" + bytes([len(n)]) + n
ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
ca = cert(name("badsan test CA"), name("badsan test CA"), ca_key, ca_key,
          [(x509.BasicConstraints(ca=True, path_length=None), True)])
names = dns(b"localhost") + dns(b'bad\xff\x01x\xc3"\\.example')
san = x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
                                 b"\x30" + bytes([len(names)]) + names)
leaf = cert(name("localhost"), ca.subject, key, ca_key, [(san, False)])
open(pki + "/badsan-ca.pem", "wb").write(ca.public_bytes(serialization.Encoding.PEM))
open(pki + "/badsan.pem", "wb").write(leaf.public_bytes(serialization.Encoding.PEM))
open(pki + "/badsan.key", "wb").write(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
PY
CA="--ca $PKI/ca.pem"

# serve MODE [LEAP STRATUM REFID] [CERTBASE]: sets KE to the server's NTS-KE port
serve() {
	local mode=$1 leap=${2:-0} stratum=${3:-1} refid=${4:-GPS} cert=${5:-server}
	KE=$(nts_free_port) NTPP=$(nts_free_port)
	"$SERVER" "$PKI/$cert.pem" "$PKI/$cert.key" "$KE" "$NTPP" "$mode" "$leap" "$stratum" "$refid" 60 \
		> "$T/server-$KE.log" 2>&1 &
	SPID=$!
	probe_track "$SPID"
	nts_wait_tcp "$KE" 10 || { echo "not ok - probe-test-server $mode did not start"; cat "$T/server-$KE.log"; exit 1; }
}
done_serving() { nts_stop "$SPID"; }

# 1. the server chose an AEAD it was not offered (RFC 8915 section 4.1.5)
serve aead15
probe_expect "AEAD not offered is a KE failure" 8 'ke: server chose AEAD 15, which was not offered \(offered 17\)' \
	-- $CA --aead 17 "localhost:$KE"
probe_grep "the result line carries the reason" '^result +FAILED in ke \(exit 8\): server chose AEAD 15, which was not offered'
probe_run $CA --aead 17,15 "localhost:$KE"
nts_check "AEAD 15 among those offered is fine" test "$RC" -eq 0
done_serving

# 2. authenticated replies from a server that is not synchronised
serve good 3 16 INIT
probe_expect "leap 3, stratum 16 is not synchronised (exit 12)" 12 'ntp: query 1: the server is not synchronised \(leap 3, stratum 16, refid INIT\)' \
	-- $CA "localhost:$KE"
probe_grep "stratum 16 refid printed as the kiss code" '^ +stratum 16, refid INIT, leap 3, .*NOT SYNCHRONISED'
probe_grep "distinct result line" '^result +NOT SYNCHRONISED \(exit 12\)'
probe_run $CA --nagios "localhost:$KE"
nts_check "--nagios WARNING (1) for an unsynchronised server: $(cat "$OUT")" test "$RC" -eq 1
probe_grep "--nagios says why" '^NTS WARNING - .*not synchronised'
probe_run $CA --nagios --crit-unsync "localhost:$KE"
nts_check "--nagios --crit-unsync CRITICAL (2)" test "$RC" -eq 2
probe_json "unsynchronised server" 12 $CA "localhost:$KE"
probe_py "json: synchronised false, refid INIT" 'j["ntp"]["queries"][0]["synchronised"] is False and j["ntp"]["queries"][0]["refid"]=="INIT" and j["exit_name"]=="unsynchronised"'
done_serving
serve good 0 0 RATE
probe_expect "stratum 0 (kiss code RATE) is not synchronised" 12 'refid RATE' -- $CA "localhost:$KE"
done_serving
serve good 0 2 192.0.2.1
probe_run $CA "localhost:$KE"
nts_check "control: leap 0, stratum 2 is synchronised (exit 0)" test "$RC" -eq 0
probe_grep "stratum 2 refid as an address" '^ +stratum 2, refid 192\.0\.2\.1, leap 0, '
done_serving

# 3 and 4. a build without AEAD 16 still tests KE with it; a Port record of 0
serve port0
probe_expect "Port record 0 is an invalid KE answer" 8 'ke: invalid response: Port record 0' -- $CA "localhost:$KE"
done_serving
serve good
probe_run $CA --aead 16,15 --ke-only "localhost:$KE"
nts_check "--aead 16,15 --ke-only works" test "$RC" -eq 0
probe_expect "--aead 16 without --ke-only is a usage error" 2 'usage: AEAD 16 .* is not available in this build' \
	-- $CA --aead 16 "localhost:$KE"

# 6. key logs: created 0600, an unwritable one is reported
probe_run $CA --ke-only --keylog "$T/tls.keys" "localhost:$KE"
nts_check "--keylog writes secrets" grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$T/tls.keys"
nts_check "--keylog file is mode 600 ($(stat -c %a "$T/tls.keys"))" test "$(stat -c %a "$T/tls.keys")" = 600
probe_expect "--keylog to an unwritable path fails (exit 11)" 11 "local: key log $T/no/such/dir/k: No such file" \
	-- $CA --ke-only --keylog "$T/no/such/dir/k" "localhost:$KE"
SSLKEYLOGFILE="$T/no/such/dir/k" probe_expect "an unwritable SSLKEYLOGFILE warns" 0 \
	"warning: SSLKEYLOGFILE $T/no/such/dir/k: No such file" -- $CA --ke-only "localhost:$KE"
done_serving

# 7. replies cut short or too large, and cookies before a broken record under --check
serve huge-header
probe_expect "a record announcing 65535 octets, then a close: truncated" 8 'ke: reply truncated' -- $CA "localhost:$KE"
done_serving
serve huge
probe_expect "a 65000-octet reply: reply too large" 8 'ke: reply too large: more than 16384 octets' -- $CA "localhost:$KE"
done_serving
serve cookies-bad
probe_run $CA --check --ke-only "localhost:$KE"
probe_grep "--check: cookies before a broken record count as accepted" '^check +ke\.no-aead +FAIL .*accepted: 8 cookies'
done_serving

# 5. certificates: key purpose, empty SNI, names from the server escaped
serve good 0 1 GPS clientonly
probe_expect "a clientAuth-only certificate fails verification" 6 \
	'tls: certificate verification failed for localhost: not for TLS servers' -- $CA "localhost:$KE"
done_serving
serve good 0 1 GPS evil
probe_run $CA --ke-only "localhost:$KE"
nts_check "escaped subject: exit 0" test "$RC" -eq 0
probe_grep "the subject's escape and bad octet are shown as \\xNN" '^cert 0 +subject CN=evil\\x1b\[31mred\\xff;'
nts_check "no raw control octet in the text output" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
sys.exit(1 if any(b < 0x20 and b != 0x0a or b >= 0x7f for b in data) else 0)' "$OUT"
probe_json "escaped subject" 0 $CA --ke-only "localhost:$KE"
nts_check "JSON is strict UTF-8 with U+FFFD for the bad octet" python3 -c '
import json, sys
j = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
sys.exit(0 if j["tls"]["chain"][0]["subject"] == "CN=evil\x1b[31mred\ufffd" else 1)' "$OUT"
probe_expect "--sni \"\" is refused" 2 'usage: --sni wants a name' -- $CA --sni "" "localhost:$KE"
done_serving
serve good 0 1 GPS badsan
probe_json "a subjectAltName that is not UTF-8" 0 --ca "$PKI/badsan-ca.pem" --ke-only "localhost:$KE"
nts_check "JSON keeps the name: U+FFFD for the bad octets, the rest escaped" python3 -c '
import json, sys
j = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
sys.exit(0 if j["tls"]["chain"][0]["sans"] == ["DNS:localhost", "DNS:bad\ufffd\x01x\ufffd\"\\.example"] else 1)' "$OUT"
done_serving

nts_done
