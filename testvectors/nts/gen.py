#!/usr/bin/env python3
"""Regenerate the NTS extension-field vectors in this directory.

An implementation independent of libnts: AES-SIV-CMAC-256 comes from the
Python 'cryptography' package (AESSIV, RFC 5297 output order: SIV then
ciphertext; the nonce is passed as the last associated-data component, as
RFC 8915 section 5.6 specifies). Run it from this directory:
    python3 gen.py
The fixed inputs below are also written into each file's comments.
"""
import struct
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

AEAD_ID = 15                                  # AEAD_AES_SIV_CMAC_256
C2S = bytes(range(0x00, 0x20))
S2C = bytes(range(0x20, 0x40))
MASTER_ID = 0x01020304
MASTER_KEY = bytes(range(0x40, 0x60))
UID = bytes(range(0xa0, 0xc0))                # 32 octets
REQ_NONCE = bytes(range(0x60, 0x70))          # 16 octets
RESP_NONCE = bytes(range(0x70, 0x80))
COOKIE_NONCES = [bytes([0x80 + i] * 16) for i in range(3)]
REQ_XMT = 0xEC2F5A2B12345678


def pad4(b):
    return b + b'\0' * (-len(b) % 4)


def ef(t, body):
    body = pad4(body)
    if len(body) < 12:
        body += b'\0' * (12 - len(body))
    return struct.pack('>HH', t, 4 + len(body)) + body


def hdr(mode, stratum=0, refid=0, org=0, rec=0, xmt=REQ_XMT, leap=0):
    return struct.pack('>BBbbIIIQQQQ', leap << 6 | 4 << 3 | mode, stratum, 6, -20,
                       0x100 if mode == 4 else 0, 0x200 if mode == 4 else 0,
                       refid, 0, org, rec, xmt)


def cookie(nonce):
    """A cookie as libnts/cookie.c makes it: key id || nonce || SIV under the
    master key of (aead id, key length, C2S, S2C) with the key id as AD."""
    kid = struct.pack('>I', MASTER_ID)
    pt = struct.pack('>HH', AEAD_ID, len(C2S)) + C2S + S2C
    return kid + nonce + AESSIV(MASTER_KEY).encrypt(pt, [kid, nonce])


def auth(key, ad, nonce, pt, extra_pad=0, nlen=None, clen=None):
    ct = AESSIV(key).encrypt(pt, [ad, nonce]) if nonce else b'\0' * (16 + len(pt))
    body = struct.pack('>HH', len(nonce) if nlen is None else nlen,
                       len(ct) if clen is None else clen)
    body += pad4(nonce) + pad4(ct) + b'\0' * extra_pad
    return ef(0x0404, body)


def request(fields_before_auth, nonce=REQ_NONCE, key=C2S, after=b'', **kw):
    pkt = hdr(3) + b''.join(fields_before_auth)
    return pkt + auth(key, pkt, nonce, b'', **kw) + after


COOKIE = cookie(COOKIE_NONCES[0])
UID_EF = ef(0x0104, UID)
COOKIE_EF = ef(0x0204, COOKIE)
PH_EF = ef(0x0304, b'\0' * len(COOKIE))

KEYS = f"""AEAD 15 (AES-SIV-CMAC-256). C2S = {C2S.hex()}
S2C = {S2C.hex()}
Cookie master key id 0x{MASTER_ID:08x}, key {MASTER_KEY.hex()}
Unique Identifier = {UID.hex()}
Request nonce = {REQ_NONCE.hex()}, transmit timestamp 0x{REQ_XMT:016x}"""


def dump(name, comment, data):
    with open(name, 'w') as f:
        for line in (comment.strip() + '\n' + KEYS).split('\n'):
            f.write(('# ' + line).rstrip() + '\n')
        f.write('# made by gen.py in this directory\n')
        for i in range(0, len(data), 16):
            f.write(data[i:i + 16].hex(' ') + '\n')


def main():
    req = request([UID_EF, COOKIE_EF, PH_EF])
    dump('request.hex', """A valid NTS client request: header (mode 3), Unique Identifier,
NTS Cookie (104 octets, sealed under the master key below with cookie
nonce 80 x 16), one Cookie Placeholder (104 zero octets), and an NTS
Authenticator with an empty plaintext, sealed with C2S over everything
before it.""", req)

    new = [cookie(COOKIE_NONCES[1]), cookie(COOKIE_NONCES[2])]
    pt = b''.join(ef(0x0204, c) for c in new)
    rh = hdr(4, stratum=2, refid=0x7f7f0101, org=REQ_XMT, rec=0xEC2F5A2B20000000,
             xmt=0xEC2F5A2B20100000)
    resp = rh + UID_EF
    resp += auth(S2C, resp, RESP_NONCE, pt)
    assert len(resp) <= len(req)
    dump('response.hex', f"""The server's answer to request.hex: header (mode 4, stratum 2, org =
the request's transmit time), the Unique Identifier echoed, and an NTS
Authenticator sealed with S2C, nonce {RESP_NONCE.hex()}, whose plaintext
holds two NTS Cookie fields (cookie nonces 81 x 16 and 82 x 16).
Not longer than the request (RFC 8915 section 5.7).""", resp)

    nak = hdr(4, stratum=0, refid=0x4E54534E, org=REQ_XMT, xmt=0, leap=3) + UID_EF
    nak = bytearray(nak)
    nak[2] = 6          # poll echoed
    nak[3] = 0          # precision 0
    nak[4:12] = bytes(8)
    dump('nak.hex', """An NTS NAK for request.hex (RFC 8915 section 5.7): leap 3, mode 4,
stratum 0, reference id NTSN, origin = request transmit time, Unique
Identifier echoed, no authenticator.""", bytes(nak))

    good12 = request([UID_EF, COOKIE_EF], nonce=REQ_NONCE[:12], extra_pad=4)
    dump('request-nonce12-padded.hex', """Valid: a 12-octet nonce followed, after the ciphertext, by 4 octets of
Additional Padding so nonce + padding reach 16 (RFC 8915 section 5.6).""", good12)

    bad = {
        'bad-no-uid.hex': ("No Unique Identifier (NTS_E_NTS_NO_UID).",
                           request([COOKIE_EF])),
        'bad-uid-short.hex': ("Unique Identifier of 28 octets (NTS_E_NTS_UID_SHORT).",
                              request([ef(0x0104, UID[:28]), COOKIE_EF])),
        'bad-uid-dup.hex': ("Two Unique Identifiers (NTS_E_NTS_DUP_UID).",
                            request([UID_EF, UID_EF, COOKIE_EF])),
        'bad-no-cookie.hex': ("No NTS Cookie (NTS_E_NTS_NO_COOKIE).",
                              request([UID_EF, PH_EF])),
        'bad-cookie-dup.hex': ("Two NTS Cookies (NTS_E_NTS_DUP_COOKIE).",
                               request([UID_EF, COOKIE_EF, COOKIE_EF])),
        'bad-no-auth.hex': ("No NTS Authenticator (NTS_E_NTS_NO_AUTH).",
                            hdr(3) + UID_EF + COOKIE_EF),
        'bad-auth-not-last.hex': ("A 16-octet field of type 0x7777 after the Authenticator "
                                  "(NTS_E_NTS_AUTH_NOT_LAST).",
                                  request([UID_EF, COOKIE_EF], after=ef(0x7777, b''))),
        'bad-nonce-short.hex': ("A 12-octet nonce without Additional Padding "
                                "(NTS_E_NTS_NONCE_SHORT).",
                                request([UID_EF, COOKIE_EF], nonce=REQ_NONCE[:12])),
        'bad-nonce-zero.hex': ("Nonce length 0 (NTS_E_NTS_NONCE_SHORT); the body keeps "
                               "16 octets of room for it.",
                               request([UID_EF, COOKIE_EF], nonce=b'', extra_pad=16)),
        'bad-auth-ct-overrun.hex': ("Ciphertext length 400 runs past the Authenticator body "
                                    "(NTS_E_NTS_AUTH_MALFORMED).",
                                    request([UID_EF, COOKIE_EF], clen=400)),
        'bad-auth-ct-short.hex': ("Ciphertext length 8, shorter than the 16-octet SIV "
                                  "(NTS_E_NTS_AUTH_MALFORMED).",
                                  request([UID_EF, COOKIE_EF], clen=8)),
        'bad-placeholder-size.hex': ("A Cookie Placeholder of 100 octets with a 104-octet "
                                     "cookie (NTS_E_NTS_PLACEHOLDER_SIZE).",
                                     request([UID_EF, COOKIE_EF, ef(0x0304, bytes(100))])),
    }
    for name, (comment, pkt) in bad.items():
        dump(name, "Malformed NTS request, otherwise valid and sealed with C2S:\n" + comment, pkt)


if __name__ == '__main__':
    main()
