#!/usr/bin/env python3
"""Hostile NTS-KE and NTP input against a running ntsd (stdlib only).

Usage: test-ntsd-hostile.py KE_PORT NTP_PORT CA_PEM NTSD_PID
Prints one "ok - ..." / "not ok - ..." line per assertion; exit 1 on failure.
After each attack a good NTS-KE client and a plain NTP client must be served
and the daemon must still run. Driven by test-ntsd-hostile.sh.
"""
import os
import socket
import ssl
import struct
import sys
import time

KE_PORT, NTP_PORT, CA, PID = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
HOST = "127.0.0.1"
failures = 0


def check(desc, cond):
    global failures
    if cond:
        print("ok - " + desc, flush=True)
    else:
        failures += 1
        print("not ok - " + desc, flush=True)


def rec(rtype, body=b"", critical=True):
    return struct.pack(">HH", (0x8000 if critical else 0) | rtype, len(body)) + body


GOOD_REQUEST = rec(1, struct.pack(">H", 0)) + rec(4, struct.pack(">HH", 15, 17)) + rec(0)


def tls_context(alpn=("ntske/1",), max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(CA)
    if max_version is None:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    else:
        ctx.maximum_version = max_version
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def tls_connect(ctx, timeout=5):
    raw = socket.create_connection((HOST, KE_PORT), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def parse_records(data):
    """List of (critical, type, body) up to and including End of Message."""
    out, pos = [], 0
    while pos + 4 <= len(data):
        t, n = struct.unpack(">HH", data[pos:pos + 4])
        body = data[pos + 4:pos + 4 + n]
        if len(body) < n:
            break
        out.append((bool(t & 0x8000), t & 0x7FFF, body))
        pos += 4 + n
        if t & 0x7FFF == 0:
            break
    return out


def ke_exchange(request, timeout=5):
    """Send a KE request over a good TLS session; return the parsed records."""
    s = tls_connect(tls_context(), timeout)
    try:
        s.sendall(request)
        data = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(4096)
            except (ssl.SSLError, OSError):
                break
            if not chunk:
                break
            data += chunk
            recs = parse_records(data)
            if recs and recs[-1][1] == 0:
                break
        return parse_records(data)
    finally:
        s.close()


def good_ke():
    try:
        recs = ke_exchange(GOOD_REQUEST)
    except (OSError, ssl.SSLError):
        return None
    cookies = [b for c, t, b in recs if t == 5]
    aead = [b for c, t, b in recs if t == 4]
    port = [b for c, t, b in recs if t == 7]
    if len(cookies) != 8 or aead != [struct.pack(">H", 15)]:
        return None
    if port != [struct.pack(">H", NTP_PORT)]:
        return None
    return cookies


def plain_ntp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    xmt = os.urandom(8)
    s.sendto(bytes([0x23]) + bytes(39) + xmt, (HOST, NTP_PORT))
    try:
        data, _ = s.recvfrom(2048)
    except socket.timeout:
        return False
    finally:
        s.close()
    return len(data) >= 48 and data[24:32] == xmt


def alive():
    try:
        os.kill(PID, 0)
        return True
    except OSError:
        return False


def still_serving(after):
    check("after %s: ntsd still runs" % after, alive())
    check("after %s: a good NTS-KE client gets 8 cookies and a Port record" % after,
          good_ke() is not None)
    check("after %s: plain NTP is answered" % after, plain_ntp())


def wait_closed(sock, timeout=8):
    """True when the server closes (or resets) within timeout."""
    sock.settimeout(timeout)
    try:
        while True:
            d = sock.recv(4096)
            if not d:
                return True
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    except OSError:
        return True


# ---------------------------------------------------------------- NTS-KE
def attack_garbage():
    s = socket.create_connection((HOST, KE_PORT), timeout=5)
    s.sendall(os.urandom(2000))
    check("garbage instead of TLS: connection closed by ntsd", wait_closed(s))
    s.close()
    s = socket.create_connection((HOST, KE_PORT), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    check("HTTP instead of TLS: connection closed by ntsd", wait_closed(s))
    s.close()


def handshake_refused(ctx):
    try:
        s = tls_connect(ctx)
    except (ssl.SSLError, OSError):
        return True
    # TLS 1.3: the server's verdict may come after the client's Finished
    try:
        s.sendall(GOOD_REQUEST)
        s.settimeout(5)
        data = s.recv(4096)
        return not data
    except (ssl.SSLError, OSError):
        return True
    finally:
        s.close()


def attack_alpn_and_version():
    check("TLS without ALPN is refused", handshake_refused(tls_context(alpn=None)))
    check("TLS with ALPN http/1.1 only is refused", handshake_refused(tls_context(alpn=("http/1.1",))))
    check("TLS 1.2 is refused", handshake_refused(tls_context(max_version=ssl.TLSVersion.TLSv1_2)))


def error_code(recs):
    for c, t, b in recs:
        if t == 2 and len(b) == 2:
            return struct.unpack(">H", b)[0]
    return None


def attack_records():
    unknown = rec(0x4321, b"xy") + GOOD_REQUEST
    recs = ke_exchange(unknown)
    check("unknown critical record: Error record, code 0", error_code(recs) == 0)
    check("unknown critical record: no cookies", not any(t == 5 for c, t, b in recs))

    recs = ke_exchange(rec(0x4321, b"xy", critical=False) + GOOD_REQUEST)
    check("unknown non-critical record is ignored: 8 cookies",
          sum(1 for c, t, b in recs if t == 5) == 8)

    recs = ke_exchange(rec(1, struct.pack(">H", 0)) + rec(0))
    check("request without AEAD record: Error record, code 1", error_code(recs) == 1)

    recs = ke_exchange(rec(1, b"\x00\x00") + rec(1, b"\x00\x00") + rec(4, b"\x00\x0f") + rec(0))
    check("two Next Protocol records: Error record, code 1", error_code(recs) == 1)

    recs = ke_exchange(rec(1, b"\x00\x00") + rec(4, b"\x00\x0f") + rec(0, b"zz"))
    check("End of Message with a body: Error record, code 1", error_code(recs) == 1)

    recs = ke_exchange(rec(1, b"\x00\x00") + rec(4, b"\x00\x1e") + rec(0))
    aead = [b for c, t, b in recs if t == 4]
    check("only unsupported AEAD 30: empty AEAD record, no cookies (RFC 8915 4.1.5)",
          aead == [b""] and not any(t == 5 for c, t, b in recs))

    recs = ke_exchange(rec(1, b"\x80\x01") + rec(4, b"\x00\x0f") + rec(0))
    proto = [b for c, t, b in recs if t == 1]
    check("only unknown next protocol: empty Next Protocol record, no cookies",
          proto == [b""] and not any(t == 5 for c, t, b in recs))

    recs = ke_exchange(rec(1, b"\x00\x00") + rec(4, struct.pack(">HH", 17, 15)) + rec(0))
    aead = [b for c, t, b in recs if t == 4]
    clen = {len(b) for c, t, b in recs if t == 5}
    check("client preference 17 before 15 is honoured (AEAD 17, longer cookies)",
          aead == [b"\x00\x11"] and len(clen) == 1 and clen.pop() > 104)


def attack_lengths():
    # a record header announcing 65535 octets, then a flood without End of Message
    s = tls_connect(tls_context())
    try:
        s.sendall(rec(1, b"\x00\x00") + struct.pack(">HH", 0x8004, 0xFFFF) + b"\x00" * 20000)
    except (ssl.SSLError, OSError):
        pass
    data = b""
    s.settimeout(8)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except (ssl.SSLError, OSError):
        pass
    s.close()
    recs = parse_records(data)
    check("huge record length: ntsd answers with an Error record or closes",
          error_code(recs) is not None or not data)

    # truncated: a record cut short, then the client closes
    s = tls_connect(tls_context())
    s.sendall(struct.pack(">HH", 0x8001, 8) + b"\x00")
    s.close()
    # truncated and then silent: ntsd must time it out by itself
    s = tls_connect(tls_context())
    s.sendall(rec(1, b"\x00\x00") + struct.pack(">HH", 0x8004, 4) + b"\x00")
    t0 = time.time()
    closed = wait_closed(s, timeout=15)
    check("truncated record then silence: closed by the per-connection timeout (%.1f s)"
          % (time.time() - t0), closed)
    s.close()


def attack_silent_many(n=300):
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection((HOST, KE_PORT), timeout=5))
        except OSError:
            break
    check("opened %d silent connections" % len(socks), len(socks) >= n * 0.9)
    t0 = time.time()
    ok = good_ke() is not None
    check("with %d silent connections open, a good client is served (%.2f s)"
          % (len(socks), time.time() - t0), ok)
    check("with silent connections open, plain NTP is answered", plain_ntp())
    # half-finished handshakes too: a ClientHello's first bytes only
    hello = []
    for _ in range(100):
        try:
            s = socket.create_connection((HOST, KE_PORT), timeout=5)
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            hello.append(s)
        except OSError:
            break
    check("with 100 half ClientHellos open, a good client is served", good_ke() is not None)
    for s in socks + hello:
        s.close()


def attack_garbage_many(n=200):
    socks = []
    for _ in range(n):
        try:
            s = socket.create_connection((HOST, KE_PORT), timeout=5)
            s.sendall(os.urandom(64))
            socks.append(s)
        except OSError:
            break
    for s in socks:
        s.close()
    check("%d garbage connections at once did not stop ntsd" % len(socks), alive())


# ---------------------------------------------------------------- NTP
def ef(t, body):
    pad = (-len(body)) % 4
    body = body + bytes(pad)
    if len(body) + 4 < 16:
        body = body + bytes(16 - 4 - len(body))
    return struct.pack(">HH", t, len(body) + 4) + body


def ntp_send(pkt, wait=0.5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(wait)
    s.sendto(pkt, (HOST, NTP_PORT))
    try:
        data, _ = s.recvfrom(4096)
    except socket.timeout:
        data = None
    s.close()
    return data


def header(xmt=None):
    return bytes([0x23]) + bytes(39) + (xmt or os.urandom(8))


def auth_ef(nonce_len=16, ct=b"\x00" * 16):
    nonce = os.urandom(nonce_len)
    body = struct.pack(">HH", nonce_len, len(ct)) + nonce + bytes((-nonce_len) % 4) + ct + \
        bytes((-len(ct)) % 4)
    return ef(0x0404, body)


def attack_ntp():
    uid = os.urandom(32)
    cases = {
        "EF length 0": header() + struct.pack(">HH", 0x0104, 0) + bytes(32),
        "EF length 3": header() + struct.pack(">HH", 0x0104, 3) + bytes(32),
        "EF length past the end": header() + struct.pack(">HH", 0x0104, 400) + bytes(32),
        "EF length not a multiple of 4": header() + struct.pack(">HH", 0x0104, 34) + bytes(32),
        "EF header cut short": header() + b"\x01\x04",
        "UID only": header() + ef(0x0104, uid),
        "UID too short": header() + ef(0x0104, bytes(8)) + ef(0x0204, bytes(100)) + auth_ef(),
        "cookie without UID": header() + ef(0x0204, bytes(100)) + auth_ef(),
        "two cookies": header() + ef(0x0104, uid) + ef(0x0204, bytes(100)) +
        ef(0x0204, bytes(100)) + auth_ef(),
        "authenticator not last": header() + ef(0x0104, uid) + ef(0x0204, bytes(100)) +
        auth_ef() + ef(0x0104, uid),
        "authenticator nonce length past its body": header() + ef(0x0104, uid) +
        ef(0x0204, bytes(100)) + ef(0x0404, struct.pack(">HH", 4000, 16) + bytes(32)),
        "authenticator ciphertext length past its body": header() + ef(0x0104, uid) +
        ef(0x0204, bytes(100)) + ef(0x0404, struct.pack(">HH", 16, 4000) + bytes(32)),
        "nonce under 16 octets": header() + ef(0x0104, uid) + ef(0x0204, bytes(100)) +
        auth_ef(nonce_len=4),
        "placeholder of the wrong size": header() + ef(0x0104, uid) + ef(0x0204, bytes(100)) +
        ef(0x0304, bytes(20)) + auth_ef(),
        "forty placeholders": header() + ef(0x0104, uid) + ef(0x0204, bytes(100)) +
        b"".join(ef(0x0304, bytes(100)) for _ in range(40)) + auth_ef(),
        "header shorter than 48": bytes([0x23]) + bytes(20),
        "1400 octets of EFs": header() + b"".join(ef(0x7777, bytes(96)) for _ in range(14)),
        "mode 7 private": bytes([0x17]) + bytes(47),
        "version 0": bytes([0x03]) + bytes(47),
        "mode 4 (a server answer)": bytes([0x24]) + bytes(47),
    }
    answered_badly = []
    for name, pkt in cases.items():
        data = ntp_send(pkt, wait=0.3)
        # a malformed request is dropped; if something came back it must be
        # no longer than the request and must not claim NTS success
        if data is not None and (len(data) > len(pkt) or len(data) > 48 and data[1] != 0):
            answered_badly.append(name)
    check("malformed NTP extension fields: nothing amplified or authenticated (%d cases)"
          % len(cases), not answered_badly)
    if answered_badly:
        print("# answered: " + ", ".join(answered_badly))
    # mode 6 (ntpq) is answered to loopback, so it may be larger than the
    # request; malformed ones must still not crash or stall anything
    m6 = [
        bytes([0x16, 0x02]) + struct.pack(">HHHHH", 1, 0, 0, 0, 400),   # count past the end
        bytes([0x16, 0x02, 0, 1]),                                       # truncated header
        bytes([0x16, 0x82]) + bytes(10),                                 # response bit set
        bytes([0x16, 0x02]) + struct.pack(">HHHHH", 1, 0, 0, 0, 300) + os.urandom(300),
        bytes([0x16, 0x02]) + struct.pack(">HHHHH", 1, 0, 0, 0, 460) + b"," * 460,
        bytes([0x16, 0x02]) + struct.pack(">HHHHH", 1, 0, 0, 0, 8) + b"stratum\x00",
        bytes([0x16, 0x1f]) + bytes(10),                                 # unknown opcode
        bytes([0x16, 0x02]) + struct.pack(">HHHHH", 1, 0, 7, 0, 0),      # unknown association
    ]
    for pkt in m6:
        ntp_send(pkt, wait=0.2)
    data = ntp_send(bytes([0x16, 0x02]) + struct.pack(">HHHHH", 9, 0, 0, 0, 7) + b"stratum" +
                    bytes(1), wait=2)
    check("mode 6 after malformed mode 6 packets: readvar stratum answered",
          data is not None and b"stratum=1" in data)
    check("after malformed NTP packets: ntsd still runs", alive())
    check("after malformed NTP packets: plain NTP is answered", plain_ntp())

    # a well-formed request whose cookie cannot be opened: NTS NAK (RFC 8915 5.7)
    uid = os.urandom(32)
    pkt = header() + ef(0x0104, uid) + ef(0x0204, os.urandom(104)) + auth_ef()
    data = ntp_send(pkt, wait=2)
    check("unopenable cookie: NTS NAK (stratum 0, refid NTSN, UID echoed)",
          data is not None and data[1] == 0 and data[12:16] == b"NTSN" and uid in data)

    # a real cookie with a wrong authenticator: also a NAK, never a response
    cookies = good_ke()
    if cookies:
        uid = os.urandom(32)
        pkt = header() + ef(0x0104, uid) + ef(0x0204, cookies[0]) + auth_ef(ct=os.urandom(16))
        data = ntp_send(pkt, wait=2)
        check("valid cookie, bad authenticator: NTS NAK",
              data is not None and data[1] == 0 and data[12:16] == b"NTSN" and uid in data)
        pkt = header() + ef(0x0104, uid) + ef(0x0204, cookies[1][:-1] + bytes([cookies[1][-1] ^ 1])) + \
            auth_ef()
        data = ntp_send(pkt, wait=2)
        check("tampered cookie: NTS NAK", data is not None and data[12:16] == b"NTSN")
    else:
        check("good KE for the NAK checks", False)
    # a flood of junk datagrams
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(3000):
        s.sendto(os.urandom(48 + (i % 200)), (HOST, NTP_PORT))
    s.close()
    time.sleep(0.3)
    check("after 3000 random datagrams: plain NTP is answered", plain_ntp())


def main():
    still_serving("start")
    for name, fn in (("garbage", attack_garbage), ("ALPN/version", attack_alpn_and_version),
                     ("bad records", attack_records), ("bad lengths", attack_lengths),
                     ("silent connections", attack_silent_many),
                     ("garbage connections", attack_garbage_many), ("bad NTP", attack_ntp)):
        try:
            fn()
        except Exception as e:  # an attack script error is a failure, not a crash
            check("%s attack ran (%r)" % (name, e), False)
        still_serving(name)
    sys.exit(1 if failures else 0)


main()
