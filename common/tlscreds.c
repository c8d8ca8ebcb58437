/* tlscreds: reading certificate, key and CA files for libnts's TLS credentials. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/slurp.h"
#include "common/tlscreds.h"
#include "nts/err.h"
#include "nts/tls.h"

#define PEM_FILE_MAX (4u << 20)      /* a CA bundle is ~200 kB */
#define CA_DIR_MAX_FILES 4096

int tlscreds_server(const char *cert_file, const char *key_file, struct nts_tls_creds **out,
		    char *err, size_t errlen)
{
	if (!cert_file || !key_file || !out)
		return NTS_E_INVAL;
	*out = NULL;
	uint8_t *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc = slurp_file(cert_file, PEM_FILE_MAX, &cert, &cert_len, err, errlen);
	if (rc == NTS_OK)
		rc = slurp_file(key_file, PEM_FILE_MAX, &key, &key_len, err, errlen);
	if (rc == NTS_OK) {
		struct nts_tls_pem c = {cert, cert_len, cert_file}, k = {key, key_len, key_file};
		rc = nts_tls_server_creds_from_pem(&c, &k, out, err, errlen);
	}
	slurp_free(cert, cert_len);
	slurp_free(key, key_len);   /* wiped: it held the private key */
	return rc;
}

/* Append one file to the growing bundle b[*len] (capacity *cap). */
static int bundle_add(const char *path, uint8_t **b, size_t *len, size_t *cap, char *err,
		      size_t errlen)
{
	uint8_t *text = NULL;
	size_t n = 0;
	int rc = slurp_file(path, PEM_FILE_MAX, &text, &n, err, errlen);
	if (rc != NTS_OK)
		return rc;
	if (*len + n + 2 > *cap) {
		size_t ncap = (*len + n + 2) * 2;
		uint8_t *nb = realloc(*b, ncap);
		if (!nb) {
			slurp_free(text, n);
			return NTS_E_NOMEM;
		}
		*b = nb;
		*cap = ncap;
	}
	memcpy(*b + *len, text, n);
	*len += n;
	(*b)[(*len)++] = '\n';   /* a file without a final newline must not glue onto the next */
	(*b)[*len] = '\0';
	slurp_free(text, n);
	return NTS_OK;
}

/* Every regular file of dir, as the old trust-directory loading did: files
 * that hold no certificate add nothing. */
static int bundle_dir(const char *dir, uint8_t **b, size_t *len, size_t *cap, char *err,
		      size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NTS_E_IO;
	}
	int rc = NTS_OK;
	struct dirent *e;
	for (int files = 0; rc == NTS_OK && files < CA_DIR_MAX_FILES && (e = readdir(d)); files++) {
		char path[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		int w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (w < 0 || (size_t)w >= sizeof path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (bundle_add(path, b, len, cap, err, errlen) == NTS_E_NOMEM)
			rc = NTS_E_NOMEM;
	}
	closedir(d);
	return rc;
}

int tlscreds_client(const char *ca_path, struct nts_tls_creds **out, char *err, size_t errlen)
{
	static const char *const system_bundles[] = {TLSCREDS_SYSTEM_BUNDLES};
	if (!out)
		return NTS_E_INVAL;
	*out = NULL;
	const char *name = ca_path;
	struct stat st;
	if (!ca_path) {
		for (size_t i = 0; i < sizeof system_bundles / sizeof system_bundles[0] && !name; i++)
			if (stat(system_bundles[i], &st) == 0)
				name = system_bundles[i];
		if (!name) {
			snprintf(err, errlen, "system trust store: no CA bundle found (%s)",
				 system_bundles[0]);
			return NTS_E_IO;
		}
	} else if (stat(ca_path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", ca_path, strerror(errno));
		return NTS_E_IO;
	}
	uint8_t *b = NULL;
	size_t len = 0, cap = 0;
	int rc = S_ISDIR(st.st_mode) ? bundle_dir(name, &b, &len, &cap, err, errlen)
				     : bundle_add(name, &b, &len, &cap, err, errlen);
	if (rc == NTS_OK) {
		struct nts_tls_pem ca = {b ? b : (const uint8_t *)"", len, name};
		rc = nts_tls_client_creds_from_pem(&ca, out, err, errlen);
	}
	free(b);
	return rc;
}
