#!/bin/bash
# ntsd as a time client (-x: never touches the clock): a plain `server` of
# chronyd is selected; ntsd's own NTP server then answers with stratum =
# source + 1, the source's refid and real root delay/dispersion; with no
# reachable source it says leap 3 / stratum 16, or the `local` fallback;
# server-line errors are FILE:LINE. Usage: test-ntsd-client.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

[ -x "$CHRONYD" ] || { echo "skip: chronyd missing"; exit 77; }

# ntp_vars PORT: "leap=L stratum=S refid=HEX rootdelay=SEC rootdisp=SEC" of one answer
ntp_vars() {
	python3 - "$1" <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
xmt = os.urandom(8)
s.sendto(bytes([(4 << 3) | 3]) + bytes(39) + xmt, ("127.0.0.1", int(sys.argv[1])))
d, _ = s.recvfrom(2048)
if len(d) < 48 or d[24:32] != xmt:
    sys.exit("bad answer")
rd, rdisp = struct.unpack("!II", d[4:12])
print("leap=%d stratum=%d refid=%s rootdelay=%.6f rootdisp=%.6f" %
      (d[0] >> 6, d[1], d[12:16].hex(), rd / 65536.0, rdisp / 65536.0))
PY
}

# ---- configuration errors
C=$T/cli
mkdir -p "$C"
cat > "$C/bad.conf" <<'EOF2'
server 192.0.2.1 iburst frobnicate
server 192.0.2.1 minpoll 3 maxpoll 2
server 192.0.2.1 ca /etc/ssl/ca.pem
tinker step fast
server
pool 192.0.2.2 prefer
EOF2
out=$("$NTSD" -n -c "$C/bad.conf" 2>&1)
for l in 1 2 3 4 5 6; do
	nts_check "-n names $C/bad.conf:$l" grep -q "^$C/bad.conf:$l: " <<<"$out"
done
cat > "$C/good.conf" <<'EOF2'
server 192.0.2.1 iburst minpoll 4 maxpoll 8 prefer
server [2001:db8::1]:1123 noselect
pool pool.example.org iburst
driftfile /tmp/none.drift
tinker step 0.5 panic 0
EOF2
out=$("$NTSD" -n -c "$C/good.conf" 2>&1)
nts_check "-n accepts server, pool, driftfile and tinker lines" test "$out" = "configuration OK"

# ---- an upstream: chronyd serving its local clock at stratum 1
UP_NTP=$(nts_free_port)
UP_KE=$(nts_free_port)
mkdir -p "$T/up"
cp -r "$T/pki" "$T/up/pki"
chrony_server_start "$T/up" "$UP_NTP" "$UP_KE" || { nts_notok "chronyd upstream starts"; nts_done; exit 1; }
nts_check "chronyd upstream answers" wait_for 10 ntp_vars "$UP_NTP"

# ---- ntsd -x as its client, serving on CLI_NTP
CLI_NTP=$(nts_free_port)
cat > "$C/ntsd.conf" <<EOF2
listen ntp 127.0.0.1:$CLI_NTP
server 127.0.0.1:$UP_NTP iburst minpoll 0 maxpoll 1
driftfile $C/drift
pidfile $C/ntsd.pid
EOF2
"$NTSD" -d -x -c "$C/ntsd.conf" > "$C/ntsd.log" 2>&1 &
NTSD_PID=$!
nts_check "client selects the chronyd source" wait_for 10 grep -q "NTSc: selected 127.0.0.1 (stratum 1)" "$C/ntsd.log"
nts_check "log: -x announced" grep -q "NTSc: -x: the clock is measured, never adjusted" "$C/ntsd.log"
v=$(ntp_vars "$CLI_NTP")
nts_check "synchronised answer: leap 0, stratum 2, refid 127.0.0.1 ($v)" \
	grep -q "^leap=0 stratum=2 refid=7f000001 " <<<"$v"
rd=$(sed -n 's/.*rootdelay=\([0-9.]*\).*/\1/p' <<<"$v")
nts_check "root delay includes the path to the source ($rd)" python3 -c "import sys; sys.exit(not (0 < float('$rd') < 0.1))"
nts_check "no step or frequency change logged under -x" bash -c "! grep -q 'stepping the clock' '$C/ntsd.log'"
nts_stop "$NTSD_PID"
NTSD_PID=""
nts_check "-x writes no driftfile" test ! -e "$C/drift"

# ---- the same upstream over NTS (chronyd's NTS-KE on UP_KE)
cat > "$C/nts.conf" <<EOF2
threads 0
server localhost:$UP_KE nts ca $T/pki/ca.pem iburst minpoll 0 maxpoll 1
EOF2
"$NTSD" -d -x -c "$C/nts.conf" > "$C/nts.log" 2>&1 &
NTSD_PID=$!
nts_check "NTS source selected" wait_for 15 grep -q "NTSc: selected localhost (stratum 1)" "$C/nts.log"
nts_check "log: NTS-KE with chronyd succeeded" grep -q "NTSc: NTS-KE req to localhost" "$C/nts.log"
nts_stop "$NTSD_PID"
NTSD_PID=""

# ---- unreachable source: unsynchronised, or the local fallback
DEAD=$(nts_free_port)
for mode in plain local; do
	P=$(nts_free_port)
	{
		echo "listen ntp 127.0.0.1:$P"
		echo "server 127.0.0.1:$DEAD iburst minpoll 0 maxpoll 1"
		[ $mode = local ] && echo "local stratum 7"
	} > "$C/$mode.conf"
	"$NTSD" -d -x -c "$C/$mode.conf" > "$C/$mode.log" 2>&1 &
	NTSD_PID=$!
	wait_for 5 ntp_vars "$P"
	sleep 2
	v=$(ntp_vars "$P")
	if [ $mode = plain ]; then
		nts_check "no source, no local: leap 3, stratum 16 ($v)" grep -q "^leap=3 stratum=16 " <<<"$v"
	else
		nts_check "no source: the local stratum 7 fallback ($v)" grep -q "^leap=0 stratum=7 " <<<"$v"
	fi
	nts_stop "$NTSD_PID"
	NTSD_PID=""
done
nts_done
