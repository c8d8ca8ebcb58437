#!/usr/bin/env python3
"""Write the nts-pcap finding captures: for each finding NAME, findings/NAME-yes.pcap
triggers it and findings/NAME-no.pcap (the same exchange done right) does not.

NTP packets carry real AES-SIV authenticators under fixed keys (findings/keys.txt,
in the ntske-probe --export-keys format); NTS-KE sessions are TLS 1.3 records
sealed with AES-128-GCM under traffic secrets listed in findings/keylog.txt, so
nts-pcap decrypts them as it would a real key log. Deterministic: the same
bytes every run. Needs python3-cryptography (only to regenerate).
It also writes malformed.pcap: hand-made broken frames, fields, records and
streams that nts-pcap must report and walk past without crashing.
Usage: mkfindings.py [DIR]   (writes DIR/findings/ and DIR/malformed.pcap)
"""
import hashlib
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

C2S = bytes(range(0x10, 0x30))
S2C = bytes(range(0x40, 0x60))
CLIENT = "10.0.0.2"
SERVER = "10.0.0.1"
T0 = 1767225600  # 2026-01-01


def det(label, n):
    """Deterministic 'random' octets."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


# ---- pcap and packet framing

class Pcap:
    def __init__(self, snaplen=65535):
        self.frames = []
        self.t = T0 * 1_000_000
        self.snaplen = snaplen

    def add(self, frame, dt_us=1000):
        self.t += dt_us
        self.frames.append((self.t, frame))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, self.snaplen, 1))
            for t, fr in self.frames:
                cap = fr[:self.snaplen]
                f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(cap), len(fr)))
                f.write(cap)


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4_frame(src, dst, proto, l4):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                      ip4(src), ip4(dst))
    s = sum(struct.unpack("!10H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack("!H", ~s & 0xFFFF) + hdr[12:]
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    return eth + hdr + l4


def udp(src, sport, dst, dport, payload):
    return ipv4_frame(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def tcp(src, sport, dst, dport, seq, ack, flags, payload=b""):
    return ipv4_frame(src, dst, 6, struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags,
                                               65535, 0, 0) + payload)


# ---- NTP and NTS extension fields (RFC 5905, RFC 7822, RFC 8915 section 5)

def ntp_header(mode, stratum=0, refid=0, org=0, rec=0, xmt=0):
    return struct.pack("!BBbbIII4Q", (0 << 6) | (4 << 3) | mode, stratum, 0, -20, 0, 0, refid,
                       0, org, rec, xmt)


def ef(t, body):
    n = len(body) + 4
    pad = (-n) % 4
    if n + pad < 16:
        pad = 16 - n
    return struct.pack("!HH", t, n + pad) + body + b"\0" * pad


def pad4(b):
    return b + b"\0" * ((-len(b)) % 4)


def auth_ef(key, ad, plaintext, nonce, pad_nonce=True):
    ct = AESSIV(key).encrypt(plaintext, [ad, nonce])
    body = struct.pack("!HH", len(nonce), len(ct)) + (pad4(nonce) if pad_nonce else nonce) + pad4(ct)
    return ef(0x0404, body)


def nts_request(uid, cookie, placeholders=0, ph_len=None, xmt=1, extra_after=b"", corrupt=False,
                nonce_len=16):
    pkt = ntp_header(3, xmt=xmt) + ef(0x0104, uid) + ef(0x0204, cookie)
    for _ in range(placeholders):
        pkt += ef(0x0304, b"\0" * (ph_len if ph_len is not None else len(cookie)))
    a = auth_ef(C2S, pkt, b"", det("nonce" + uid.hex(), nonce_len))
    if corrupt:
        a = a[:-1] + bytes([a[-1] ^ 1])
    return pkt + a + extra_after


def nts_response(uid, org, cookies, extra_before=b"", nonce_len=16, pad_nonce=True):
    pkt = ntp_header(4, 1, 0x47505300, org, ntp_ts(T0) + 1, ntp_ts(T0) + 2) + ef(0x0104, uid)
    pkt += extra_before
    inner = b"".join(ef(0x0204, c) for c in cookies)
    return pkt + auth_ef(S2C, pkt, inner, det("snonce" + uid.hex(), nonce_len), pad_nonce)


def ntp_ts(unix):
    return (unix + 2208988800) << 32


def nak(uid, org):
    return ntp_header(4, 0, 0x4E54534E, org) + ef(0x0104, uid)


def exchange(p, req, resp, port=40000, sport=123, delay_us=300):
    p.add(udp(CLIENT, port, SERVER, sport, req))
    if resp is not None:
        p.add(udp(SERVER, sport, CLIENT, port, resp), delay_us)


# ---- TLS 1.3 records for a synthetic NTS-KE session (RFC 8446)

def hkdf_label(secret, label, ctx, n):
    full = b"tls13 " + label
    info = struct.pack("!H", n) + bytes([len(full)]) + full + bytes([len(ctx)]) + ctx
    return HKDFExpand(hashes.SHA256(), n, info).derive(secret)


class Sealer:
    def __init__(self, secret):
        self.key = hkdf_label(secret, b"key", b"", 16)
        self.iv = hkdf_label(secret, b"iv", b"", 12)
        self.seq = 0

    def seal(self, content, ctype=23):
        inner = content + bytes([ctype])
        hdr = struct.pack("!BHH", 23, 0x0303, len(inner) + 16)
        nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
        self.seq += 1
        return hdr + AESGCM(self.key).encrypt(nonce, inner, hdr)


def client_hello(rnd, alpn_name=b"ntske/1", sni=b"ke.test"):
    ext = b""
    ext += struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    alpn = bytes([len(alpn_name)]) + alpn_name
    ext += struct.pack("!HHH", 16, len(alpn) + 2, len(alpn)) + alpn
    ext += struct.pack("!HHBH", 43, 3, 2, 0x0304)
    body = struct.pack("!H", 0x0303) + rnd + b"\x00" + struct.pack("!HH", 2, 0x1301) + b"\x01\x00"
    body += struct.pack("!H", len(ext)) + ext
    hs = bytes([1]) + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", 22, 0x0301, len(hs)) + hs


def server_hello(rnd):
    ext = struct.pack("!HHH", 43, 2, 0x0304)
    body = struct.pack("!H", 0x0303) + rnd + b"\x00" + struct.pack("!H", 0x1301) + b"\x00"
    body += struct.pack("!H", len(ext)) + ext
    hs = bytes([2]) + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", 22, 0x0303, len(hs)) + hs


def rec(t, body, critical):
    return struct.pack("!HH", (0x8000 if critical else 0) | t, len(body)) + body


KE_REQUEST = rec(1, b"\0\0", True) + rec(4, b"\0\x0f", True) + rec(0, b"", True)
KE_COOKIES = [det("kecookie%d" % i, 100) for i in range(8)]


def ke_response(variant):
    r = rec(1, b"\0\0", True) + rec(4, b"\0\x0f", variant != "ke-critical")
    if variant == "ke-proto-aead":
        r += rec(4, b"\0\x11", False)
    for c in KE_COOKIES:
        r += rec(5, c, variant == "ke-critical")
    if variant != "ke-no-eom":
        r += rec(0, b"", True)
    return r


def ke_session(p, keylog, name, variant, ke_port=4460, response=None, alpn=b"ntske/1",
               syn=True, sni=b"ke.test"):
    crnd = det("crandom" + name, 32)
    srnd = det("srandom" + name, 32)
    cts, sts, exp = det("cts" + name, 32), det("sts" + name, 32), det("exp" + name, 32)
    keylog.append("CLIENT_TRAFFIC_SECRET_0 %s %s" % (crnd.hex(), cts.hex()))
    keylog.append("SERVER_TRAFFIC_SECRET_0 %s %s" % (crnd.hex(), sts.hex()))
    keylog.append("EXPORTER_SECRET %s %s" % (crnd.hex(), exp.hex()))
    cs, ss = Sealer(cts), Sealer(sts)
    cseq, sseq, port = 1000, 5000, 45000
    resp = response if response is not None else ke_response(variant)
    segs = [(0, client_hello(crnd, alpn, sni)), (1, server_hello(srnd)),
            (0, cs.seal(KE_REQUEST)), (1, ss.seal(resp))]
    kp = ke_port
    if syn:
        p.add(tcp(CLIENT, port, SERVER, kp, cseq, 0, 0x02))
        p.add(tcp(SERVER, kp, CLIENT, port, sseq, cseq + 1, 0x12), 100)
    cseq += 1
    sseq += 1
    for d, data in segs:
        if d == 0:
            p.add(tcp(CLIENT, port, SERVER, kp, cseq, sseq, 0x18, data), 200)
            cseq += len(data)
        else:
            p.add(tcp(SERVER, kp, CLIENT, port, sseq, cseq, 0x18, data), 200)
            sseq += len(data)
    p.add(tcp(CLIENT, port, SERVER, kp, cseq, sseq, 0x11), 100)
    p.add(tcp(SERVER, kp, CLIENT, port, sseq, cseq + 1, 0x11), 100)


# ---- one capture per finding and its clean twin

def build(name, yes):
    p = Pcap()
    u1, u2 = det("uid1" + name, 32), det("uid2" + name, 32)
    ck1, ck2 = det("cookie1", 100), det("cookie2", 100)
    new = [det("new%d" % i, 100) for i in range(4)]
    if name == "uid-mismatch":
        exchange(p, nts_request(u1, ck1, xmt=7), nts_response(u2 if yes else u1, 7, new[:1]))
    elif name == "downgrade":
        plain = ntp_header(4, 1, 0x47505300, 7, ntp_ts(T0), ntp_ts(T0))
        exchange(p, nts_request(u1, ck1, xmt=7), plain if yes else nts_response(u1, 7, new[:1]))
    elif name == "auth-not-last":
        extra = ef(0x2005, b"\0" * 12) if yes else b""
        exchange(p, nts_request(u1, ck1, 1, extra_after=extra), nts_response(u1, 1, new[:2]))
    elif name == "cookie-reuse":
        exchange(p, nts_request(u1, ck1), nts_response(u1, 1, new[:1]), 40000)
        exchange(p, nts_request(u2, ck1 if yes else ck2), nts_response(u2, 1, new[1:2]), 40001)
    elif name == "placeholder-mismatch":
        exchange(p, nts_request(u1, ck1, 2), nts_response(u1, 1, new[:1] if yes else new[:3]))
        exchange(p, nts_request(u2, ck2, 1, ph_len=104 if yes else None),
                 nts_response(u2, 1, new[:2]), 40001)
    elif name == "amplification":
        exchange(p, nts_request(u1, ck1, 0), nts_response(u1, 1, new[:2] if yes else new[:1]))
    elif name == "nak-unmatched":
        p.add(udp(CLIENT, 40000, SERVER, 123, nts_request(u1, ck1)))
        p.add(udp(SERVER, 123, CLIENT, 40000, nak(u2 if yes else u1, 1)), 300)
    elif name in ("ke-proto-aead", "ke-no-eom", "ke-critical"):
        build.keylog_session(p, name, name if yes else "ok")
    elif name == "malformed":
        req = nts_request(u1, ck1)
        if yes:  # an extension field length that is not a multiple of 4
            req = req[:48 + 2] + struct.pack("!H", 38) + req[48 + 4:]
        exchange(p, req, nts_response(u1, 1, new[:1]))
    elif name == "auth-fail":
        exchange(p, nts_request(u1, ck1, corrupt=yes), nts_response(u1, 1, new[:1]))
    else:
        raise SystemExit("unknown finding " + name)
    return p


FINDINGS = ["uid-mismatch", "downgrade", "auth-not-last", "cookie-reuse", "placeholder-mismatch",
            "amplification", "nak-unmatched", "ke-proto-aead", "ke-no-eom", "ke-critical",
            "malformed", "auth-fail"]


def malformed(path):
    p = Pcap()
    u, ck = det("muid", 32), det("mcookie", 100)
    good = nts_request(u, ck, 1)
    hdr = ntp_header(3, xmt=5)
    bad_ntp = [
        good[:47],                                        # shorter than the header
        hdr + struct.pack("!HH", 0x0104, 0) + b"\0" * 12,  # EF length 0
        hdr + struct.pack("!HH", 0x0104, 0xFFFC) + u,     # EF runs past the end
        hdr + struct.pack("!HH", 0x0104, 12) + b"\0" * 8,  # EF below 16 octets
        good + b"\0" * 20,                                # a MAC after the authenticator
        hdr + ef(0x0404, struct.pack("!HH", 0xFFFF, 16) + b"\0" * 36),
        hdr + ef(0x0404, struct.pack("!HH", 16, 0) + b"\0" * 16),
        hdr + b"".join(ef(0x0104, det("u%d" % i, 32)) for i in range(30)),
        bytes([0x16, 1, 0, 1]) + b"\0" * 8,               # mode 6 control
        bytes([0x07]) + hdr[1:],                          # version 0
        bytes([0x3C]) + hdr[1:],                          # version 7, mode 4
        ntp_header(4, 0, 0x4E54534E, 5),                  # NAK without UID
        nts_response(u, 5, [ck]) [:-3],                   # response cut mid-field
    ]
    for i, pkt in enumerate(bad_ntp):
        p.add(udp(CLIENT, 41000 + i, SERVER, 123, pkt))
    # broken IP and UDP
    f = udp(CLIENT, 41000, SERVER, 123, good)
    p.add(f[:14] + bytes([0x4F]) + f[15:40])              # IHL 60, frame too short
    p.add(f[:38] + struct.pack("!H", 0xFFFF) + f[40:])    # UDP length past the IP length
    p.add(f[:14] + bytes([0x60]) + f[15:])                # version 6 in an IPv4 ethertype
    # a KE port carrying garbage, an oversized TLS record, a broken ClientHello
    cport = 46000
    p.add(tcp(CLIENT, cport, SERVER, 4460, 1, 0, 0x18, b"GET / HTTP/1.0\r\n\r\n"))
    p.add(tcp(CLIENT, cport + 1, SERVER, 4460, 1, 0, 0x18, struct.pack("!BHH", 23, 0x0303, 0x4800)))
    ch = client_hello(det("r", 32))
    p.add(tcp(CLIENT, cport + 2, SERVER, 4460, 1, 0, 0x18, ch[:5] + ch[5:9] + b"\x03\x03" + ch[11:40]))
    bad_sni = ch[:60] + b"\xff\xff" + ch[62:]
    p.add(tcp(CLIENT, cport + 3, SERVER, 4460, 1, 0, 0x18, bad_sni))
    # out of order, overlapping and far-ahead segments
    data = ch + struct.pack("!BHH", 23, 0x0303, 40) + b"\x11" * 40
    p.add(tcp(CLIENT, cport + 4, SERVER, 4460, 100, 0, 0x02))
    p.add(tcp(CLIENT, cport + 4, SERVER, 4460, 101 + 30, 0, 0x18, data[30:]))
    p.add(tcp(CLIENT, cport + 4, SERVER, 4460, 101, 0, 0x18, data[:40]))
    p.add(tcp(CLIENT, cport + 4, SERVER, 4460, 101 + 10**6, 0, 0x18, data))
    p.add(tcp(SERVER, 4460, CLIENT, cport + 4, 7, 0, 0x04))
    p.write(path)


# ---- cases/: captures for single behaviours of the decoder (issue 13 items 8-10)

def cases(out):
    """Each capture shows one behaviour; nts-pcap/tests/test_pipeline.c says
    what it must print. The KE secrets go to cases/keylog.txt, the NTP keys are
    those of findings/keys.txt."""
    os.makedirs(out, exist_ok=True)
    keylog = []
    ck1 = det("cookie1", 100)
    new = [det("new%d" % i, 100) for i in range(8)]

    def uid(n):
        return det("cuid" + n, 32)

    # NTS-KE on TCP 14460 (found by its ALPN, no SYN seen) negotiating NTP on
    # UDP 11123 with a Port record; then an NTS exchange and a plain one there
    p = Pcap()
    resp = (rec(1, b"\0\0", True) + rec(4, b"\0\x0f", True) + rec(7, struct.pack("!H", 11123), True)
            + b"".join(rec(5, c, False) for c in KE_COOKIES) + rec(0, b"", True))
    ke_session(p, keylog, "ports", "ok", ke_port=14460, response=resp, syn=False)
    exchange(p, nts_request(uid("p1"), ck1, xmt=3), nts_response(uid("p1"), 3, new[:1]),
             sport=11123)
    plain_req = ntp_header(3, xmt=0x1111)
    plain_resp = ntp_header(4, 1, 0x47505300, 0x1111, ntp_ts(T0), ntp_ts(T0))
    exchange(p, plain_req, plain_resp, 40002, sport=11123)
    # TLS with another ALPN on 443 is not NTS-KE
    ke_session(p, keylog, "h2", "ok", ke_port=443, alpn=b"h2")
    p.write(os.path.join(out, "ports-ke.pcap"))

    # NTS on UDP 11124, no KE in the capture: found by the shape of its fields
    p = Pcap()
    exchange(p, nts_request(uid("s1"), ck1, 1, xmt=5), nts_response(uid("s1"), 5, new[:2]),
             sport=11124)
    p.write(os.path.join(out, "ports-shape.pcap"))

    # nothing NTP or NTS at all: plain NTP on an odd port and TLS to a web server
    p = Pcap()
    exchange(p, plain_req, plain_resp, 40003, sport=11125)
    ke_session(p, keylog, "web", "ok", ke_port=443, alpn=b"http/1.1")
    p.write(os.path.join(out, "nothing.pcap"))

    # responses whose nonce is 17 octets to requests without placeholders:
    # padded to 20 as RFC 8915 5.6 says, verifying, and returning no cookie
    # (nothing about placeholders: there were none); then unpadded (cannot
    # verify: auth-fail, still nothing about placeholders)
    p = Pcap()
    exchange(p, nts_request(uid("n17"), ck1, xmt=6, nonce_len=24),
             nts_response(uid("n17"), 6, [], nonce_len=17))
    p.write(os.path.join(out, "nonce17.pcap"))
    p = Pcap()
    exchange(p, nts_request(uid("n17u"), ck1, xmt=6, nonce_len=24),
             nts_response(uid("n17u"), 6, new[:1], nonce_len=17, pad_nonce=False))
    p.write(os.path.join(out, "nonce17-unpadded.pcap"))

    # NTS requests missing their cookie, and missing their authenticator
    p = Pcap()
    u = uid("nocookie")
    pkt = ntp_header(3, xmt=8) + ef(0x0104, u)
    p.add(udp(CLIENT, 40010, SERVER, 123, pkt + auth_ef(C2S, pkt, b"", det("nn", 16))))
    u = uid("noauth")
    p.add(udp(CLIENT, 40011, SERVER, 123, ntp_header(3, xmt=9) + ef(0x0104, u) + ef(0x0204, ck1)))
    p.write(os.path.join(out, "request-incomplete.pcap"))

    # the same verified exchange captured with a snap length of 100 octets
    p = Pcap(snaplen=100)
    exchange(p, nts_request(uid("snap"), ck1, xmt=10), nts_response(uid("snap"), 10, new[:1]))
    p.write(os.path.join(out, "snaplen.pcap"))
    # a snap length of 40: the UDP header itself is cut
    p = Pcap(snaplen=40)
    exchange(p, nts_request(uid("snap40"), ck1, xmt=12), nts_response(uid("snap40"), 12, new[:1]))
    p.write(os.path.join(out, "snaplen-headers.pcap"))

    # a response 12 s after its request: later than the default timeout (10 s)
    p = Pcap()
    exchange(p, nts_request(uid("late"), ck1, xmt=11), nts_response(uid("late"), 11, new[:1]),
             delay_us=12_000_000)
    p.write(os.path.join(out, "late.pcap"))

    # eight verified exchanges: sixteen authenticators
    p = Pcap()
    for i in range(8):
        exchange(p, nts_request(uid("st%d" % i), ck1 if i == 0 else new[i - 1], xmt=20 + i),
                 nts_response(uid("st%d" % i), 20 + i, new[i:i + 1]), 40020 + i)
    p.write(os.path.join(out, "stats.pcap"))

    # text from the wire that is not UTF-8 and holds quotes, a backslash, a
    # terminal escape and a NUL: in the SNI, and in a Server record of the
    # (decrypted) response; --json must stay valid JSON holding it
    p = Pcap()
    resp = (rec(1, b"\0\0", True) + rec(4, b"\0\x0f", True)
            + rec(6, b'ntp\xff"\\\x1b[2J\xc3(.example', True)
            + b"".join(rec(5, c, False) for c in KE_COOKIES) + rec(0, b"", True))
    ke_session(p, keylog, "hostile", "ok", response=resp,
               sni=b'evil\xff\xc3("\\\x1b[31m\x00hidden')
    p.write(os.path.join(out, "hostile-text.pcap"))

    with open(os.path.join(out, "keylog.txt"), "w") as f:
        f.write("\n".join(keylog) + "\n")


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(top, "findings")
    os.makedirs(out, exist_ok=True)
    malformed(os.path.join(top, "malformed.pcap"))
    keylog = []
    build.keylog_session = lambda p, n, v: ke_session(p, keylog, n + "-" + v, v)
    for name in FINDINGS:
        for yes in (True, False):
            build(name, yes).write(os.path.join(out, "%s-%s.pcap" % (name, "yes" if yes else "no")))
    with open(os.path.join(out, "keylog.txt"), "w") as f:
        f.write("\n".join(keylog) + "\n")
    with open(os.path.join(out, "keys.txt"), "w") as f:
        f.write("# keys of every NTP exchange in these captures (ntske-probe format)\n")
        f.write("version=1\nnext_protocol=0\naead=15\nc2s=%s\ns2c=%s\n" % (C2S.hex(), S2C.hex()))
        f.write("cookie=%s\nend\n" % det("cookie1", 100).hex())
    cases(os.path.join(top, "cases"))


if __name__ == "__main__":
    main()
