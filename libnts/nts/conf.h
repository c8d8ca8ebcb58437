/* ntp.conf-style line tokenizer with FILE:LINE error reporting (no I/O:
 * the caller reads the file and hands over its text). */
#ifndef NTS_CONF_H
#define NTS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTS_CONF_MAX_ARGS 32     /* words on one line, keyword included */
#define NTS_CONF_MAX_LINE 4096   /* longest logical line accepted */
#define NTS_CONF_ERR_LEN 512

/* Grammar: one directive per line; words separated by blanks; '#' starts a
 * comment outside quotes; "double quoted" words may hold blanks and the
 * escapes \" and \\; a backslash at the very end of a line continues it.
 * Empty and comment-only lines are skipped. */
struct nts_conf {
	const char *name;        /* file name used in messages */
	const char *text;
	size_t len;
	size_t pos;
	unsigned lineno;         /* line being read (1-based) */
	char err[NTS_CONF_ERR_LEN];
	char buf[NTS_CONF_MAX_LINE];
};

/* One directive: argv[0] is the keyword; the strings live in the tokenizer
 * and stay valid until the next nts_conf_next() call. */
struct nts_conf_line {
	const char *file;
	unsigned lineno;         /* line the directive starts on */
	int argc;
	char *argv[NTS_CONF_MAX_ARGS];
};

/* Start tokenizing text (len octets, need not be NUL-terminated). */
void nts_conf_init(struct nts_conf *c, const char *name, const char *text, size_t len);

/* 1 and the next directive in *line, 0 at the end of the text, or NTS_E_CONF
 * with "FILE:LINE: reason" in c->err (an unterminated quote, a line or word
 * count over the limits, a NUL octet). After an error the tokenizer has
 * moved past the bad line, so reading on reports every error of a file. */
int nts_conf_next(struct nts_conf *c, struct nts_conf_line *line);

/* Format "FILE:LINE: reason" for a directive into buf; returns NTS_E_CONF
 * so a directive handler can end with `return nts_conf_error(...)`. */
int nts_conf_error(const struct nts_conf_line *line, char *buf, size_t len,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Parse a whole decimal number in [min, max]; false on junk or range. */
bool nts_conf_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Parse a boolean word: yes/no, on/off, true/false, 1/0. */
bool nts_conf_bool(const char *s, bool *out);

#endif
