#!/bin/bash
# systemd integration: with NOTIFY_SOCKET set (a datagram socket this test
# reads), ntsd sends READY=1 only once NTS-KE and NTP answer, RELOADING=1
# then READY=1 on SIGHUP, STATUS= lines and STOPPING=1; the unit file passes
# `systemd-analyze verify`. Usage: test-ntsd-systemd.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"

D=$T/srv
ntsd_conf "$D"
python3 - "$NTSD" "$D/ntsd.conf" "$KE_PORT" "$NTP_PORT" "$T/notify.sock" > "$T/notify.out" 2>&1 <<'PY'
import os, signal, socket, subprocess, sys, time
ntsd, conf, ke, ntp, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(10)
env = dict(os.environ, NOTIFY_SOCKET=path)
p = subprocess.Popen(["setpriv", "--bounding-set=-sys_time", ntsd, "-d", "-c", conf], env=env,
                     stdout=open(conf + ".log", "w"), stderr=subprocess.STDOUT)

def listening():
    # at the moment READY=1 arrives, both servers must answer
    ok_ke = ok_ntp = False
    try:
        c = socket.create_connection(("127.0.0.1", ke), timeout=1)
        c.close()
        ok_ke = True
    except OSError:
        pass
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(1)
    try:
        u.sendto(bytes([0x23]) + bytes(47), ("127.0.0.1", ntp))
        ok_ntp = len(u.recv(2048)) >= 48
    except OSError:
        pass
    return ok_ke, ok_ntp

def read_until(word):
    msgs = []
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            break
        msgs.append(m)
        if word in m.split("\n"):
            return msgs, True
    return msgs, False

msgs, ok = read_until("READY=1")
ke_ok, ntp_ok = listening() if ok else (False, False)
print("ready=%d ke_at_ready=%d ntp_at_ready=%d" % (ok, ke_ok, ntp_ok))
print("status=%d" % any(l.startswith("STATUS=serving") for m in msgs for l in m.split("\n")))
p.send_signal(signal.SIGHUP)
msgs, ok = read_until("READY=1")
lines = [l for m in msgs for l in m.split("\n")]
rel = "RELOADING=1" in lines and lines.index("RELOADING=1") < len(lines) - 1
print("reloading=%d ready_again=%d monotonic=%d" % (
    "RELOADING=1" in lines, ok and rel, any(l.startswith("MONOTONIC_USEC=") for l in lines)))
p.send_signal(signal.SIGTERM)
msgs, ok = read_until("STOPPING=1")
print("stopping=%d" % ok)
print("exit=%d" % p.wait(10))
PY
cat "$T/notify.out" | sed 's/^/# /'
eval "$(tr '\n' ' ' < "$T/notify.out" | grep -o '[a-z_]*=[0-9]*' | tr '\n' ' ')"
nts_check "READY=1 was sent" test "${ready:-0}" = 1
nts_check "NTS-KE accepted connections when READY=1 arrived" test "${ke_at_ready:-0}" = 1
nts_check "NTP answered when READY=1 arrived" test "${ntp_at_ready:-0}" = 1
nts_check "a STATUS= line says what it serves" test "${status:-0}" = 1
nts_check "SIGHUP: RELOADING=1" test "${reloading:-0}" = 1
nts_check "SIGHUP: READY=1 after RELOADING=1" test "${ready_again:-0}" = 1
nts_check "RELOADING=1 carries MONOTONIC_USEC" test "${monotonic:-0}" = 1
nts_check "SIGTERM: STOPPING=1" test "${stopping:-0}" = 1
nts_check "ntsd exited with 0" test "${exit:-1}" = 0

# the unit file, with its paths pointed at this build
UNIT_IN=$(dirname "$0")/../ntsd/ntsd.service.in
if ! command -v systemd-analyze >/dev/null; then
	echo "# systemd-analyze missing (apt-get install systemd): unit file not verified"
else
	mkdir -p "$T/unit/sbin" "$T/unit/etc"
	ln -s "$NTSD" "$T/unit/sbin/ntsd"
	sed -e "s|@sbindir@|$T/unit/sbin|g" -e "s|@sysconfdir@|$T/unit/etc|g" -e "s|@localstatedir@|$T/unit/var|g" "$UNIT_IN" > "$T/unit/ntsd.service"
	out=$(cd "$T/unit" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no ./ntsd.service 2>&1)
	echo "$out" | sed 's/^/# verify: /'
	nts_check "systemd-analyze verify: no complaint about ntsd.service" test -z "$(grep -i 'ntsd.service' <<<"$out")"
	nts_check "Type=notify" grep -q "^Type=notify" "$T/unit/ntsd.service"
	sec=$(cd "$T/unit" && systemd-analyze security --offline=yes ./ntsd.service 2>/dev/null | tail -n 1)
	[ -n "$sec" ] && echo "# systemd-analyze security: $sec"
fi
nts_done
