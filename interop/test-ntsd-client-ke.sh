#!/bin/bash
# ntsd's NTS client source (ntsd/ntsc.c, ke_client.c, libnts nts_assoc) on the
# scheduler against chronyd's and ntsd's NTS servers, through ntsc-try: KE log
# lines, 8 cookies, Port record, AEAD 17, restart without a new KE, server keys
# changed -> NAK -> re-KE, KE server down -> back-off, wrong CA / wrong name ->
# no time and one clear NTSc line, noval. Never touches the clock.
# Usage: interop/test-ntsd-client-ke.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
TRY=$BUILD/ntsd/ntsc-try
[ -x "$TRY" ] || { echo "skip: $TRY not built"; exit 77; }
[ -x "$CHRONYD" ] || { echo "skip: chronyd not unpacked at $CHRONYD"; exit 77; }
CA=$T/pki/ca.pem

# try NAME ARGS...: run ntsc-try, output in $T/NAME.out (stdout and log), exit code in RC
try() {
	local name=$1; shift
	OUT=$T/$name.out
	timeout -k 5 60 "$TRY" "$@" > "$OUT" 2>&1
	RC=$?
}
has() { grep -Eq "$1" "$OUT"; }
# best_offset_ok N: N authentic answers, and the one with the least delay
# (as a clock filter picks it; the machine is busy) is within 1 ms, or within
# half its delay: on one clock the offset error is the path asymmetry, which
# RFC 5905 bounds by delay/2 (a loaded machine can delay every answer by ms)
best_offset_ok() {
	awk -v want="$1" '/^answer [0-9]+: authentic/ { n++; o = $7 + 0; d = $10 + 0
		if (n == 1 || d < bd) { bd = d; bo = o } }
		END { if (bo < 0) bo = -bo; exit !(n == want && (bo < 0.001 || bo <= bd / 2)) }' "$OUT"
}

# ---- chronyd
CNTP=$(nts_free_port) CKE=$(nts_free_port)
chrony_server_start "$T/chrony" "$CNTP" "$CKE" "$T/pki/server.pem" "$T/pki/server.key" ||
	{ echo "not ok - chronyd did not start"; exit 1; }
mkdir -p "$T/state"
try first -c "$CA" -s "$T/state" -n 3 -i 0.3 -t 15 "localhost:$CKE"
nts_check "KE and 3 authentic answers from chronyd" test "$RC" -eq 0
nts_check "NTSc: DNS lookup time logged" has '^NTSc: DNS lookup of localhost took [0-9.]+ sec$'
nts_check "NTSc: TLS version and cipher logged" has '^NTSc: Using TLS1\.3, '
nts_check "NTSc: certificate subject and issuer logged" \
	bash -c "grep -q '^NTSc: certificate subject name: CN=localhost' '$OUT' && grep -q '^NTSc: certificate issuer name: CN=NTS toolkit test CA' '$OUT'"
nts_check "NTSc: certificate validity logged" has '^NTSc: certificate valid from .* until '
nts_check "NTSc: Got 8 cookies, length 100, aead=15." has '^NTSc: Got 8 cookies, length 100, aead=15\.$'
nts_check "NTSc: NTS-KE req to localhost took N sec, OK" has '^NTSc: NTS-KE req to localhost took [0-9.]+ sec, OK$'
nts_check "chronyd's Port record honoured" has "^NTSc: NTP server from the KE response: localhost:$CNTP\$"
nts_check "jar back at 8 cookies after the answers" has '^status: cookies 8, aead 15, naks 0'
nts_check "offset of the best (least delay) answer under 1 ms" best_offset_ok 3
nts_check "counters: 3 sends, 3 good, 1 KE probe good" has '^counters: sends 3, recvs good 3, recvs bad 0, ke good 1, ke bad 0$'
SF=$(ls "$T"/state/ntsc-localhost-"$CKE".state 2>/dev/null)
nts_check "state file written, mode 0600" test -n "$SF" -a "$(stat -c %a "$SF" 2>/dev/null)" = 600

try restart -c "$CA" -s "$T/state" -n 2 -i 0.3 -t 10 "localhost:$CKE"
nts_check "restart: answers on restored cookies" test "$RC" -eq 0
nts_check "restart: state restored from the file" has '^NTSc: localhost: restored [0-9]+ cookies and keys \(aead=15\)'
nts_check "restart: no new NTS-KE" bash -c "! grep -q 'NTS-KE req to' '$OUT' && grep -q 'ke good 0, ke bad 0' '$OUT'"

# a state file others can read is not used
chmod 644 "$SF" 2>/dev/null
try openstate -c "$CA" -s "$T/state" -n 1 -i 0.3 -t 10 "localhost:$CKE"
nts_check "state file readable by others: refused, NTS-KE instead" \
	bash -c "grep -q 'readable by others' '$OUT' && grep -q 'NTS-KE req to localhost took' '$OUT' && [ $RC -eq 0 ]"

# chronyd 4.3 has AEAD 15 only: offering just 17 fails clearly
try aead17 -c "$CA" -a 17 -n 1 -i 0.3 -t 3 "localhost:$CKE"
nts_check "only AEAD 17 offered to chronyd 4.3: clear failure" \
	bash -c "[ $RC -ne 0 ] && grep -q 'failed after .*: bad response: NTS-KE no supported AEAD algorithm; next try in 2 s' '$OUT'"

# chronyd restarted with new cookie keys: the saved cookies get NAKs
nts_stop "$CHRONY_PID"; CHRONY_PID=""
rm -rf "$T/chrony/ntsdump"
chrony_server_start "$T/chrony" "$CNTP" "$CKE" "$T/pki/server.pem" "$T/pki/server.key" ||
	{ echo "not ok - chronyd did not restart"; exit 1; }
try nak -c "$CA" -s "$T/state" -n 2 -i 0.3 -t 20 "localhost:$CKE"
nts_check "new server keys: NTS NAK seen" has '^answer: NTS NAK$'
nts_check "NAK alone does not start NTS-KE; the next silent poll does" \
	has '^NTSc: NTS-KE with localhost:[0-9]+: NTS NAK and no authentic answer since$'
nts_check "re-KE after the NAKs, then authentic answers" \
	bash -c "[ $RC -eq 0 ] && grep -q 'NTS-KE req to localhost took' '$OUT'"
nts_check "NAKs counted in the status" has '^status: cookies [0-9]+, aead 15, naks [1-9]'

# wrong CA: no time, one clear line
try wrongca -c "$T/pki/otherca.pem" -n 1 -i 0.3 -t 4 "localhost:$CKE"
nts_check "unknown CA: no answer used" bash -c "[ $RC -ne 0 ] && ! grep -q authentic '$OUT' && grep -q 'sends 0,' '$OUT'"
nts_check "unknown CA: NTSc line names the cause" \
	has '^NTSc: NTS-KE req to localhost:[0-9]+ failed .*certificate verification failed for localhost: .*(issuer|signer)'

# wrong name: a server whose certificate names other.invalid
WNTP=$(nts_free_port) WKE=$(nts_free_port)
CHRONY_MAIN=$CHRONY_PID
chrony_server_start "$T/chrony-wrong" "$WNTP" "$WKE" "$T/pki/wrongname.pem" "$T/pki/wrongname.key" ||
	{ echo "not ok - second chronyd did not start"; exit 1; }
CHRONY_WRONG=$CHRONY_PID
CHRONY_PID="$CHRONY_MAIN $CHRONY_WRONG"
try wrongname -c "$CA" -n 1 -i 0.3 -t 4 "localhost:$WKE"
nts_check "wrong name: no answer used" bash -c "[ $RC -ne 0 ] && ! grep -q authentic '$OUT'"
nts_check "wrong name: NTSc line names the cause" \
	has '^NTSc: NTS-KE req to localhost:[0-9]+ failed .*certificate verification failed for localhost: .*name'
try noval -c "$CA" -k -n 1 -i 0.3 -t 10 "localhost:$WKE"
nts_check "noval: works, with a loud warning" \
	bash -c "[ $RC -eq 0 ] && grep -q \"'noval'\" '$OUT' && grep -q 'NOT VERIFIED (noval): it would have been: .*name' '$OUT'"

# KE server down: back-off doubling, one line per failure
DOWN=$(nts_free_port)
try down -c "$CA" -n 1 -i 0.5 -t 7.5 "localhost:$DOWN"
nts_check "KE down: no requests sent" bash -c "[ $RC -ne 0 ] && grep -q 'sends 0,' '$OUT'"
nts_check "KE down: clear NTSc line" has "^NTSc: NTS-KE req to localhost:$DOWN failed after [0-9.]+ sec: connect to 127\.0\.0\.1:$DOWN: Connection refused; next try in 2 s\$"
nts_check "KE down: back-off doubles (tries at 0, 2, 6 s; next in 2, 4, 8 s)" \
	bash -c "grep -q 'next try in 4 s' '$OUT' && grep -q 'next try in 8 s' '$OUT' && [ \$(grep -c 'failed after' '$OUT') -eq 3 ]"

# ---- ntsd as the NTS server
ntsd_conf "$T/srv"
ntsd_start "$T/srv" || { echo "not ok - ntsd did not start"; exit 1; }
mkdir -p "$T/state2"
try ntsd -c "$CA" -s "$T/state2" -n 3 -i 0.3 -t 15 "localhost:$KE_PORT"
nts_check "against ntsd: 3 authentic answers, 8 cookies" \
	bash -c "[ $RC -eq 0 ] && grep -q '^status: cookies 8, aead 15' '$OUT' && grep -q '^NTSc: Got 8 cookies, length [0-9]*, aead=15\.$' '$OUT'"
nts_check "against ntsd: offset of the best answer under 1 ms" best_offset_ok 3
try ntsd17 -c "$CA" -a 17 -n 2 -i 0.3 -t 10 "localhost:$KE_PORT"
nts_check "AEAD 17 when configured (ntsd)" \
	bash -c "[ $RC -eq 0 ] && grep -q '^NTSc: Got 8 cookies, length [0-9]*, aead=17\.$' '$OUT' && grep -q '^status: cookies 8, aead 17' '$OUT'"
# restart ntsd with a new cookie key file: NAK, re-KE, recovery
nts_stop "$NTSD_PID"; NTSD_PID=""
rm -f "$T/srv/nts-keys"
ntsd_start "$T/srv" || { echo "not ok - ntsd did not restart"; exit 1; }
try ntsdnak -c "$CA" -s "$T/state2" -n 2 -i 0.3 -t 20 "localhost:$KE_PORT"
nts_check "ntsd with new keys: NAK, re-KE, recovery" \
	bash -c "[ $RC -eq 0 ] && grep -q '^answer: NTS NAK$' '$OUT' && grep -q 'NTS NAK and no authentic answer since' '$OUT' && grep -q 'NTS-KE req to localhost took' '$OUT'"
nts_done
