#!/usr/bin/env python3
"""Attacks from one address against ntsd's limits (test-ntsd-limits.sh).

ntp NTPPORT: 127.0.0.2 floods plain and NTS requests (forged cookies that
  earn NAKs), 127.0.0.3 asks politely; prints what each got.
ke KEPORT CA SECS: 20 honest NTS-KE exchanges from 127.0.0.3, then 20 more
  while 127.0.0.2 holds and reopens as many silent connections as it can.
Prints "key=value" lines for the shell to judge."""
import os, socket, ssl, statistics, struct, sys, threading, time


def ef(t, body):
    body = body + bytes((-len(body)) % 4)
    return struct.pack(">HH", t, len(body) + 4) + body


def ntp_req(nts):
    pkt = bytes([0x23]) + bytes(39) + os.urandom(8)
    if nts:
        # a forged cookie: without the limit each of these earns an NTS NAK
        pkt += ef(0x0104, os.urandom(32)) + ef(0x0204, os.urandom(100)) + \
            ef(0x0404, struct.pack(">HH", 16, 16) + os.urandom(32))
    return pkt


def classify(data):
    if len(data) < 48:
        return "short"
    if data[1] == 0 and data[12:16] == b"RATE":
        return "rate"
    if data[1] == 0 and data[12:16] == b"NTSN":
        return "nak"
    return "answer"


def ntp(port):
    secs = 3.0
    fl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fl.bind(("127.0.0.2", 0))
    fl.setblocking(False)
    po = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    po.bind(("127.0.0.3", 0))
    po.settimeout(1.0)
    got = {"answer": 0, "nak": 0, "rate": 0, "short": 0}
    sent = 0
    polite_sent = polite_ok = 0
    t0 = time.monotonic()
    next_polite = t0
    while time.monotonic() - t0 < secs:
        for _ in range(20):
            try:
                fl.sendto(ntp_req(sent % 2 == 1), ("127.0.0.1", port))
                sent += 1
            except BlockingIOError:
                pass
        for _ in range(64):
            try:
                data = fl.recv(2048)
            except BlockingIOError:
                break
            got[classify(data)] += 1
        if time.monotonic() >= next_polite:
            # the polite client: one plain request a second, within its limit
            xmt = os.urandom(8)
            po.sendto(bytes([0x23]) + bytes(39) + xmt, ("127.0.0.1", port))
            polite_sent += 1
            try:
                d = po.recv(2048)
                if d[24:32] == xmt and classify(d) == "answer":
                    polite_ok += 1
            except socket.timeout:
                pass
            next_polite += 1.0
        time.sleep(0.001)
    time.sleep(0.3)
    while True:
        try:
            got[classify(fl.recv(2048))] += 1
        except BlockingIOError:
            break
    print("secs=%.1f flood_sent=%d flood_answers=%d flood_naks=%d flood_rate=%d "
          "polite_sent=%d polite_ok=%d" % (secs, sent, got["answer"], got["nak"], got["rate"],
                                           polite_sent, polite_ok))


def ke_once(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["ntske/1"])
    t0 = time.monotonic()
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(5)
    raw.bind(("127.0.0.3", 0))
    try:
        raw.connect(("127.0.0.1", port))
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        # Next Protocol NTPv4, AEAD 15, End of Message (RFC 8915 section 4)
        s.sendall(struct.pack(">HHH", 0x8001, 2, 0) + struct.pack(">HHH", 0x8004, 2, 15) +
                  struct.pack(">HH", 0x8000, 0))
        buf = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            buf += d
        s.close()
    except (OSError, ssl.SSLError):
        return None
    # a cookie record (type 5) means a good exchange
    i, cookies = 0, 0
    while i + 4 <= len(buf):
        t, n = struct.unpack(">HH", buf[i:i + 4])
        cookies += (t & 0x7fff) == 5
        i += 4 + n
    return time.monotonic() - t0 if cookies else None


def ke(port, ca, secs):
    def run20():
        lat = []
        for _ in range(20):
            r = ke_once(port, ca)
            if r is not None:
                lat.append(r)
            time.sleep(0.05)
        return lat
    base = run20()
    stop = threading.Event()
    held = []
    opened = [0]

    def attacker():
        # hold as many connections as possible; reopen what ntsd closes
        while not stop.is_set():
            try:
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                c.bind(("127.0.0.2", 0))
                c.settimeout(1)
                c.connect(("127.0.0.1", port))
                held.append(c)
                opened[0] += 1
            except OSError:
                time.sleep(0.01)
            if len(held) > 400:
                held.pop(0).close()
    th = threading.Thread(target=attacker)
    th.start()
    time.sleep(secs)
    under = run20()
    stop.set()
    th.join()
    for c in held:
        c.close()
    med = lambda l: statistics.median(l) if l else 9.0
    print("base_ok=%d base_median=%.4f attack_ok=%d attack_median=%.4f attacker_opened=%d" %
          (len(base), med(base), len(under), med(under), opened[0]))


if __name__ == "__main__":
    if sys.argv[1] == "ntp":
        ntp(int(sys.argv[2]))
    else:
        ke(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
