/* Fuzz target: the mode 6 codec (libnts/mode6.c), both directions.
 * First octet even: the rest is a run of datagrams (2-octet length before
 * each) fed to the decoder and a reassembler, whose complete answer goes
 * through the association-list and variable-list readers. Odd: the rest is
 * response data that must survive fragmenting and reassembly (in reverse
 * order) octet for octet, and every variable read from it must read back
 * the same after the writer has written it again. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/err.h"
#include "nts/mode6.h"

static void read_vars(const uint8_t *text, size_t len)
{
	struct nts_m6_vr r;
	struct nts_m6_var v;
	static char again[NTS_M6_MAX_DATA * 2];
	struct nts_m6_vw w;
	nts_m6_vw_init(&w, again, sizeof again);
	nts_m6_vr_init(&r, text, len);
	size_t items = 0;
	for (size_t guard = 0; guard <= len && nts_m6_vr_next(&r, &v); guard++) {
		FUZZ_CHECK(v.name[0] != '\0');
		FUZZ_CHECK(strlen(v.name) < sizeof v.name && strlen(v.value) < sizeof v.value);
		FUZZ_CHECK(r.pos <= r.len);
		/* a name with a separator in it cannot come back the same */
		if (strpbrk(v.name, ",=\"") || strpbrk(v.value, ",\"") || strchr(v.value, '='))
			continue;
		if (v.has_value && v.value[0] && v.value[0] != ' ' &&
		    v.value[strlen(v.value) - 1] != ' ' && nts_m6_vw_put(&w, v.name, "%s", v.value))
			items++;
	}
	nts_m6_vw_end(&w);
	/* what the writer wrote, the reader reads back item for item */
	nts_m6_vr_init(&r, again, w.len);
	size_t back = 0;
	while (back <= items && nts_m6_vr_next(&r, &v))
		back++;
	FUZZ_CHECK(back == items);
}

static void decode_side(const uint8_t *data, size_t size)
{
	static struct nts_m6_reasm r;
	struct nts_m6_msg first;
	bool started = false;
	size_t pos = 0;
	while (pos + 2 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		const uint8_t *pkt = data + pos;
		pos += len;
		struct nts_m6_msg m;
		int rc = nts_m6_decode(pkt, len, &m);
		if (rc != NTS_OK)
			continue;
		FUZZ_CHECK(NTS_M6_HDR_LEN + (size_t)m.count <= len);
		if (!started) {
			first = m;
			nts_m6_reasm_init(&r, first.seq, first.op, first.assoc);
			started = true;
		}
		rc = nts_m6_reasm_add(&r, pkt, len);
		if (rc == 1) {
			FUZZ_CHECK(r.total <= NTS_M6_MAX_DATA);
			struct nts_m6_assoc a[NTS_M6_MAX_DATA / 4];
			int n = nts_m6_assoc_list(r.data, r.total, a, sizeof a / sizeof a[0]);
			FUZZ_CHECK(n == NTS_E_M6_COUNT || (size_t)n * 4 == r.total);
			read_vars(r.data, r.total);
			break;
		}
		if (rc == NTS_E_M6_SERVER)
			break;
	}
}

static void encode_side(const uint8_t *data, size_t size)
{
	static uint8_t frags[NTS_M6_MAX_FRAGS][NTS_M6_FRAG_MAX];
	static struct nts_m6_reasm r;
	size_t lens[NTS_M6_MAX_FRAGS];
	if (size < 3)
		return;
	size_t max = 1 + data[0] % NTS_M6_MAX_FRAGS;
	struct nts_m6_msg t = { .version = 4, .op = NTS_M6_OP_READVAR, .seq = data[1],
				.assoc = data[2] };
	data += 3;
	size -= 3;
	size_t n = nts_m6_fragment(&t, data, size, frags, lens, max);
	size_t need = size == 0 ? 1 : (size + NTS_M6_DATA_MAX - 1) / NTS_M6_DATA_MAX;
	FUZZ_CHECK(n == (need <= max ? need : 0));
	if (n == 0)
		return;
	nts_m6_reasm_init(&r, t.seq, t.op, t.assoc);
	int rc = 0;
	for (size_t i = n; i-- > 0;) {
		FUZZ_CHECK(!!(frags[i][1] & NTS_M6_MORE) == (i + 1 < n));
		rc = nts_m6_reasm_add(&r, frags[i], lens[i]);
		FUZZ_CHECK(rc == (i == 0 ? 1 : 0));
	}
	FUZZ_CHECK(r.total == size && memcmp(r.data, data, size) == 0);
	read_vars(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		encode_side(data + 1, size - 1);
	else
		decode_side(data + 1, size - 1);
	return 0;
}
