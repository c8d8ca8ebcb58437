#!/usr/bin/env python3
"""Reference clock feeders for interop/test-ntsd-refclock-*.sh. Each runs for
a bounded time and exits by itself:

  nmea PTYFILE SECONDS LATE [garbage]   a pty sending RMC+GGA+ZDA for each second,
                                        LATE s after it; its path goes to PTYFILE;
                                        'garbage' adds bad checksums, noise and a
                                        10 kB line every few seconds
  gpsd PIDFILE SECONDS LATE GPSD-ARGS.. gpsd reading such a pty as its controlling
                                        terminal (/dev/tty): gpsd ships no time from
                                        devices it sees as ptys, /dev/tty it takes
                                        for a serial line; gpsd's pid to PIDFILE
  sock PATH SECONDS OFFSET [garbage]    chrony SOCK samples (struct sock_sample, as
                                        gpsd writes them) to PATH once a second
  shmbad UNIT SECONDS                   a SHM writer of nonsense (usec 5e6) to unit
"""
import ctypes
import os
import pty
import signal
import socket
import struct
import sys
import time
import tty


def ck(body):
    x = 0
    for c in body.encode():
        x ^= c
    return "$%s*%02X\r\n" % (body, x)


def sentences(sec):
    g = time.gmtime(sec)
    hms = time.strftime("%H%M%S", g) + ".00"
    out = ck("GPRMC,%s,A,4807.038,N,01131.000,E,0.0,0.0,%s,,,A" % (hms, time.strftime("%d%m%y", g)))
    out += ck("GPGGA,%s,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,," % hms)
    out += ck("GPZDA,%s,%s,%s,%s,00,00" % (hms, time.strftime("%d", g), time.strftime("%m", g),
                                             time.strftime("%Y", g)))
    return out.encode()


def run_pty(m, seconds, late, garbage):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        t = time.time()
        nxt = int(t) + 1
        time.sleep(max(0.0, nxt - t + late))
        data = sentences(nxt)
        n += 1
        if garbage and n % 3 == 0:
            bad = bytearray(ck("GPRMC,%s,A,,,,,,,010124,,,A" % time.strftime("%H%M%S", time.gmtime(nxt))).encode())
            bad[-4] ^= 1                         # checksum wrong
            data = bytes(bad) + b"\xff\x00noise\r\n" + b"$" + b"X" * 10240 + b"\r\n" + data
        try:
            os.write(m, data)
        except OSError:
            return


def main():
    mode = sys.argv[1]
    if mode == "nmea":
        m, s = pty.openpty()
        tty.setraw(s)
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write(os.ttyname(s))
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
        run_pty(m, float(sys.argv[3]), float(sys.argv[4]), len(sys.argv) > 5)
        os.close(m)   # the reader sees the device go away
    elif mode == "gpsd":
        m, s = pty.openpty()
        tty.setraw(s)
        sname = os.ttyname(s)
        pid = os.fork()
        if pid == 0:
            os.setsid()
            fd = os.open(sname, os.O_RDWR)      # becomes the controlling terminal
            os.close(s)
            os.close(m)
            null = os.open("/dev/null", os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.close(fd)
            os.execvp("gpsd", ["gpsd"] + sys.argv[5:] + ["/dev/tty"])
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write("%d\n" % pid)
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])

        def stop(signo, frame):
            raise SystemExit(0)
        signal.signal(signal.SIGTERM, stop)
        try:
            run_pty(m, float(sys.argv[3]), float(sys.argv[4]), False)
        finally:
            # gpsd goes with us, however we end
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    elif mode == "sock":
        path, seconds, offset = sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
        garbage = len(sys.argv) > 5
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        end = time.time() + seconds
        n = 0
        while time.time() < end:
            time.sleep(1.0 - time.time() % 1.0 + 0.02)
            t = time.time()
            d = struct.pack("@qqdiiii", int(t), int((t % 1) * 1e6), offset, 0, 0, 0, 0x534F434B)
            n += 1
            try:
                c.sendto(d, path)
                if garbage and n % 3 == 0:
                    c.sendto(d[:-4], path)                        # short
                    c.sendto(d[:-4] + b"KCOS", path)              # bad magic
            except OSError:
                pass
    elif mode == "shmbad":
        unit, seconds = int(sys.argv[2]), float(sys.argv[3])
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        shmid = libc.shmget(0x4E545030 + unit, 96, 0o1666)
        addr = libc.shmat(shmid, None, 0)
        if shmid < 0 or addr in (None, ctypes.c_void_p(-1).value):
            sys.exit("shmbad: cannot attach unit %d" % unit)
        end = time.time() + seconds
        count = 0
        while time.time() < end:
            t = int(time.time())
            count += 2
            seg = struct.pack("@iiqiqiiiiiII8i", 1, count, t, 5000000, t, 0, 0, -20, 3, 1,
                              0, 0, *([0] * 8))
            ctypes.memmove(addr, seg, len(seg))
            time.sleep(0.5)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
