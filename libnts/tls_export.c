/* tls_export: the NTS keys from the TLS exporter (RFC 8915 section 5.1, RFC 5705). */
#include <config.h>

#include <stdint.h>

#include <gnutls/gnutls.h>

#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/tls.h"
#include "tls_int.h"

static int export_keys(gnutls_session_t session, uint16_t proto, uint16_t aead, uint8_t *c2s,
		       uint8_t *s2c, size_t key_len)
{
	if (!session || !c2s || !s2c || key_len == 0)
		return NTS_E_INVAL;
	/* Context: Protocol ID (u16), AEAD ID (u16), then 0x00 for the
	 * client-to-server key or 0x01 for server-to-client. */
	uint8_t ctx[5] = {(uint8_t)(proto >> 8), (uint8_t)proto, (uint8_t)(aead >> 8),
			  (uint8_t)aead, 0};
	const size_t label_len = sizeof NTSKE_EXPORTER_LABEL - 1;
	if (gnutls_prf_rfc5705(session, label_len, NTSKE_EXPORTER_LABEL, sizeof ctx,
			       (const char *)ctx, key_len, (char *)c2s) < 0)
		return NTS_E_CRYPTO;
	ctx[4] = 1;
	if (gnutls_prf_rfc5705(session, label_len, NTSKE_EXPORTER_LABEL, sizeof ctx,
			       (const char *)ctx, key_len, (char *)s2c) < 0)
		return NTS_E_CRYPTO;
	return NTS_OK;
}

int nts_tls_export_keys(struct nts_tls *t, uint16_t proto, uint16_t aead, uint8_t *c2s,
			uint8_t *s2c, size_t key_len)
{
	if (!t)
		return NTS_E_INVAL;
	return export_keys(t->s, proto, aead, c2s, s2c, key_len);
}
