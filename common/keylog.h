/* The NSS key log file (SSLKEYLOGFILE format) that Wireshark and nts-pcap read. */
#ifndef COMMON_KEYLOG_H
#define COMMON_KEYLOG_H

/* A key log sink for nts_tls_client_opts.keylog: ctx is the file's path
 * (const char *). Appends the line and a newline; the file is created mode
 * 0600, since it holds every session secret. Failures are ignored: a key
 * log is a debugging aid and must never fail a handshake. */
void keylog_append(const void *ctx, const char *line);

#endif
