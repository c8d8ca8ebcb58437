#!/bin/bash
# ntsmon in tmux against a live ntsd (control socket) and a live NTPsec
# ntpd that is an NTS client of that ntsd (mode 6): the screen shows
# NTPsec's cookie count, counters move, the keys do what the help says,
# resizing to 60x20 and back does not hurt, a target that dies is shown
# as down. Then --once and --json (valid against ntsmon.schema.json).
# NTPsec's ports are fixed, so everything runs in a private network
# namespace. Usage: test-ntsmon.sh BUILDDIR
if [ -z "${NTSMON_IN_NETNS:-}" ]; then
	command -v unshare >/dev/null && unshare --net true 2>/dev/null ||
		{ echo "skip: cannot unshare a network namespace"; exit 77; }
	NTSMON_IN_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
SRC=$(cd "$(dirname "$0")/.." && pwd)
MON=$BUILD/ntsmon/ntsmon
PROBE=$BUILD/ntske-probe/ntske-probe
[ -x "$MON" ] || { echo "skip: $MON not built"; exit 77; }
for tool in tmux ntpd ntpq; do
	command -v "$tool" >/dev/null || { echo "skip: $tool missing"; exit 77; }
done
TMUX_SOCK=ntsmon-test-$$
_mon_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	_ntsd_cleanup
}
trap _mon_cleanup EXIT

D=$T/srv
NTP_PORT=$(nts_free_port)
KE_PORT=$(nts_free_port)
ntsd_conf "$D" "listen ntp [::1]:$NTP_PORT" "listen nts-ke [::1]:$KE_PORT"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
ntpsec_client_start "$T/ntpsec" localhost "$KE_PORT" "$T/pki/ca.pem" || nts_notok "NTPsec client starts"
selected() { ntpq -p 127.0.0.1 2>/dev/null | grep -q '^\*'; }
nts_check "NTPsec selects ntsd" wait_for 60 selected
ntpq -p 127.0.0.1 2>&1 | sed 's/^/# ntpq: /'
cookies=$(ntpq -p 127.0.0.1 2>/dev/null | awk '/^\*/ { print $4 }')

screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t mon; }
keys() { tmux -L "$TMUX_SOCK" send-keys -t mon "$@"; sleep 0.6; }
# shows PATTERN [SECS]: wait until the pane shows the extended regex
shows() {
	local i
	for i in $(seq 1 $((${2:-5} * 4))); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.25
	done
	screen | sed 's/^/# screen: /'
	return 1
}

tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s mon -x 100 -y 30 \
	"LANG=C.UTF-8 TERM=xterm-256color '$MON' '$D/ctl.sock' 127.0.0.1; echo ntsmon-exited \$?; sleep 30"
nts_check "starts on the ntsd target, sources page" shows "\[1/2\] ntsd $D/ctl.sock +sources"
nts_check "ntsd's system line (stratum 1, refid LOCL)" shows "ntsd [0-9.]+ +stratum 1 +refid LOCL"
keys v
nts_check "v: server page with counters and rates" shows "KE good +[1-9][0-9]* "
nts_check "server page: cookie key ring with the current key" shows "cookie key ring: [0-9]+ key"
nts_check "server page: certificate days left" shows "certificate: [0-9.]+ days left"
nts_check "server page: KE failures by reason" shows "tls_handshake [0-9]+"
before=$(screen | awk '/NTS requests good/ { print $4 }')
if [ -x "$PROBE" ]; then
	"$PROBE" --ca "$T/pki/ca.pem" --count 6 --interval 0.2 "localhost:$KE_PORT" > "$T/probe.out" 2>&1
fi
sleep 2.5
after=$(screen | awk '/NTS requests good/ { print $4 }')
nts_check "counters move (NTS requests good $before -> $after)" test "${after:-0}" -gt "${before:-0}"
nts_check "a rate per second is shown" shows "NTS requests good +[0-9]+ +[0-9]+\.[0-9]"
screen > "$T/screen-server.txt"   # samples for doc/ntsmon.md (KEEP=1)
keys Tab
nts_check "Tab: the NTPsec target over mode 6" shows "\[2/2\] 127\.0\.0\.1 \(mode 6\)"
keys v
nts_check "NTPsec's source: ntsd selected with its cookie count in t ($cookies)" \
	shows "^\*localhost[^ ]* +[^ ]+ +1 [1-8] "
keys Enter
nts_check "Enter: detail pane with NTS cookies" shows "NTS: cookies [0-9]"
screen > "$T/screen-sources.txt"
keys Enter
keys s
nts_check "s: sort by name" shows "sort:name"
keys f
nts_check "f: filter NTS only" shows "filter:NTS only"
keys f f
keys p
nts_check "p: paused" shows "PAUSED"
keys p
keys '?'
nts_check "?: help lists the keys" shows "Tab +next target"
keys x
nts_check "any key closes the help" bash -c "! tmux -L '$TMUX_SOCK' capture-pane -p -t mon | grep -q 'next target'"
keys j k Down Up
tmux -L "$TMUX_SOCK" resize-window -t mon -x 60 -y 20 2>/dev/null || tmux -L "$TMUX_SOCK" resize-pane -t mon -x 60 -y 20
sleep 1
nts_check "resized to 60x20: still drawing" shows "ntsmon +\[2/2\]"
nts_check "60x20: no line wider than 60" bash -c "tmux -L '$TMUX_SOCK' capture-pane -p -t mon | awk 'length > 60 { bad=1 } END { exit bad }'"
tmux -L "$TMUX_SOCK" resize-window -t mon -x 100 -y 30 2>/dev/null || tmux -L "$TMUX_SOCK" resize-pane -t mon -x 100 -y 30
nts_check "back to 100x30: still drawing" shows "ntsmon +\[2/2\]"
keys Tab
nts_stop "$NTSD_PID"
NTSD_PID=""
nts_check "a target that dies is shown as down" shows "DOWN: "
keys q
nts_check "q quits with status 0" shows "ntsmon-exited 0"

# NO_COLOR: no colour escapes in the pane's rendering
tmux -L "$TMUX_SOCK" new-window -t mon -n nc \
	"NO_COLOR=1 TERM=xterm-256color '$MON' 127.0.0.1; sleep 30"
sleep 1.5
nts_check "NO_COLOR: no colour attributes drawn" bash -c \
	"! tmux -L '$TMUX_SOCK' capture-pane -e -p -t mon:nc | grep -q \$'\\e\\[[0-9;]*3[0-7]m'"
tmux -L "$TMUX_SOCK" send-keys -t mon:nc q

# --once and --json against the live NTPsec target and a dead socket
"$MON" --once 127.0.0.1 "$D/ctl.sock" > "$T/once.txt" 2>&1; rc=$?
sed 's/^/# once: /' "$T/once.txt" | head -n 12
nts_check "--once: NTPsec's source with its cookies" grep -Eq "^\*localhost[^ ]* +[^ ]+ +1 [1-8] " "$T/once.txt"
nts_check "--once: the dead target is shown, not fatal (exit $rc)" bash -c "grep -q 'DOWN: ' '$T/once.txt' && test $rc = 0"
"$MON" --json 127.0.0.1 "$D/ctl.sock" > "$T/mon.json"
nts_check "--json: valid against ntsmon.schema.json" python3 - "$T/mon.json" "$SRC/ntsmon/ntsmon.schema.json" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
nts_check "--json: cookies of NTPsec's source" python3 - "$T/mon.json" "$cookies" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
src = [s for s in d["targets"][0]["sources"] if s["tally"] == "*"]
sys.exit(not (src and 1 <= src[0]["cookies"] <= 8 and d["targets"][1]["up"] is False))
PY
"$MON" --once /nonexistent/ctl.sock > /dev/null 2>&1; rc=$?
nts_check "--once: exit 1 when no target answers" test "$rc" = 1
nts_done
