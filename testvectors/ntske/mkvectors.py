#!/usr/bin/env python3
"""Write the NTS-KE message vectors of this directory as commented hex.

Each file is one NTS-KE message (RFC 8915 section 4): records of a 16-bit
word (critical bit + 15-bit type), a 16-bit body length and the body. Run
from this directory; the output is committed, so the tests do not need
Python. Usage: ./mkvectors.py
"""

EOM, PROTO, ERROR, WARNING, AEAD, COOKIE, SERVER, PORT = range(8)
NAMES = {EOM: "End of Message", PROTO: "Next Protocol", ERROR: "Error",
         WARNING: "Warning", AEAD: "AEAD", COOKIE: "New Cookie",
         SERVER: "Server", PORT: "Port"}


def rec(rtype, body=b"", crit=True, declared=None, cut=None, note=None):
    """One record as (comment, bytes); declared overrides the length field,
    cut keeps only that many octets of the encoded record."""
    word = rtype | (0x8000 if crit else 0)
    blen = len(body) if declared is None else declared
    data = word.to_bytes(2, "big") + blen.to_bytes(2, "big") + body
    if cut is not None:
        data = data[:cut]
    name = NAMES.get(rtype, "type %d" % rtype)
    text = "%s%s, body %d" % (name, " (critical)" if crit else "", blen)
    if note:
        text += ": " + note
    return text, data


def ids(*values):
    return b"".join(v.to_bytes(2, "big") for v in values)


def cookie(i, size):
    return bytes((i * 16 + j) & 0xff for j in range(size))


def write(name, title, records):
    with open(name, "w") as f:
        f.write("# %s\n" % title)
        for text, data in records:
            f.write("# %s\n" % text)
            for k in range(0, len(data), 32):
                f.write(data[k:k + 32].hex(" ") + "\n")


P = rec(PROTO, ids(0), note="NTPv4")
A = rec(AEAD, ids(30, 15), note="AES-128-GCM-SIV, AES-SIV-CMAC-256")
A1 = rec(AEAD, ids(15), note="AES-SIV-CMAC-256")
E = rec(EOM)
SRV = rec(SERVER, b"ntp1.example.org", crit=False, note="ntp1.example.org")
PRT = rec(PORT, ids(4123), crit=False, note="4123")


def cookies(n, size):
    return [rec(COOKIE, cookie(i, size), crit=False, note="cookie %d" % i)
            for i in range(n)]


# Requests (server side): valid ones first, then one per invalid class.
write("req-valid.hex", "valid request: NTPv4, two AEADs", [P, A, E])
write("req-valid-server-port.hex", "valid request with Server and Port",
      [P, A, SRV, PRT, E])
write("req-missing-proto.hex", "no Next Protocol record", [A, E])
write("req-dup-proto.hex", "two Next Protocol records", [P, P, A, E])
write("req-proto-not-critical.hex", "Next Protocol without critical bit",
      [rec(PROTO, ids(0), crit=False), A, E])
write("req-missing-aead.hex", "NTPv4 offered but no AEAD record", [P, E])
write("req-dup-aead.hex", "two AEAD records", [P, A, A1, E])
write("req-missing-eom.hex", "End of Message missing", [P, A])
write("req-after-eom.hex", "a record follows End of Message", [P, A, E, A1])
write("req-eom-body.hex", "End of Message with a 2-octet body",
      [P, A, rec(EOM, ids(0))])
write("req-unknown-critical.hex", "unknown critical record (type 0x4000)",
      [P, A, rec(0x4000, b"\xab\xcd", crit=True), E])
write("req-unknown-noncritical.hex",
      "unknown non-critical record (type 0x4000): valid, ignored",
      [P, rec(0x4000, b"\xab\xcd", crit=False), A, E])
write("req-trunc-header.hex", "message ends inside a record header",
      [P, A, rec(EOM, cut=2, note="2 of 4 header octets")])
write("req-trunc-body.hex", "message ends inside a record body",
      [P, rec(AEAD, ids(15), declared=4, note="declares 4, has 2")])
write("req-aead-odd.hex", "AEAD list of odd length",
      [P, rec(AEAD, ids(15) + b"\x00"), E])
write("req-port-len.hex", "Port record with a 3-octet body",
      [P, A, rec(PORT, b"\x00\x7b\x00", crit=False), E])
write("req-dup-server.hex", "two Server records", [P, A, SRV, SRV, E])
write("req-new-cookie.hex", "New Cookie in a request (clients MUST NOT)",
      [P, A, rec(COOKIE, cookie(0, 16), crit=False), E])
write("req-error-record.hex", "Error record in a request (clients MUST NOT)",
      [P, A, rec(ERROR, ids(1)), E])
write("req-too-long.hex", "16402 octets, over NTSKE_MAX_MESSAGE (16384)",
      [P, A, rec(0x4001, bytes(16380), crit=False, note="zero padding"), E])

# Responses (client side).
write("resp-valid.hex", "valid response: NTPv4, AES-SIV-CMAC-256, 8 cookies",
      [P, A1] + cookies(8, 100) + [E])
write("resp-valid-server-port.hex",
      "valid response with Server and Port, 2 cookies of 104 octets",
      [P, A1, rec(SERVER, b"192.0.2.7", note="192.0.2.7"),
       rec(PORT, ids(123), note="123")] + cookies(2, 104) + [E])
write("resp-error.hex", "Error record (Bad Request) alone",
      [rec(ERROR, ids(1)), E])
write("resp-no-cookie.hex", "no New Cookie record", [P, A1, E])
write("resp-two-protos.hex", "two Next Protocol records",
      [P, P, A1] + cookies(1, 100) + [E])
write("resp-proto-two-ids.hex", "Next Protocol naming two ids",
      [rec(PROTO, ids(0, 0x8001)), A1] + cookies(1, 100) + [E])
write("resp-empty-proto.hex", "empty Next Protocol: no protocol accepted",
      [rec(PROTO, b""), rec(AEAD, b""), E])
write("resp-two-aeads.hex", "two AEAD records",
      [P, A1, A1] + cookies(1, 100) + [E])
write("resp-aead-two-ids.hex", "AEAD naming two ids",
      [P, rec(AEAD, ids(15, 30))] + cookies(1, 100) + [E])
write("resp-oversize-cookie.hex", "cookie of 513 octets (limit 512)",
      [P, A1, rec(COOKIE, cookie(0, 513), crit=False), E])
write("resp-bad-server.hex", "Server record with a space and a control octet",
      [P, A1, rec(SERVER, b"bad host\x01"), E])
write("resp-nine-cookies.hex", "nine cookies: valid, the ninth ignored",
      [P, A1] + cookies(9, 100) + [E])
write("resp-warning.hex", "Warning record with unassigned code 5",
      [P, A1, rec(WARNING, ids(5))] + cookies(1, 100) + [E])
write("resp-unknown-critical.hex", "unknown critical record (type 0x4000)",
      [P, A1, rec(0x4000, b"")] + cookies(1, 100) + [E])

# The critical bit of section 4.1.x, one rule each (libnts/nts_rules.c).
write("resp-error-not-critical.hex", "Error record without the critical bit (4.1.3: MUST)",
      [rec(ERROR, ids(1), crit=False), E])
write("resp-warning-not-critical.hex", "Warning without the critical bit (4.1.4: MUST)",
      [P, A1, rec(WARNING, ids(5), crit=False)] + cookies(1, 100) + [E])
write("resp-cookie-critical.hex",
      "New Cookie records with the critical bit (4.1.6: SHOULD NOT; accepted)",
      [P, A1] + [rec(COOKIE, cookie(i, 100), note="cookie %d" % i) for i in range(2)] + [E])
write("req-error-not-critical.hex", "Error record without the critical bit in a request",
      [P, A, rec(ERROR, ids(1), crit=False), E])
write("resp-eom-not-critical.hex", "End of Message without the critical bit",
      [P, A1] + cookies(1, 100) + [rec(EOM, crit=False)])
