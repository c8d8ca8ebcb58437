#!/usr/bin/env python3
"""Cross-check nts-pcap against tshark on what both decode: the NTP header
fields and the extension-field types and lengths of every NTP packet.
Usage: pcap-tshark-compare.py NTS_PCAP CAPTURE NTP_PORT [more nts-pcap args]
Prints one line per disagreement and a summary; exit 0 when all agree."""
import datetime
import json
import subprocess
import sys

FIELDS = ["frame.number", "ntp.flags.li", "ntp.flags.vn", "ntp.flags.mode", "ntp.stratum",
          "ntp.ppoll", "ntp.precision", "ntp.rootdelay", "ntp.rootdispersion", "ntp.refid",
          "ntp.reftime", "ntp.org", "ntp.rec", "ntp.xmt", "ntp.ext.type", "ntp.ext.length"]
NTP_UNIX = 2208988800


def tshark(cap, port):
    cmd = ["tshark", "-r", cap, "-Y", "ntp", "-T", "fields", "-E", "separator=|",
           "-E", "aggregator=,"]
    if port != "123":
        cmd += ["-d", "udp.port==%s,ntp" % port]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("|")))
        rows[int(v["frame.number"])] = v
    return rows


def ts_text(hexval):
    """An NTP timestamp as tshark prints it, to the microsecond."""
    raw = int(hexval, 16)
    secs, frac = raw >> 32, raw & 0xFFFFFFFF
    if secs == 0:                  # tshark shows NULL whenever the seconds are 0
        return "NULL"
    if secs < 0x80000000:          # era 1, as tshark reads it (RFC 4330 section 3)
        secs += 1 << 32
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs - NTP_UNIX)
    return t.strftime("%b %e, %Y %H:%M:%S") + ".%06d" % (frac * 1000000 >> 32)


def tshark_ts(text):
    if text in ("", "NULL"):
        return "NULL"
    head, _, rest = text.partition(".")
    return head + "." + rest[:6]


def main():
    nts_pcap, cap, port = sys.argv[1:4]
    args = [nts_pcap, "--json", "-v", cap] + (["--ntp-port", port] if port != "123" else [])
    args += sys.argv[4:]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    ours = {}
    control = set()   # mode 6/7: tshark shows other fields; not compared
    for line in out.splitlines():
        o = json.loads(line)
        if o.get("type") == "ntp" and not o.get("control"):
            ours[o["frame"]] = o
        elif o.get("type") == "ntp":
            control.add(o["frame"])
    theirs = tshark(cap, port)
    bad = 0
    compared = 0

    def diff(frame, what, a, b):
        nonlocal bad
        if str(a) != str(b):
            bad += 1
            print("frame %d %s: nts-pcap %r, tshark %r" % (frame, what, a, b))

    for frame, t in sorted(theirs.items()):
        if frame in control:
            continue
        o = ours.get(frame)
        if o is not None and "error" in o and "leap" not in o:
            diff(frame, "header", "malformed", "decoded")
            continue
        if o is None:
            diff(frame, "packet", "missing", "present")
            continue
        compared += 1
        diff(frame, "leap", o["leap"], t["ntp.flags.li"])
        diff(frame, "version", o["version"], t["ntp.flags.vn"])
        diff(frame, "mode", o["mode"], t["ntp.flags.mode"])
        diff(frame, "stratum", o["stratum"], t["ntp.stratum"])
        diff(frame, "poll", o["poll"] & 0xFF, t["ntp.ppoll"])
        diff(frame, "precision", o["precision"] & 0xFF, t["ntp.precision"])
        # tshark 4.0 prints both in raw 16.16 units (1/65536 s)
        diff(frame, "root delay", round(o["root_delay"] * 65536), round(float(t["ntp.rootdelay"])))
        diff(frame, "root dispersion", round(o["root_dispersion"] * 65536),
             round(float(t["ntp.rootdispersion"])))
        diff(frame, "refid", o["refid_hex"], t["ntp.refid"].replace(":", ""))
        for k, f in (("reftime", "ntp.reftime"), ("org", "ntp.org"), ("rec", "ntp.rec"),
                     ("xmt", "ntp.xmt")):
            diff(frame, k, ts_text(o[k]), tshark_ts(t[f]))
        types = ["0x%04x" % e["type"] for e in o["extensions"]]
        lens = [str(e["len"]) for e in o["extensions"]]
        diff(frame, "extension types", ",".join(types), t["ntp.ext.type"])
        diff(frame, "extension lengths", ",".join(lens), t["ntp.ext.length"])
    extra = set(ours) - set(theirs)
    print("# compared %d NTP packets with tshark: %d disagreements, %d packets only nts-pcap decoded"
          % (compared, bad, len(extra)))
    sys.exit(1 if bad or not compared else 0)


if __name__ == "__main__":
    main()
