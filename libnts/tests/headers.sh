#!/bin/sh
# DESIGN.md rule 4 on the installed headers: no GnuTLS type or header in
# libnts/nts/*.h (GnuTLS stays in aead.c and the tls_*.c files behind
# tls_int.h), so callers and fuzzers never need GnuTLS to use the API.
set -u
dir=${NTS_SRCDIR:-.}/libnts/nts
[ -d "$dir" ] || { echo "headers: $dir missing" >&2; exit 99; }
hits=$(grep -n -E 'gnutls_[a-z0-9_]+|<gnutls/' "$dir"/*.h)
if [ -n "$hits" ]; then
	echo "headers: GnuTLS in a public header:"
	echo "$hits"
	exit 1
fi
echo "headers: $(ls "$dir"/*.h | wc -l) public headers, none mentions GnuTLS"
