/* Fuzz target: the ntp.conf-style tokenizer (libnts/conf.c) over arbitrary text. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/conf.h"
#include "nts/err.h"

/* Bounds the walk even if the tokenizer failed to make progress. */
#define MAX_DIRECTIVES 100000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nts_conf *c = malloc(sizeof *c);
	FUZZ_SETUP(c != NULL);
	nts_conf_init(c, "fuzz.conf", (const char *)data, size);
	struct nts_conf_line line;
	unsigned lastline = 0;
	for (unsigned n = 0; n < MAX_DIRECTIVES; n++) {
		size_t before = c->pos;
		int rc = nts_conf_next(c, &line);
		if (rc == 0)
			break;
		/* Every call consumes input, so the walk ends after at most one
		 * call per input octet; line numbers never go back. */
		FUZZ_CHECK(c->pos > before || rc == 0);
		FUZZ_CHECK(c->pos <= size);
		FUZZ_CHECK(c->lineno >= lastline);
		lastline = c->lineno;
		if (rc < 0) {
			FUZZ_CHECK(rc == NTS_E_CONF);
			FUZZ_CHECK(memchr(c->err, '\0', sizeof c->err) != NULL);
			FUZZ_CHECK(strncmp(c->err, "fuzz.conf:", 10) == 0);
			continue;
		}
		FUZZ_CHECK(rc == 1);
		FUZZ_CHECK(line.argc >= 1 && line.argc <= NTS_CONF_MAX_ARGS);
		for (int i = 0; i < line.argc; i++) {
			/* words live inside the tokenizer's line buffer */
			FUZZ_CHECK(line.argv[i] >= c->buf && line.argv[i] < c->buf + sizeof c->buf);
			size_t room = (size_t)(c->buf + sizeof c->buf - line.argv[i]);
			FUZZ_CHECK(memchr(line.argv[i], '\0', room) != NULL);
			uint64_t v;
			bool b;
			if (nts_conf_uint(line.argv[i], 0, 65535, &v))
				FUZZ_CHECK(v <= 65535);
			(void)nts_conf_bool(line.argv[i], &b);
		}
		char msg[128];
		FUZZ_CHECK(nts_conf_error(&line, msg, sizeof msg, "%s", line.argv[0]) == NTS_E_CONF);
		FUZZ_CHECK(memchr(msg, '\0', sizeof msg) != NULL);
	}
	free(c);
	return 0;
}
