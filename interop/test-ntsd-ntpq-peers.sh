#!/bin/bash
# NTPsec's ntpq and ntsmon against ntsd's mode 6 responder with published
# sources (ntsd/test_m6serve: the daemon's ntsd_mode6_answer() over fixture
# sources, until the client side publishes real ones): ntpq -p shows the
# tally characters and the cookie count in 't', -c as the conditions,
# rv ASSOCID the NTS variables. ntpq only talks to udp/123: a private network
# namespace. Usage: test-ntsd-ntpq-peers.sh BUILDDIR
. "$(dirname "$0")/lib.sh"
BUILD=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
SRV=$BUILD/ntsd/test_m6serve
MON=$BUILD/ntsmon/ntsmon
[ -x "$SRV" ] || { echo "skip: $SRV not built"; exit 77; }
command -v ntpq >/dev/null || { echo "skip: ntpq (ntpsec) not installed"; exit 77; }
unshare --net true 2>/dev/null || { echo "skip: cannot unshare a network namespace"; exit 77; }
T=$(mktemp -d /tmp/ntsd-m6.XXXXXX)
trap 'rm -rf "$T"' EXIT
cat > "$T/inside.sh" <<'SH'
set -u
ip link set lo up
"$SRV" 127.0.0.1 123 30 &
pid=$!
for i in $(seq 1 20); do ntpq -c "rv 0 stratum" 127.0.0.1 2>/dev/null | grep -q stratum && break; sleep 0.2; done
ntpq -n -p 127.0.0.1 > "$T/p.out" 2>&1
ntpq -c as 127.0.0.1 > "$T/as.out" 2>&1
ntpq -c "rv 40001" 127.0.0.1 > "$T/rv.out" 2>&1
ntpq -c "rv 40009" 127.0.0.1 > "$T/badassoc.out" 2>&1
[ -x "$MON" ] && "$MON" --once 127.0.0.1 > "$T/mon.out" 2>&1
kill "$pid"
wait "$pid"
SH
SRV=$SRV MON=$MON T=$T timeout 60 unshare --net bash "$T/inside.sh"
sed 's/^/# /' "$T/p.out" "$T/as.out"
nts_check "ntpq -p: the NTS sys peer with '*' and 7 cookies in t" grep -Eq '^\*192\.0\.2\.10 +\.GPS\. +1 7 ' "$T/p.out"
nts_check "ntpq -p: a candidate with '+' and type u" grep -Eq '^\+192\.0\.2\.11 +192\.0\.2\.99 +2 u ' "$T/p.out"
nts_check "ntpq -p: a falseticker with 'x' (IPv6 address)" grep -Eq '^x2001:db8::12 ' "$T/p.out"
nts_check "ntpq -p: delay and offset in ms" grep -Eq '^\*.* 377 +12\.3000? +-0\.5120? ' "$T/p.out"
nts_check "ntpq -c as: three associations, sys.peer/candidate/falsetick" \
	test "$(grep -cE '(sys\.peer|candidate|falsetick)' "$T/as.out")" = 3
nts_check "ntpq -c as: the NTS peer is authenticated" grep -Eq '40001 +f600 +yes +yes +ok +sys\.peer' "$T/as.out"
nts_check "ntpq -c 'rv 40001': NTS variables" grep -q 'ntscookies=7, ntske_age=3600, ntsaead=15' "$T/rv.out"
nts_check "ntpq -c 'rv 40009': not in READSTAT's list, so ntpq refuses it" grep -qi 'unknown associd' "$T/badassoc.out"
if [ -x "$MON" ]; then
	sed 's/^/# /' "$T/mon.out" | head -n 6
	nts_check "ntsmon --once: host name, tally, cookies and NTS columns" \
		grep -Eq '^\*nts\.example\.net +GPS +1 7 +5s +64 +377 .* 60m +15 +0 +42d' "$T/mon.out"
fi
nts_done
