#!/bin/bash
# make check: nts-pcap's NTP header fields and extension-field types and
# lengths agree with tshark's on every stored capture (skipped without tshark).
set -u
command -v tshark > /dev/null || { echo "SKIP: tshark not installed"; exit 77; }
command -v python3 > /dev/null || { echo "SKIP: python3 not installed"; exit 77; }
tv=${NTS_TESTVECTORS:?}/pcap
bin=${NTS_BUILDDIR:?}/nts-pcap/nts-pcap
cmp=${NTS_SRCDIR:?}/interop/pcap-tshark-compare.py
fail=0
# capture, NTP port, KE port
while read -r cap ntp ke; do
	echo "== $cap"
	python3 "$cmp" "$bin" "$tv/$cap" "$ntp" --ke-port "$ke" || fail=1
done <<LIST
real/chrony-chrony.pcap 11123 14460
real/chrony-ntpsec.pcap 123 4460
real/ntpsec-chrony.pcap 12123 15460
real/probe-chrony.pcap 13123 16460
real/chrony-ntsd.pcap 17123 18460
real/chrony-chrony-ipv6.pcap 19123 19460
findings/placeholder-mismatch-no.pcap 123 4460
findings/auth-not-last-yes.pcap 123 4460
findings/nak-unmatched-yes.pcap 123 4460
LIST
exit $fail
