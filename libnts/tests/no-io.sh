#!/bin/sh
# Asserts DESIGN.md rule 1 on the built library, with no exceptions: no
# libnts object calls the network, poll/epoll, sleeps, reads a clock, sets
# the clock, touches a file or the environment, or hands GnuTLS a file or a
# socket to do any of that itself. TLS sessions move bytes through the
# caller's transport (nts/tls.h); files, sockets, stderr and clocks belong to
# the programs and their library (common/).
set -u
lib=${NTS_BUILDDIR:-.}/libnts/.libs/libnts.a
[ -f "$lib" ] || { echo "no-io: $lib not built" >&2; exit 99; }
command -v nm >/dev/null || { echo "no-io: nm missing" >&2; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
net='socket|socketpair|connect|bind|listen|accept|accept4|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|getaddrinfo'
wait='poll|ppoll|select|pselect|epoll_create|epoll_create1|epoll_ctl|epoll_wait|epoll_pwait|sleep|usleep|nanosleep|clock_nanosleep'
clock='clock_settime|settimeofday|adjtimex|ntp_adjtime|clock_adjtime|adjtime|stime|time|clock_gettime|gettimeofday'
file='open|open64|openat|fopen|fopen64|fdopen|freopen|read|write|writev|readv|pread|pwrite|close|rename|unlink|mkstemp|mkstemp64|fsync|fdatasync|flock|fcntl|creat|stat|stat64|fstat|fstat64|lstat|fchmod|chmod|mkdir|opendir|readdir|fprintf|fputs|fputc|fwrite|fread|fgets|printf|puts|putchar|perror|syslog|getenv|secure_getenv|setenv|unsetenv'
# GnuTLS calls that read files or do socket I/O on a descriptor of ours
gnutls_io='gnutls_transport_set_int|gnutls_transport_set_int2|gnutls_transport_set_ptr2|gnutls_load_file|gnutls_certificate_set_x509_system_trust|gnutls_certificate_set_x509_trust_file|gnutls_certificate_set_x509_trust_dir|gnutls_certificate_set_x509_key_file|gnutls_certificate_set_x509_key_file2|gnutls_certificate_set_x509_crl_file'
deny="$net|$wait|$clock|$file|$gnutls_io"
bad=0
cd "$tmp" && ar x "$lib" || exit 99
for o in *.o; do
	hits=$(nm -u "$o" | awk '{print $NF}' | sed 's/@.*//' | grep -x -E "$deny" | tr '\n' ' ')
	if [ -n "$hits" ]; then
		echo "no-io: $o calls $hits"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "no-io: $(ls *.o | wc -l) objects checked, no forbidden calls, no exceptions"
exit $bad
