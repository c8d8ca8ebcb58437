#!/bin/bash
# ntsd's control socket: `ntsd -Q SOCKET --json` gives the status report
# valid against ntsd/ntsd-status.schema.json (key ring, certificate, KE
# failures by reason); silent clients do not stall the main loop (issue 13
# item 17). Usage: test-ntsd-control.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
SRC=$(cd "$(dirname "$0")/.." && pwd)
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema missing"; exit 77; }

D=$T/srv
ntsd_conf "$D"
ntsd_start "$D" || exit 1

# a TLS handshake that fails (plain text on the KE port) and one good KE
python3 - "$KE_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"GET / HTTP/1.0\r\n\r\n" * 4)
try:
    s.recv(100)
except OSError:
    pass
s.close()
PY
PROBE=$BUILD/ntske-probe/ntske-probe
[ -x "$PROBE" ] && "$PROBE" --ca "$T/pki/ca.pem" --ke-only "localhost:$KE_PORT" > "$T/probe.out" 2>&1
# both sessions are counted once ntsd closed them
ke_counted() {
	[ "$(ntsd_counter "$D" "NTS KE serves bad")" -ge 1 ] &&
		{ [ ! -x "$PROBE" ] || [ "$(ntsd_counter "$D" "NTS KE serves good")" -ge 1 ]; }
}
wait_for 5 ke_counted

"$NTSD" -Q "$D/ctl.sock" --json > "$T/status.json"
nts_check "-Q --json: one JSON document valid against the schema" python3 - "$T/status.json" "$SRC/ntsd/ntsd-status.schema.json" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
jq() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/status.json" "$1"; }
nts_check "--json: key ring has a current key with an 8-digit id" test "$(jq 'len([k for k in d["key_ring"]["keys"] if k["current"] and len(k["id"]) == 8])')" = 1
nts_check "--json: certificate days left positive (certificate read from its file)" \
	python3 -c 'import sys; v=float(sys.argv[1]); sys.exit(not 0 < v <= 400)' "$(jq 'd["certificate"]["days_left"]')"
nts_check "--json: the failed handshake counted under tls_handshake" test "$(jq 'd["ke_failures"]["tls_handshake"]')" -ge 1
if [ -x "$PROBE" ]; then
	nts_check "--json: the good KE counted" test "$(jq 'd["counters"]["nts_ke_serves_good"]')" -ge 1
fi
nts_check "--json: no key material in the report" bash -c "! grep -Eq '[0-9a-f]{32}' '$T/status.json'"
nts_check "-Q SOCKET json (command form) gives the same schema" bash -c "'$NTSD' -Q '$D/ctl.sock' json | grep -q '\"schema\":\"ntsd-status/1\"'"
out=$("$NTSD" -Q "$D/ctl.sock" --json keys 2>&1); rc=$?
nts_check "--json with a command is a usage error" test "$rc" = 2

# silent clients: 12 connections that never write; a query behind them is
# answered at once (the old loop spent 200 ms on each, in turn)
secs=$(python3 - "$D/ctl.sock" "$NTSD" <<'PY'
import socket, subprocess, sys, time
held = []
for i in range(12):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    held.append(s)
t = time.monotonic()
subprocess.run([sys.argv[2], "-Q", sys.argv[1], "counters"], stdout=subprocess.DEVNULL, timeout=20)
print("%.3f" % (time.monotonic() - t))
PY
)
nts_log "query behind 12 silent clients took $secs s"
nts_check "silent control clients do not delay other queries (${secs}s < 0.5s)" \
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < 0.5)' "${secs:-99}"
# a client that connects and never reads its answer is dropped, and ntsd lives
python3 - "$D/ctl.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.connect(sys.argv[1])
s.sendall(b"json\n")
PY
nts_check "ntsd still answers after a client that never read" bash -c "'$NTSD' -Q '$D/ctl.sock' counters | grep -q 'NTS KE serves good'"
nts_done
