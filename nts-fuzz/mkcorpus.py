#!/usr/bin/env python3
"""Seed the fuzz corpora: testvectors/ hex files converted to binary, plus
generated valid and near-valid messages in each target's input format.
Run from anywhere: nts-fuzz/mkcorpus.py [--clean]. Seeds are named
tv-* (from testvectors) and gen-*; inputs found by fuzzing (kept with
`fuzz-<name> -merge=1`) and regression inputs (reg-*) live beside them."""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
TV = os.path.join(TOP, "testvectors")
CORPUS = os.path.join(HERE, "corpus")


def hexfile(path):
    text = open(path).read()
    text = re.sub(r"#[^\n]*", "", text)
    return bytes.fromhex("".join(text.split()))


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def from_testvectors(sub, prefix, target):
    d = os.path.join(TV, sub)
    if not os.path.isdir(d):
        return
    for fn in sorted(os.listdir(d)):
        if fn.endswith(".hex") and fn.startswith(prefix):
            put(target, "tv-" + fn[:-4], hexfile(os.path.join(d, fn)))


# ---- NTS-KE records (RFC 8915 section 4)
def rec(t, body=b"", crit=True):
    return struct.pack(">HH", (0x8000 if crit else 0) | t, len(body)) + body


def u16s(*v):
    return b"".join(struct.pack(">H", x) for x in v)


EOM = rec(0)


def ke_seeds():
    reqs = {
        "min": rec(1, u16s(0)) + rec(4, u16s(15)) + EOM,
        "aead-all": rec(1, u16s(0)) + rec(4, u16s(30, 17, 16, 15)) + EOM,
        "server-port": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(6, b"localhost", False)
        + rec(7, u16s(123), False) + EOM,
        "compliant-1024": rec(1, u16s(0)) + rec(4, u16s(30, 15)) + rec(1024, b"", False) + EOM,
        "warning": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(3, u16s(0)) + EOM,
        "unknown-proto": rec(1, u16s(0x8001, 0)) + rec(4, u16s(15)) + EOM,
        "no-supported-aead": rec(1, u16s(0)) + rec(4, u16s(30, 16)) + EOM,
        "empty-aead": rec(1, u16s(0)) + rec(4) + EOM,
        "ipv6-server": rec(1, u16s(0)) + rec(4, u16s(17)) + rec(6, b"::1", False) + EOM,
        "private-noncrit": rec(1, u16s(0)) + rec(0x4321, b"abcd", False) + rec(4, u16s(15)) + EOM,
        "order-swapped": rec(4, u16s(15)) + rec(1, u16s(0)) + EOM,
        "pipelined": rec(1, u16s(0)) + rec(4, u16s(15)) + EOM + rec(1, u16s(0)) + EOM,
    }
    for k, v in reqs.items():
        put("ke_request", "gen-" + k, v)
    cookie = bytes(range(100))
    resps = {
        "one-cookie": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, cookie, False) + EOM,
        "eight-cookies-17": rec(1, u16s(0)) + rec(4, u16s(17))
        + b"".join(rec(5, bytes([i]) * 168, False) for i in range(8)) + EOM,
        "server-port": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, cookie, False)
        + rec(6, b"ntp.example.net", True) + rec(7, u16s(4123), True) + EOM,
        "port-noncrit": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, cookie, False)
        + rec(7, u16s(123), False) + EOM,
        "compliant-1024": rec(1, u16s(0)) + rec(4, u16s(30)) + rec(1024, b"", False)
        + rec(5, cookie, False) + EOM,
        "error-0": rec(2, u16s(0)) + EOM,
        "error-2": rec(2, u16s(2)) + EOM,
        "warning-0": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(3, u16s(0)) + rec(5, cookie, False) + EOM,
        "cookie-512": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, b"\x5a" * 512, False) + EOM,
        "cookie-1": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, b"\x01", False) + EOM,
        "empty-cookie": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, b"", False) + EOM,
        "error-and-proto": rec(1, u16s(0)) + rec(2, u16s(1)) + EOM,
        "server-255": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, cookie, False)
        + rec(6, b"a" * 255, True) + EOM,
        "server-256": rec(1, u16s(0)) + rec(4, u16s(15)) + rec(5, cookie, False)
        + rec(6, b"a" * 256, True) + EOM,
    }
    for k, v in resps.items():
        put("ke_response", "gen-" + k, v)


# ---- NTP and extension fields (RFC 5905, RFC 7822, RFC 8915 section 5)
def ntp_header(mode=3, stratum=2, refid=b"\x7f\x00\x00\x01", leap=0, version=4):
    first = (leap << 6) | (version << 3) | mode
    return (struct.pack(">BBbb", first, stratum, 6, -20) + struct.pack(">II", 0x100, 0x200)
            + refid + struct.pack(">QQQQ", 0xE9A0000000000000, 0x0123456789ABCDEF if mode == 4 else 0,
                                  0xE9A0000100000000, 0xE9A0000200000000))


def ef(t, body):
    body = body + b"\0" * (-len(body) % 4)
    if len(body) < 12:
        body += b"\0" * (12 - len(body))
    return struct.pack(">HH", t, 4 + len(body)) + body


UID = b"nts-fuzz unique identifier 0001."
COOKIE104 = bytes((i * 7) & 0xFF for i in range(104))


def auth_raw(nonce_len, ct_len, extra=0):
    n = bytes(range(0xA0, 0xA0 + nonce_len)) + b"\0" * (-nonce_len % 4)
    c = b"\x33" * ct_len + b"\0" * (-ct_len % 4)
    body = struct.pack(">HH", nonce_len, ct_len) + n + c + b"\0" * extra
    return struct.pack(">HH", 0x0404, 4 + len(body)) + body


def ntp_seeds():
    h = ntp_header()
    req = h + ef(0x0104, UID) + ef(0x0204, COOKIE104) + ef(0x0304, b"\0" * 104) + auth_raw(16, 16)
    seeds = {
        "nts-request": req,
        "nts-response": ntp_header(4) + ef(0x0104, UID) + auth_raw(16, 16 + 108),
        "nts-nak": ntp_header(4, 0, b"NTSN", 3) + ef(0x0104, UID),
        "header-only-v3": ntp_header(3, version=3),
        "bare-fields": ef(0x0104, UID) + ef(0x2000, b"x" * 12),
        "ef-then-mac24": h + ef(0x0104, UID) + b"\0\0\0\1" + b"\x11" * 20,
        "ef-then-mac20": h + ef(0x0104, UID) + b"\0\0\0\1" + b"\x11" * 16,
        "ef-16-then-mac": h + ef(0x2001, b"") + b"\0\0\0\2" + b"\x22" * 16,
        "auth-odd-lengths": h + ef(0x0104, UID) + auth_raw(17, 19, 8),
        "max-len-field": h + struct.pack(">HH", 0x2002, 0xFFFC) + b"\0" * 64,
        "zero-len-field": h + struct.pack(">HH", 0x0104, 0) + b"\0" * 12,
    }
    for k, v in seeds.items():
        put("ntp_ef", "gen-" + k, v)


# ---- structured NTS server/client inputs (see fuzz_nts_server.c / fuzz_nts_client.c)
def structured(flags, nonce_len, pp, outer, inner):
    return bytes([flags, nonce_len, pp]) + struct.pack(">H", len(outer)) + outer + inner


def nts_server_seeds():
    RAW, A512, OLD, NOCOOKIE, TAMPER, TEMPLATE, UIDF, TRAIL = (1 << i for i in range(8))
    hdr = ntp_header(3)
    uid_ef = ef(0x0104, UID)
    inner_ef = ef(0x2005, b"client says hello")
    seeds = {
        "valid-15": structured(TEMPLATE | UIDF, 16, 0x00, b"", b""),
        "valid-17": structured(TEMPLATE | UIDF | A512, 16, 0x00, b"", b""),
        "valid-placeholders": structured(TEMPLATE | UIDF, 16, 0x70, b"", b""),
        "valid-old": structured(TEMPLATE | UIDF | OLD, 16, 0x30, b"", b""),
        "valid-own-header": structured(0, 16, 0x10, hdr + uid_ef, b""),
        "valid-outer-uid": structured(0, 24, 0x00, hdr + uid_ef, b""),
        "valid-inner": structured(TEMPLATE | UIDF, 32, 0x12, b"", inner_ef),
        "valid-unknown-outer": structured(TEMPLATE | UIDF, 16, 0x01, ef(0x2004, b"x" * 20), b""),
        "tamper": structured(TEMPLATE | UIDF | TAMPER, 16, 0x00, b"", b""),
        "no-cookie": structured(TEMPLATE | UIDF | NOCOOKIE, 16, 0x00, b"", b""),
        "forged-cookie": structured(TEMPLATE | UIDF | NOCOOKIE, 16, 0x00, ef(0x0204, COOKIE104), b""),
        "dup-cookie": structured(TEMPLATE | UIDF, 16, 0x00, ef(0x0204, COOKIE104), b""),
        "short-nonce": structured(TEMPLATE | UIDF, 8, 0x00, b"", b""),
        "empty-nonce": structured(TEMPLATE | UIDF, 0, 0x00, b"", b""),
        "trail": structured(TEMPLATE | UIDF | TRAIL, 16, 0x00, b"", b""),
        "no-uid": structured(TEMPLATE, 16, 0x00, b"", b""),
        "short-uid": structured(TEMPLATE, 16, 0x00, ef(0x0104, b"u" * 16), b""),
        "two-uid": structured(TEMPLATE | UIDF, 16, 0x00, uid_ef, b""),
        "bad-placeholder": structured(TEMPLATE | UIDF, 16, 0x00, ef(0x0304, b"\0" * 20), b""),
        "inner-cookie": structured(TEMPLATE | UIDF, 16, 0x00, b"", ef(0x0204, COOKIE104)),
        "inner-malformed": structured(TEMPLATE | UIDF, 16, 0x00, b"", b"\x20\x00\x00\x05abc"),
        "mode4": structured(0, 16, 0x00, ntp_header(4) + uid_ef, b""),
        "version3": structured(0, 16, 0x00, ntp_header(3, version=3) + uid_ef, b""),
        "client-build-15": structured(0, 0, 0x04, b"", b""),
        "client-build-17-ph7": structured(A512, 16, 0x74, b"", b""),
        "client-build-old-inner": structured(OLD, 20, 0x34, b"", inner_ef),
        "client-build-bad-inner": structured(0, 16, 0x14, b"", b"\x20\x00\x00\x05abc"),
        "raw-request": bytes([RAW]) + hdr + uid_ef + ef(0x0204, COOKIE104) + auth_raw(16, 16),
        "raw-plain-ntp": bytes([RAW]) + hdr,
    }
    for k, v in seeds.items():
        put("nts_server", "gen-" + k, v)


def nts_client_seeds():
    RAW, A512, UIDF, NOAUTH, TAMPER, TEMPLATE, NAK, TRAIL = (1 << i for i in range(8))
    cookies = lambda n, size=104: b"".join(ef(0x0204, bytes([i]) * size) for i in range(n))
    seeds = {
        "valid-1": structured(TEMPLATE | UIDF, 16, 0, b"", cookies(1)),
        "valid-8": structured(TEMPLATE | UIDF, 16, 0, b"", cookies(8)),
        "valid-9": structured(TEMPLATE | UIDF, 16, 0, b"", cookies(9)),
        "valid-17": structured(TEMPLATE | UIDF | A512, 16, 0, b"", cookies(2, 168)),
        "valid-pad": structured(TEMPLATE | UIDF, 20, 3, b"", cookies(1)),
        "valid-other-inner": structured(TEMPLATE | UIDF, 16, 0, b"", ef(0x2008, b"y" * 8) + cookies(1)),
        "valid-outer-unknown": structured(TEMPLATE | UIDF, 16, 0, ef(0x2009, b"z" * 4), cookies(1)),
        "no-cookies": structured(TEMPLATE | UIDF, 16, 0, b"", b""),
        "big-cookie": structured(TEMPLATE | UIDF, 16, 0, b"", ef(0x0204, b"\x44" * 600)),
        "tamper": structured(TEMPLATE | UIDF | TAMPER, 16, 0, b"", cookies(1)),
        "noauth": structured(TEMPLATE | UIDF | NOAUTH, 16, 0, b"", b""),
        "nak": structured(TEMPLATE | UIDF | NAK | NOAUTH, 16, 0, b"", b""),
        "nak-with-auth": structured(TEMPLATE | UIDF | NAK, 16, 0, b"", cookies(1)),
        "nak-wrong-uid": structured(TEMPLATE | NAK | NOAUTH, 16, 0, ef(0x0104, b"w" * 32), b""),
        "wrong-uid": structured(TEMPLATE, 16, 0, ef(0x0104, b"w" * 32), cookies(1)),
        "no-uid": structured(TEMPLATE, 16, 0, b"", cookies(1)),
        "empty-nonce": structured(TEMPLATE | UIDF, 0, 0, b"", cookies(1)),
        "trail": structured(TEMPLATE | UIDF | TRAIL, 16, 0, b"", cookies(1)),
        "mode3": structured(0, 16, 0, ntp_header(3) + ef(0x0104, UID), cookies(1)),
        "own-header": structured(0, 16, 0, ntp_header(4) + ef(0x0104, UID), cookies(1)),
        "inner-malformed": structured(TEMPLATE | UIDF, 16, 0, b"", b"\x02\x04\x00\x05abcd"),
        "raw-response": bytes([RAW]) + ntp_header(4) + ef(0x0104, UID) + auth_raw(16, 16 + 108),
        "raw-nak": bytes([RAW]) + ntp_header(4, 0, b"NTSN", 3) + ef(0x0104, UID),
    }
    for k, v in seeds.items():
        put("nts_client", "gen-" + k, v)


def nts_assoc_seeds():
    # state files (mode octet 0): see fuzz_nts_assoc.c and libnts/nts_assoc.c
    def state(host=b"fuzz.example.net", aead=15, ncookies=8, clen=100, ntp=b"fuzz.example.net",
              rec=0, port=123):
        klen = {15: 32, 17: 64}.get(aead, 32)
        s = b"NTSA" + struct.pack(">H", 1) + bytes([len(host)]) + host + struct.pack(">H", 4460)
        s += struct.pack(">HH", aead, klen) + bytes(range(klen)) + bytes(range(64, 64 + klen))
        s += struct.pack(">Q", 1700000000) + bytes([rec, len(ntp)]) + ntp + struct.pack(">H", port)
        s += bytes([ncookies]) + b"".join(struct.pack(">H", clen) + bytes([i]) * clen
                                          for i in range(ncookies))
        return s
    states = {
        "state-15": state(),
        "state-17": state(aead=17, clen=168),
        "state-1": state(ncookies=1),
        "state-record": state(ntp=b"192.0.2.1", rec=1, port=1123),
        "state-other-host": state(host=b"other.example"),
        "state-aead16": state(aead=16),
        "state-9": state(ncookies=9),
        "state-truncated": state()[:-7],
        "state-trailing": state() + b"\0",
    }
    for k, v in states.items():
        put("nts_assoc", "gen-" + k, b"\0" + v)
    # response cases (mode octet bit 0; bits 2..4 = cookies held - 1; bit 1 = AEAD 17)
    RAW, UIDF, NOAUTH, TAMPER, TEMPLATE, NAK, TRAIL = 1, 4, 8, 16, 32, 64, 128
    cookies = lambda n, size=104: b"".join(ef(0x0204, bytes([i]) * size) for i in range(n))
    resp = {
        "full-1": (7 << 2, structured(TEMPLATE | UIDF, 16, 0, b"", cookies(1))),
        "low-refill": (2 << 2, structured(TEMPLATE | UIDF, 16, 0, b"", cookies(6))),
        "overfill": (0, structured(TEMPLATE | UIDF, 16, 0, b"", cookies(9))),
        "aead17": (2 | (3 << 2), structured(TEMPLATE | UIDF, 16, 0, b"", cookies(4, 168))),
        "tamper": (7 << 2, structured(TEMPLATE | UIDF | TAMPER, 16, 0, b"", cookies(1))),
        "nak": (7 << 2, structured(TEMPLATE | UIDF | NAK | NOAUTH, 16, 0, b"", b"")),
        "nak-auth": (7 << 2, structured(TEMPLATE | UIDF | NAK, 16, 0, b"", cookies(1))),
        "noauth": (7 << 2, structured(TEMPLATE | UIDF | NOAUTH, 16, 0, b"", b"")),
        "wrong-uid": (7 << 2, structured(TEMPLATE, 16, 0, ef(0x0104, b"w" * 32), cookies(1))),
        "trail": (7 << 2, structured(TEMPLATE | UIDF | TRAIL, 16, 0, b"", cookies(1))),
        "raw": (7 << 2, bytes([RAW, 0, 0, 0, 0]) + ntp_header(4) + ef(0x0104, UID)),
    }
    for k, (mode, v) in resp.items():
        put("nts_assoc", "gen-resp-" + k, bytes([1 | mode]) + v)


def cookie_seeds():
    keys = bytes(range(1, 130))
    for sel, name in enumerate(["15", "17", "16", "30", "0", "ffff"]):
        for klen in (32, 64, 48, 16, 0):
            put("cookie_open", "gen-seal-%s-%d" % (name, klen),
                bytes([0, sel]) + struct.pack(">H", 77) + bytes([9, klen]) + keys)
    put("cookie_open", "gen-raw-104", b"\x01" + b"\0\0\0\1" + bytes(100))
    put("cookie_open", "gen-raw-168", b"\x01" + b"\0\0\0\2" + bytes(164))
    put("cookie_open", "gen-raw-short", b"\x01" + b"\0\0\0\1" + bytes(10))


def conf_seeds():
    seeds = {
        "server": b"# an ntsd configuration\nserver time.example.net nts iburst\nserver 127.0.0.1 nts ntsport 4460\n",
        "quotes": b'ntsservercert "/etc/ntsd/my cert.pem"\nlogfile "a \\"quoted\\" \\\\ name"\n',
        "continuation": b"server a.example \\\n  nts \\\r\n  iburst\n",
        "unterminated": b'key "never closed\nnext line\n',
        "nul": b"server a\0b\n",
        "comment-only": b"# nothing\n   # still nothing\n\n\t\n",
        "numbers": b"ntsport 4460\nminpoll 0\nmaxpoll 17\nport 65536\nport -1\nport 12x\n",
        "bools": b"nts on\nverify off\nx yes\ny FALSE\nz 1\nw maybe\n",
        "many-words": b"w " + b"x " * 40 + b"\n",
        "long-line": b"k " + b"v" * 5000 + b"\n",
        "no-newline": b"server last.example nts",
        "crlf": b"server a nts\r\nserver b nts\r\n",
        "empty-quotes": b'a "" "" ""\n',
    }
    for k, v in seeds.items():
        put("conf", "gen-" + k, v)


def pcap_frames(path):
    """Frames of a classic pcap file (all stored captures are DLT 1)."""
    d = open(path, "rb").read()
    if len(d) < 24:
        return []
    magic = struct.unpack("<I", d[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    out, o = [], 24
    while o + 16 <= len(d):
        _, _, cl, _ = struct.unpack(e + "IIII", d[o:o + 16])
        o += 16
        out.append(d[o:o + cl])
        o += cl
    return out


def pcap_seeds():
    """nts-pcap targets: frames of the stored captures (selector octet 1 =
    DLT_EN10MB, 0x81 also decodes KE as a response), their key files."""
    base = os.path.join(TV, "pcap")
    if not os.path.isdir(base):
        return
    for root, _, files in sorted(os.walk(base)):
        for fn in sorted(files):
            path = os.path.join(root, fn)
            stem = fn.rsplit(".", 1)[0]
            if fn.endswith(".pcap"):
                frames = pcap_frames(path)
                if "/real" in root:
                    frames = frames[:12]
                for i, fr in enumerate(frames):
                    put("pcap", "tv-%s-%02d" % (stem, i), bytes([0x01 if i % 2 else 0x81]) + fr)
            elif fn.endswith(".keylog"):
                put("pcap_keys", "tv-keylog-" + stem, b"\x00" + open(path, "rb").read())
            elif fn.endswith(".keys"):
                put("pcap_keys", "tv-keys-" + stem, b"\x01" + open(path, "rb").read())
            elif fn.endswith(".nts-keys"):
                put("pcap_keys", "tv-serverkey-" + stem, b"\x02" + open(path, "rb").read())
    put("pcap_keys", "gen-keylog-lines", b"\x00# comment\nCLIENT_RANDOM 00 11\nSERVER_TRAFFIC_SECRET_0 "
        + b"ab" * 32 + b" " + b"cd" * 48 + b"\nEXPORTER_SECRET zz\n")
    put("pcap_keys", "gen-empty-keys", b"\x01")
    put("pcap_keys", "gen-empty-serverkey", b"\x02")


def keyfile_seeds():
    """keyfile: selector octet (odd: the harness appends the end line)."""
    def key(i, created=1700000000):
        return b"key %d %d %s\n" % (i, created, bytes((16 * i + j) & 0xFF for j in range(32)).hex().encode())
    hdr = b"# NTS cookie master keys\nnts-cookie-keys 1\n"
    put("keyfile", "gen-one", b"\x01" + hdr + key(1))
    put("keyfile", "gen-three", b"\x01" + hdr + key(1) + key(2) + key(7, -5))
    put("keyfile", "gen-empty-ring", b"\x01" + hdr)
    put("keyfile", "gen-no-header", b"\x01" + key(1))
    put("keyfile", "gen-version-2", b"\x01nts-cookie-keys 2\n" + key(1))
    put("keyfile", "gen-short-key", b"\x01" + hdr + b"key 1 5 abcd\n")
    put("keyfile", "gen-raw-bad-crc", b"\x00" + hdr + key(1) + b"end 1 00000000\n")
    put("keyfile", "gen-raw-truncated", b"\x00" + hdr + key(1)[:40])


# ---- reference clocks (native struct layouts of this host, as the writers use)
def nmea(body):
    x = 0
    for c in body.encode():
        x ^= c
    return b"$" + body.encode() + b"*%02X" % x


def shm_seg(mode=1, count=5, csec=1700000000, cusec=250000, rsec=1700000000, rusec=249000,
            leap=0, prec=-20, valid=1, cnsec=None, rnsec=None):
    cnsec = cusec * 1000 if cnsec is None else cnsec
    rnsec = rusec * 1000 if rnsec is None else rnsec
    b = struct.pack("@iiqiqiiiiiII8i", mode, count, csec, cusec, rsec, rusec, leap, prec, 3,
                    valid, cnsec, rnsec, *([0] * 8))
    return b + b"\0" * (-len(b) % 8)


def sock(sec=1700000000, usec=500000, offset=0.0123, pulse=0, leap=0, magic=0x534f434b):
    return struct.pack("@qqdiiii", sec, usec, offset, pulse, leap, 0, magic)


def refclock_seeds():
    """nmea: first octet splits the stream into two reads; shm: selector
    octet (1: count races, 2: short copy) then the segment; refsock: the
    datagram; pps: edge selector then struct fetch records."""
    lines = [nmea("GPRMC,123519.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
             nmea("GNRMC,235959.250,A,,,,,,,311224,,,A"),
             nmea("GPZDA,010203.5,29,02,2028,00,00"),
             nmea("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"),
             nmea("GPRMC,123519,V,,,,,,,230394,,,N"),
             nmea("GPGSV,3,1,11,03,03,111,00,04,15,270,00"),
             nmea("PGRMZ,246,f,3"),
             b"$GPRMC,123519,A,,,,,,,230394,,*00"]
    for i, l in enumerate(lines):
        put("nmea", "gen-line-%d" % i, bytes([len(l) // 2]) + l + b"\r\n")
    put("nmea", "gen-stream", b"\x07" + b"\r\n".join(lines) + b"\r\n")
    put("nmea", "gen-noise-resync", b"\x03" + b"\xff\x00garbage" + lines[0] + b"\n")
    put("nmea", "gen-long", b"\x00" + b"$" + b"A" * 300 + b"\n" + lines[2] + b"\n")
    put("shm", "gen-mode1", b"\x00" + shm_seg())
    put("shm", "gen-mode0", b"\x00" + shm_seg(mode=0, count=0))
    put("shm", "gen-race", b"\x01" + shm_seg())
    put("shm", "gen-empty", b"\x00" + shm_seg(valid=0))
    put("shm", "gen-old-nsec", b"\x00" + shm_seg(cnsec=7, rnsec=9))
    put("shm", "gen-bad-usec", b"\x00" + shm_seg(cusec=1000000))
    put("shm", "gen-short", b"\x02" + shm_seg()[:40])
    put("refsock", "gen-sample", sock())
    put("refsock", "gen-pulse-leap", sock(pulse=1, leap=1, offset=-0.4))
    put("refsock", "gen-bad-magic", sock(magic=0x4b434f53))
    put("refsock", "gen-short", sock()[:-4])

    def fetch(aseq, asec, ansec, cseq, csec, cnsec, coarse_us, age_us):
        return struct.pack("@IIqqiiii", aseq, cseq, asec, csec, ansec, cnsec, coarse_us, age_us)
    run = b"".join(fetch(i, 1700000000 + i, 999000000, i, 1700000001 + i, 100000000, -300000, 200000)
                   for i in range(1, 5))
    put("pps", "gen-assert-run", b"\x00" + run)
    put("pps", "gen-clear-run", b"\x01" + run)
    put("pps", "gen-stale-ambiguous", b"\x00" + fetch(1, 1700000000, 0, 0, 0, 0, 0, 5000000) +
        fetch(2, 1700000000, 500000000, 0, 0, 0, 0, 1000) + fetch(2, 1700000000, 0, 0, 0, 0, 0, 10))
def rules_seeds():
    """rules: selector octet (0 KE request, 1 KE response, 2 NTP) + data;
    every KE and NTS vector of testvectors/, so the walker starts from
    each rule broken once."""
    for sub, sel in (("ntske", None), ("nts", 2), ("ntp", 2)):
        d = os.path.join(TV, sub)
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".hex"):
                continue
            s = sel if sel is not None else (1 if fn.startswith("resp-") else 0)
            put("rules", "tv-%s-%s" % (sub, fn[:-4]), bytes([s]) + hexfile(os.path.join(d, fn)))


def main():
    if "--clean" in sys.argv:
        for t in os.listdir(CORPUS) if os.path.isdir(CORPUS) else []:
            for fn in os.listdir(os.path.join(CORPUS, t)):
                if fn.startswith(("tv-", "gen-")):
                    os.unlink(os.path.join(CORPUS, t, fn))
    from_testvectors("ntske", "req-", "ke_request")
    from_testvectors("ntske", "resp-", "ke_response")
    from_testvectors("ntp", "", "ntp_ef")
    ke_seeds()
    ntp_seeds()
    nts_server_seeds()
    nts_client_seeds()
    nts_assoc_seeds()
    cookie_seeds()
    conf_seeds()
    pcap_seeds()
    keyfile_seeds()
    refclock_seeds()
    rules_seeds()
    for t in sorted(os.listdir(CORPUS)):
        print("%-12s %d inputs" % (t, len(os.listdir(os.path.join(CORPUS, t)))))


if __name__ == "__main__":
    main()
