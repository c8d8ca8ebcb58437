/* TLS credentials from files: the programs read, libnts parses (nts/tls.h). */
#ifndef COMMON_TLSCREDS_H
#define COMMON_TLSCREDS_H

#include <stddef.h>

struct nts_tls_creds;

/* Server credentials from a PEM certificate chain file and its key file.
 * NTS_E_IO when a file cannot be read, NTS_E_CONF when its content is not
 * usable; err names the file. */
int tlscreds_server(const char *cert_file, const char *key_file, struct nts_tls_creds **out,
		    char *err, size_t errlen);

/* Client trust anchors: a PEM file, a directory of PEM files, or NULL for
 * the system store (the distribution's CA bundle, TLSCREDS_SYSTEM_BUNDLES). */
int tlscreds_client(const char *ca_path, struct nts_tls_creds **out, char *err, size_t errlen);

/* Where the system's CA bundle is looked for, first found wins: Debian and
 * derivatives, Fedora/RHEL, Alpine/BSD. */
#define TLSCREDS_SYSTEM_BUNDLES \
	"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", \
	"/etc/ssl/cert.pem"

#endif
