#!/bin/bash
# ntsd started as root with a user (ntsd.conf 'user', -u) binds and loads as
# root, then runs as that user with no capability and, with 'seccomp yes',
# under the seccomp filter; NTS-KE and NTS still work, a renewed certificate
# is picked up on SIGHUP, rotated cookie keys are saved; the start checks
# refuse a symlinked or open cookie key file and warn of a world-readable
# TLS key. Usage: test-ntsd-privs.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
PROBE=$BUILD/ntske-probe/ntske-probe
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }
[ -x "$PROBE" ] || { echo "skip: $PROBE not built"; exit 77; }
RUN_AS=nobody
RUN_GROUP=$(id -gn nobody)

# a tree the user may enter: the certificate and key readable by it, the
# state directory (cookie keys) its own
chmod 711 "$T"
P=$T/userpki
mkdir -p "$P"
cp "$T/pki/server-chain.pem" "$T/pki/server.key" "$T/pki/ca.pem" "$P/"
chown "$RUN_AS:$RUN_GROUP" "$P/server.key"
chmod 640 "$P/server.key"
chmod 755 "$P"
D=$T/srv
ntsd_conf "$D" "user $RUN_AS" "seccomp yes" "nts rotate 2" "nts retain 3"
sed -i "s|^nts cert .*|nts cert $P/server-chain.pem|; s|^nts key .*|nts key $P/server.key|" "$D/ntsd.conf"
chown "$RUN_AS:$RUN_GROUP" "$D"
chmod 755 "$D"

nts_check "ntsd -n accepts the configuration" "$NTSD" -n -c "$D/ntsd.conf"
ntsd_start "$D" || { nts_notok "ntsd starts"; nts_done; exit 1; }
st=/proc/$NTSD_PID/status
uid=$(id -u "$RUN_AS")
nts_check "runs as $RUN_AS (Uid: $(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st"))" \
	awk -v u="$uid" '/^Uid:/ { exit !($2 == u && $3 == u && $4 == u && $5 == u) }' "$st"
nts_check "its group is $RUN_GROUP" awk -v g="$(getent group "$RUN_GROUP" | cut -d: -f3)" \
	'/^Gid:/ { exit !($2 == g && $3 == g) }' "$st"
# no client sources: no CAP_SYS_TIME either, not even in the bounding set
for c in CapPrm CapEff CapInh CapAmb CapBnd; do
	nts_check "$c is empty ($(awk -v c="$c:" '$1 == c {print $2}' "$st"))" \
		awk -v c="$c:" '$1 == c { exit !($2 == "0000000000000000") }' "$st"
done
nts_check "the seccomp filter is on (Seccomp: 2)" grep -q "^Seccomp:[[:space:]]*2" "$st"
nts_check "every thread runs as $RUN_AS" \
	sh -c "for s in /proc/$NTSD_PID/task/*/status; do awk -v u=$uid '/^Uid:/ { exit !(\$2 == u) }' \$s || exit 1; done"
nts_check "the log says so" grep -q "running as user $RUN_AS (uid $uid, gid [0-9]*), no capabilities" "$D/ntsd.log"
nts_check "NTS-KE and NTS-protected NTP work after the drop" \
	"$PROBE" --ca "$P/ca.pem" --sni localhost --count 2 --interval 0.2 "127.0.0.1:$KE_PORT"
nts_check "plain NTP works after the drop" ntp_query "$NTP_PORT"

# cookie keys rotate every 2 s: the user rewrites the key file
saved_by_user() { [ "$(stat -c %U "$D/nts-keys")" = "$RUN_AS" ]; }
wait_for 10 saved_by_user
nts_check "rotated cookie keys were saved by $RUN_AS (owner $(stat -c %U "$D/nts-keys"))" \
	test "$(stat -c %U "$D/nts-keys")" = "$RUN_AS"
nts_check "no key file error after the drop" sh -c "! grep -q 'cookie key file .*: ' '$D/ntsd.log'"

# a renewed certificate from another CA: after SIGHUP the new one is served
nts_mkpki "$T/pki2"
cp "$T/pki2/server-chain.pem" "$P/server-chain.pem.new"
cp "$T/pki2/server.key" "$P/server.key.new"
chown "$RUN_AS:$RUN_GROUP" "$P/server.key.new"
chmod 640 "$P/server.key.new"
mv "$P/server-chain.pem.new" "$P/server-chain.pem"
mv "$P/server.key.new" "$P/server.key"
kill -HUP "$NTSD_PID"
nts_check "SIGHUP: the renewed certificate and key were reloaded as $RUN_AS" \
	wait_for 5 grep -q "certificate and key reloaded" "$D/ntsd.log"
nts_check "the renewed certificate is served (verifies against the new CA)" \
	"$PROBE" --ca "$T/pki2/ca.pem" --sni localhost --ke-only "127.0.0.1:$KE_PORT"
nts_check "the old certificate is no longer served" \
	sh -c "! '$PROBE' --ca '$P/ca.pem' --sni localhost --ke-only 127.0.0.1:$KE_PORT >/dev/null 2>&1"
nts_check "ntsd is still running under seccomp" kill -0 "$NTSD_PID"
nts_check "no forbidden system call" sh -c "! grep -q 'seccomp: forbidden' '$D/ntsd.log'"
nts_stop "$NTSD_PID"; NTSD_PID=""

# ---- start checks
X=$T/checks
ntsd_conf "$X"
echo garbage > "$T/elsewhere"
chmod 600 "$T/elsewhere"
ln -sf "$T/elsewhere" "$X/nts-keys"
out=$("$NTSD" -n -c "$X/ntsd.conf" 2>&1)
nts_check "a symlinked cookie key file is refused" grep -q "nts-keys is a symbolic link" <<<"$out"
rm -f "$X/nts-keys"
install -m 644 /dev/null "$X/nts-keys"
out=$("$NTSD" -n -c "$X/ntsd.conf" 2>&1)
nts_check "a cookie key file readable by others is refused (chmod 600)" grep -q "readable or writable by group or others" <<<"$out"
chmod 600 "$X/nts-keys"
chown "$RUN_AS" "$X/nts-keys"
out=$("$NTSD" -n -c "$X/ntsd.conf" 2>&1)
nts_check "a cookie key file of another user is refused" grep -q "belongs to another user" <<<"$out"
rm -f "$X/nts-keys"
cp "$T/pki/server.key" "$T/open.key"
chmod 644 "$T/open.key"
sed -i "s|^nts key .*|nts key $T/open.key|" "$X/ntsd.conf"
out=$("$NTSD" -n -c "$X/ntsd.conf" 2>&1)
warn_only() { grep -q 'is readable by anyone' <<<"$out" && grep -q 'configuration OK' <<<"$out"; }
nts_check "a world-readable TLS key is a warning, not an error" warn_only
out=$("$NTSD" -n -u no-such-user-xyz -c "$X/ntsd.conf" 2>&1)
nts_check "an unknown user is an error" grep -q "user 'no-such-user-xyz' does not exist" <<<"$out"
# the TLS key not readable by the user: ntsd says so at start and exits
sed -i "s|^nts key .*|nts key $T/pki/server.key|" "$X/ntsd.conf"
"$NTSD" -d -u "$RUN_AS" -c "$X/ntsd.conf" > "$X/ntsd.log" 2>&1
rc=$?
nts_check "a key the user cannot read stops the start (exit $rc)" test "$rc" != 0
nts_check "... with a clear message" grep -q "is not readable by user $RUN_AS" "$X/ntsd.log"
nts_done
