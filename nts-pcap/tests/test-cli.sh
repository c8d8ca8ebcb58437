#!/bin/sh
# make check: nts-pcap as a program on the stored captures: exit statuses and
# messages for bad options and key files, several key logs, "nothing found",
# and --json output valid against nts-pcap/json-schema.json (issue 13, 8-11).
set -u
b=${NTS_BUILDDIR:-.}
s=${NTS_SRCDIR:-$(dirname "$0")/../..}
np="$b/nts-pcap/nts-pcap"
tv="$s/testvectors/pcap"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
fail=0
t=$(mktemp -d /tmp/nts-pcap-cli.XXXXXX)
trap 'rm -rf "$t"' EXIT
# expect DESC CODE REGEX ARGS...: exit status CODE and REGEX in stdout+stderr
expect() {
	d=$1 code=$2 re=$3; shift 3
	out=$("$np" "$@" 2>&1); rc=$?
	if [ "$rc" -eq "$code" ] && printf '%s\n' "$out" | grep -Eq -- "$re"; then
		echo "ok - $d (exit $rc)"
	else
		echo "not ok - $d: exit $rc, wanted $code and /$re/:"; printf '%s\n' "$out" | sed 's/^/#   /'
		fail=1
	fi
}
expect "a capture with no NTP or NTS-KE says so" 3 \
	'no NTP or NTS-KE traffic found in 10 frames \(looked for NTP on UDP port 123 and NTS-KE on TCP port 4460' \
	"$tv/cases/nothing.pcap"
expect "frames cut before their payload: the snap length is named" 3 \
	'2 frames were cut by the snap length \(40\)' "$tv/cases/snaplen-headers.pcap"
expect "--timeout 0 says why" 2 '--timeout: give a number of seconds above 0' --timeout 0 "$tv/cases/late.pcap"
expect "--timeout abc says why" 2 '--timeout: .*got "abc"' --timeout abc "$tv/cases/late.pcap"
expect "--count 0 says why" 2 '--count: give a packet count' -c 0 -i lo
expect "--keylog of a directory is refused" 2 "--keylog $tv/cases: is a directory" \
	--keylog "$tv/cases" "$tv/cases/ports-ke.pcap"
expect "--keys of a directory is refused" 2 "--keys $tv/cases: is a directory" \
	--keys "$tv/cases" "$tv/cases/ports-ke.pcap"
expect "--keys of a file with no key set is refused" 2 'no key sets .*not an ntske-probe --export-keys file' \
	--keys "$tv/cases/keylog.txt" "$tv/cases/ports-ke.pcap"
expect "--keylog of a file that is not a key log: warning" 0 \
	'warning: --keylog .*keys.txt: 7 lines, none in the NSS key log format' \
	--keylog "$tv/findings/keys.txt" "$tv/cases/ports-ke.pcap"
expect "--keylog that unlocks no session: warning with the count" 0 \
	'warning: --keylog .*findings/keylog.txt unlocked 0 of 1 NTS-KE sessions' \
	--keylog "$tv/findings/keylog.txt" "$tv/cases/ports-ke.pcap"
expect "--keys that verify nothing: warning" 0 \
	'warning: --keys .*keys.txt: 0 of 1 key sets verified an authenticator' \
	--keys "$tv/findings/keys.txt" "$tv/real/chrony-chrony.pcap"
# two key logs, each for one of two captures: both sessions decrypt
out=$("$np" --stats --keylog "$tv/findings/keylog.txt" --keylog "$tv/cases/keylog.txt" \
	"$tv/findings/ke-critical-no.pcap" "$tv/cases/ports-ke.pcap" 2>&1)
if [ "$(printf '%s\n' "$out" | grep -c 'NTS-KE TLS1.3 .* ok (frame')" -eq 2 ] &&
   printf '%s\n' "$out" | grep -q 'findings/keylog.txt unlocked 1 of 2 NTS-KE sessions' &&
   printf '%s\n' "$out" | grep -q 'cases/keylog.txt unlocked 1 of 2 NTS-KE sessions'; then
	echo "ok - several --keylog: each unlocks its session, counts printed with --stats"
else
	echo "not ok - several --keylog:"; printf '%s\n' "$out" | sed 's/^/#   /'; fail=1
fi
# --json on every stored capture: valid against the schema, every type seen
for f in "$tv"/findings/*.pcap "$tv"/cases/*.pcap "$tv"/malformed.pcap; do
	"$np" --json -v --stats --keylog "$tv/findings/keylog.txt" --keylog "$tv/cases/keylog.txt" \
		--keys "$tv/findings/keys.txt" "$f" 2>/dev/null
done > "$t/all.jsonl"
"$np" --json -v --stats --keylog "$tv/real/chrony-chrony.keylog" "$tv/real/chrony-chrony.pcap" \
	>> "$t/all.jsonl" 2>/dev/null
v=$(python3 "$s/ci/validate-json.py" "$s/nts-pcap/json-schema.json" "$t/all.jsonl" \
	--want ntp,exchange,ke,malformed,truncated,stats)
if [ $? -eq 0 ]; then
	echo "ok - --json of every stored capture: $v"
else
	echo "not ok - --json against nts-pcap/json-schema.json:"; printf '%s\n' "$v" | sed 's/^/#   /'; fail=1
fi
# the validator itself notices an undocumented member and a wrong type
printf '%s\n' '{"type":"malformed","schema":"nts-pcap/1","frame":1,"time":"2026-01-01T00:00:00.000000Z","error":"x","extra":1}' \
	'{"type":"malformed","schema":"nts-pcap/1","frame":"1","time":"2026-01-01T00:00:00.000000Z","error":"x"}' > "$t/bad.jsonl"
v=$(python3 "$s/ci/validate-json.py" "$s/nts-pcap/json-schema.json" "$t/bad.jsonl")
if [ $? -eq 1 ] && printf '%s\n' "$v" | grep -q "member 'extra' is not in the schema" &&
   printf '%s\n' "$v" | grep -q '2:\$.frame: expected integer'; then
	echo "ok - the schema check rejects unknown members and wrong types"
else
	echo "not ok - the schema check accepted bad objects: $v"; fail=1
fi
# wire text that is not UTF-8, with a quote, a backslash, terminal escapes and
# a NUL (SNI; Server record of the decrypted response): strict UTF-8 JSON
# holding the text with '.' for each octet outside printable ASCII, as the
# text output shows it, and no raw control octet in the text output
"$np" --json --keylog "$tv/cases/keylog.txt" "$tv/cases/hostile-text.pcap" > "$t/hostile.json" 2>/dev/null
"$np" -v --keylog "$tv/cases/keylog.txt" "$tv/cases/hostile-text.pcap" > "$t/hostile.txt" 2>/dev/null
if python3 -c '
import json, sys
j = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
srv = [r["server"] for r in j["response"]["records"] if r["type"] == 6]
txt = open(sys.argv[2], "rb").read()
sys.exit(0 if j["sni"] == "evil..(\"\\.[31m" and srv == ["ntp.\"\\.[2J.(.example"] and
         not any(b < 0x20 and b != 0x0a or b >= 0x7f for b in txt) else 1)' "$t/hostile.json" "$t/hostile.txt"; then
	echo "ok - hostile wire text: JSON valid and holding it, text output without control octets"
else
	echo "not ok - hostile wire text:"; sed 's/^/#   /' "$t/hostile.json" "$t/hostile.txt"; fail=1
fi
exit $fail
