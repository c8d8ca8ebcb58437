#!/bin/bash
# make check: nts-fuzz's network modes against its own hostile server on
# loopback (a few seconds), and the loopback-only rule for targets.
set -u
B=${NTS_BUILDDIR:?}/nts-fuzz/nts-fuzz
SRC=${NTS_SRCDIR:?}
. "$SRC/interop/lib.sh"
command -v certtool >/dev/null || { echo "skip: certtool missing"; exit 77; }
T=$(mktemp -d /tmp/nts-fuzz-selftest.XXXXXX)
SP=""
trap 'nts_stop "$SP"; rm -rf "$T"' EXIT
nts_mkpki "$T/pki" >/dev/null 2>&1 || { echo "skip: no PKI"; exit 77; }

# targets off loopback are refused before any packet is sent
for t in 192.0.2.1:4460 10.0.0.1:123 [2001:db8::1]:4460 example.com:4460; do
	out=$("$B" net --target "$t" --proto ke --duration 1 2>&1)
	nts_check "refuses $t" test $? -eq 2 -a -n "$(grep -E 'refusing|not an address' <<<"$out")"
done

KP=$(nts_free_port); NP=$(nts_free_port)
"$B" serve --ke-port "$KP" --ntp-port "$NP" --cert "$T/pki/server-chain.pem" --key "$T/pki/server.key" \
	--duration 20 --seed 1 --rate 0 > "$T/serve.out" 2>&1 &
SP=$!
nts_wait_tcp "$KP" 5 || { nts_notok "serve listens"; nts_done; exit 1; }

"$B" net --target "127.0.0.1:$KP" --proto ntp --duration 2 --seed 5 --findings "$T/f" > "$T/ntp.out" 2>&1
rc=$?
cat "$T/ntp.out" | sed 's/^/# /'
nts_check "net ntp: no finding against a valid server" test "$rc" -eq 0
nts_check "net ntp: some requests authenticated" grep -qE '^ +reply +[1-9]' "$T/ntp.out"
nts_check "net ntp: broken requests dropped" grep -qE '^ +drop +[1-9]' "$T/ntp.out"

"$B" net --target "127.0.0.1:$KP" --proto ke --duration 2 --max-cases 10 --burst 10 --timeout 500 \
	--seed 5 --findings "$T/f" > "$T/ke.out" 2>&1
rc=$?
cat "$T/ke.out" | sed 's/^/# /'
nts_check "net ke: no finding against a valid server" test "$rc" -eq 0
nts_check "net ke: ran cases" grep -qE '^  cases [1-9]' "$T/ke.out"

# the same seed gives the same cases
"$B" net --target "127.0.0.1:$KP" --proto ntp --duration 2 --max-cases 100 --burst 100 --seed 9 -v > "$T/a.out" 2>&1
"$B" net --target "127.0.0.1:$KP" --proto ntp --duration 2 --max-cases 100 --burst 100 --seed 9 -v > "$T/b.out" 2>&1
nts_check "a seed reproduces its cases" cmp -s <(grep '^case ' "$T/a.out" | cut -d: -f1-2) <(grep '^case ' "$T/b.out" | cut -d: -f1-2)
nts_done
