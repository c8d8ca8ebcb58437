#!/bin/sh
# make check: ntske-probe without any peer (loopback only, no DNS): usage errors,
# a name with no address of the family, a closed port, and --json output for
# each failure valid against json-schema.json with the documented exit code.
set -u
b=${NTS_BUILDDIR:-.}
s=${NTS_SRCDIR:-$(dirname "$0")/..}
probe="$b/ntske-probe/ntske-probe"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
fail=0
expect() { # DESC CODE REGEX ARGS...
	d=$1 code=$2 re=$3; shift 3
	err=$("$probe" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" -eq "$code" ] && printf '%s\n' "$err" | grep -Eq -- "$re"; then
		echo "ok - $d (exit $rc)"
	else
		echo "not ok - $d: exit $rc, wanted $code and /$re/: $err"; fail=1
	fi
}
json() { # DESC CODE ARGS...
	d=$1 code=$2; shift 2
	out=$("$probe" --json "$@" 2>/dev/null); rc=$?
	v=$(printf '%s\n' "$out" | python3 "$s/ci/validate-json.py" "$s/ntske-probe/json-schema.json")
	if [ "$rc" -eq "$code" ] && [ "${v#valid}" != "$v" ] &&
	   printf '%s\n' "$out" | grep -q "\"exit_code\":$code,"; then
		echo "ok - $d: JSON valid (exit $rc)"
	else
		echo "not ok - $d: exit $rc (want $code): $v"; fail=1
	fi
}
stdout() { # DESC CODE REGEX ARGS...: exit status and standard output
	d=$1 code=$2 re=$3; shift 3
	out=$("$probe" "$@" 2>/dev/null); rc=$?
	if [ "$rc" -eq "$code" ] && printf '%s\n' "$out" | grep -Eq -- "$re"; then
		echo "ok - $d (exit $rc)"
	else
		echo "not ok - $d: exit $rc, wanted $code and /$re/ in: $out"; fail=1
	fi
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect "no host" 2 'usage: give exactly one HOST' --count 2
expect "bad port" 2 'usage: bad port "70000" in "127.0.0.1:70000"' 127.0.0.1:70000
expect "port out of range" 2 'usage: bad port "99999"' localhost:99999
expect "port not a number" 2 'usage: bad port "abc"' localhost:abc
expect "--json with --nagios" 2 'usage: --json and --nagios exclude each other' --json --nagios localhost
expect "-4 with -6" 2 'usage: -4 and -6 exclude each other' -4 -6 localhost
expect "empty --sni" 2 'usage: --sni wants a name' --sni "" localhost
expect "AEAD this build lacks" 2 'usage: AEAD 16 .*add --ke-only' --aead 16 localhost
stdout "closed port: the connect line says it failed" 4 "^connect +FAILED: 127\.0\.0\.1 port $port: Connection refused" --timeout 2 "127.0.0.1:$port"
stdout "closed port: the result line carries the reason" 4 "^result +FAILED in connect \(exit 4\): 127\.0\.0\.1 port $port: Connection refused" --timeout 2 "127.0.0.1:$port"
stdout "--help: one-line description" 0 '^ntske-probe: probe an NTS server' --help
stdout "--help: exit codes" 0 '^exit status: 0 ok, 1 check failures, 2 usage' --help
stdout "--help: points to the manual" 0 '^see ntske-probe\(1\)' --help
expect "draft port 1234 hint when resolution fails" 3 'hint: port 1234 comes from the NTS drafts' -6 127.0.0.1:1234
expect "bad --timeout" 2 'bad value "x" for --timeout' --timeout x 127.0.0.1
expect "IPv4 literal with -6" 3 'resolve: 127\.0\.0\.1: ' -6 127.0.0.1
expect "closed port" 4 "connect: 127\.0\.0\.1 port $port: Connection refused" --timeout 2 "127.0.0.1:$port"
expect "closed port hint" 4 'hint: the standard NTS-KE port is 4460' --timeout 2 "127.0.0.1:$port"
expect "draft port 1234 hint" 4 'hint: port 1234 comes from the NTS drafts' --timeout 2 127.0.0.1:1234
expect "missing CA file" 11 'local: trust anchors: /nonexistent/ca.pem: ' --ca /nonexistent/ca.pem 127.0.0.1
json "closed port" 4 --timeout 2 "127.0.0.1:$port"
json "resolve failure" 3 -6 127.0.0.1
json "missing CA file" 11 --ca /nonexistent/ca.pem 127.0.0.1
"$probe" --nagios --timeout 2 "127.0.0.1:$port" >/dev/null 2>&1
rc=$?; [ $rc -eq 2 ] && echo "ok - --nagios CRITICAL for a closed port" || { echo "not ok - --nagios gave $rc"; fail=1; }
"$probe" --help >/dev/null 2>&1 && echo "ok - --help exits 0" || { echo "not ok - --help"; fail=1; }
exit $fail
