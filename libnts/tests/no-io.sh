#!/bin/sh
# Asserts DESIGN.md rule 1 on the built library: no libnts object calls the
# network, poll/epoll, the system clock or clock-setting functions, and only
# keyfile.c and tls.c (and log.c's stderr sink) touch files or GnuTLS sessions.
set -u
lib=${NTS_BUILDDIR:-.}/libnts/.libs/libnts.a
[ -f "$lib" ] || { echo "no-io: $lib not built" >&2; exit 99; }
command -v nm >/dev/null || { echo "no-io: nm missing" >&2; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
net='socket|socketpair|connect|bind|listen|accept|accept4|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|getaddrinfo'
wait='poll|ppoll|select|pselect|epoll_create|epoll_create1|epoll_ctl|epoll_wait|epoll_pwait|sleep|usleep'
clock='clock_settime|settimeofday|adjtimex|ntp_adjtime|clock_adjtime|adjtime|stime|time|clock_gettime|gettimeofday'
file='open|open64|openat|fopen|fopen64|read|write|rename|unlink|mkstemp|mkstemp64|fsync|flock|creat'
session='gnutls_init|gnutls_handshake|gnutls_record_send|gnutls_record_recv|gnutls_prf_rfc5705|gnutls_transport_set_int2'
bad=0
cd "$tmp" && ar x "$lib" || exit 99
for o in *.o; do
	syms=$(nm -u "$o" | awk '{print $NF}' | sed 's/@.*//')
	deny="$net|$wait|$clock"
	case $o in
	*-keyfile.o) deny="$net|$clock|epoll_create|epoll_ctl|epoll_wait|poll|select" ;;  # locked file I/O with a bounded retry sleep
	*-tls.o) ;;                          # GnuTLS sessions on the caller's fd, key log file
	*-log.o) deny="$deny|$session|open|fopen|openat|rename|unlink" ;;  # write(2) to stderr only
	*) deny="$deny|$file|$session" ;;
	esac
	hits=$(printf '%s\n' $syms | grep -x -E "$deny" | tr '\n' ' ')
	if [ -n "$hits" ]; then
		echo "no-io: $o calls $hits"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "no-io: $(ls *.o | wc -l) objects checked, no forbidden calls"
exit $bad
