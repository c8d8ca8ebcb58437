/* Fuzz target: nts-pcap's decoders: link/IP/UDP/TCP frames of each supported
 * DLT, the NTP + NTS extension-field view, and NTS-KE record messages. The
 * first input octet picks the DLT and the KE direction; the rest is data. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "ke.h"
#include "np.h"

static const int dlts[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct np_ntp n;
	static struct np_ke_msg m;
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	uint8_t *copy = malloc(len ? len : 1);
	FUZZ_SETUP(copy != NULL);
	memcpy(copy, data + 1, len);

	struct np_frame f;
	const char *why = NULL;
	int dlt = dlts[(sel & 0x0f) % (sizeof dlts / sizeof dlts[0])];
	/* a capture may record fewer octets than were on the wire */
	size_t wirelen = (sel & 0x40) ? len + 100 : len;
	int rc = np_frame_decode(dlt, copy, len, wirelen, &f, &why);
	if (rc == NP_FRAME_OK) {
		FUZZ_CHECK(f.payload >= copy && f.payload + f.len <= copy + len);
		if (f.l4 == NP_L4_UDP)
			np_ntp_decode(f.payload, f.len, &n);
		else
			np_ke_msg_decode(f.payload, f.len, sel & 0x80, &m);
	} else if (rc == NP_FRAME_BAD) {
		FUZZ_CHECK(why != NULL);
	}
	/* the data as an NTP packet and as a KE message, too */
	memset(&n, 0, sizeof n);
	np_ntp_decode(copy, len, &n);
	FUZZ_CHECK(!n.uid || (n.uid >= copy && n.uid + n.uid_len <= copy + len));
	FUZZ_CHECK(!n.cookie || (n.cookie >= copy && n.cookie + n.cookie_len <= copy + len));
	FUZZ_CHECK(!n.nonce || (n.nonce >= copy && n.nonce + n.nonce_len <= copy + len));
	FUZZ_CHECK(!n.ct || (n.ct >= copy && n.ct + n.ct_len <= copy + len));
	char buf[256];
	np_findings_str(n.findings, buf, sizeof buf);
	memset(&m, 0, sizeof m);
	np_ke_msg_decode(copy, len, sel & 0x80, &m);
	/* ncookies counts every New Cookie record; the first NTS_MAX_COOKIES are kept */
	FUZZ_CHECK(m.nrec <= NP_KE_MAX_RECORDS);
	for (unsigned i = 0; i < m.ncookies && i < NTS_MAX_COOKIES; i++)
		FUZZ_CHECK(m.cookies[i] >= copy && m.cookies[i] + m.cookie_len[i] <= copy + len);
	FUZZ_CHECK(memchr(m.server, '\0', sizeof m.server) != NULL);
	free(copy);
	return 0;
}
