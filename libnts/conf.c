/* ntp.conf-style tokenizer: words, quotes, comments, continuations, FILE:LINE errors. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nts/conf.h"
#include "nts/err.h"

void nts_conf_init(struct nts_conf *c, const char *name, const char *text, size_t len)
{
	memset(c, 0, sizeof *c);
	c->name = name ? name : "(config)";
	c->text = text;
	c->len = text ? len : 0;
	c->lineno = 0;
}

/* Scratch state for one logical line. */
struct line_state {
	size_t bpos;          /* next free octet of c->buf */
	bool in_word;
	bool in_quote;
	bool in_comment;
	const char *why;      /* first problem seen on this line */
};

/* Open a word at the current buffer position unless one is open. */
static bool start_word(struct nts_conf *c, struct nts_conf_line *l, struct line_state *s)
{
	if (s->why)
		return false;
	if (s->in_word)
		return true;
	if (l->argc >= NTS_CONF_MAX_ARGS) {
		s->why = "too many words on one line";
		return false;
	}
	if (s->bpos + 1 > sizeof c->buf) {
		s->why = "line too long";
		return false;
	}
	l->argv[l->argc++] = c->buf + s->bpos;
	s->in_word = true;
	return true;
}

static void put_char(struct nts_conf *c, struct nts_conf_line *l, struct line_state *s, char ch)
{
	if (!start_word(c, l, s))
		return;
	/* keep room for this word's terminating NUL */
	if (s->bpos + 2 > sizeof c->buf) {
		s->why = "line too long";
		return;
	}
	c->buf[s->bpos++] = ch;
}

static void end_word(struct nts_conf *c, struct line_state *s)
{
	if (!s->in_word)
		return;
	if (s->bpos < sizeof c->buf)
		c->buf[s->bpos++] = '\0';
	s->in_word = false;
}

/* Consume one character outside quotes and comments; true at end of line. */
static bool plain_char(struct nts_conf *c, struct nts_conf_line *l, struct line_state *s, char ch)
{
	switch (ch) {
	case '\n':
		return true;
	case '#':
		end_word(c, s);
		s->in_comment = true;
		return false;
	case '"':
		/* an empty "" still makes a word */
		start_word(c, l, s);
		s->in_quote = true;
		return false;
	case '\\':
		if (c->pos < c->len && c->text[c->pos] == '\n') {
			c->pos++;
			c->lineno++;
			end_word(c, s);
			return false;
		}
		if (c->pos + 1 < c->len && c->text[c->pos] == '\r' && c->text[c->pos + 1] == '\n') {
			c->pos += 2;
			c->lineno++;
			end_word(c, s);
			return false;
		}
		put_char(c, l, s, ch);
		return false;
	case ' ':
	case '\t':
	case '\r':
	case '\v':
	case '\f':
		end_word(c, s);
		return false;
	default:
		put_char(c, l, s, ch);
		return false;
	}
}

/* Consume one character inside quotes; true at end of line (an error). */
static bool quoted_char(struct nts_conf *c, struct nts_conf_line *l, struct line_state *s, char ch)
{
	if (ch == '\n') {
		if (!s->why)
			s->why = "unterminated quote";
		return true;
	}
	if (ch == '"') {
		s->in_quote = false;
		return false;
	}
	if (ch == '\\' && c->pos < c->len && (c->text[c->pos] == '"' || c->text[c->pos] == '\\'))
		ch = c->text[c->pos++];
	put_char(c, l, s, ch);
	return false;
}

int nts_conf_next(struct nts_conf *c, struct nts_conf_line *line)
{
	for (;;) {
		if (c->pos >= c->len)
			return 0;
		struct line_state s = { 0 };
		memset(line, 0, sizeof *line);
		line->file = c->name;
		line->lineno = ++c->lineno;
		bool eol = false;
		while (!eol && c->pos < c->len) {
			char ch = c->text[c->pos++];
			if (ch == '\0') {
				if (!s.why)
					s.why = "NUL octet in configuration text";
				continue;
			}
			if (s.in_comment)
				eol = ch == '\n';
			else if (s.in_quote)
				eol = quoted_char(c, line, &s, ch);
			else
				eol = plain_char(c, line, &s, ch);
		}
		if (s.in_quote && !s.why)
			s.why = "unterminated quote";
		end_word(c, &s);
		if (s.why) {
			snprintf(c->err, sizeof c->err, "%s:%u: %s", c->name, line->lineno, s.why);
			line->argc = 0;
			return NTS_E_CONF;
		}
		if (line->argc > 0)
			return 1;
	}
}

int nts_conf_error(const struct nts_conf_line *line, char *buf, size_t len, const char *fmt, ...)
{
	if (!buf || len == 0)
		return NTS_E_CONF;
	int n = snprintf(buf, len, "%s:%u: ", line && line->file ? line->file : "(config)",
			 line ? line->lineno : 0);
	if (n < 0 || (size_t)n >= len)
		return NTS_E_CONF;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return NTS_E_CONF;
}

bool nts_conf_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || !end || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool nts_conf_bool(const char *s, bool *out)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "yes", true }, { "no", false }, { "on", true }, { "off", false },
		{ "true", true }, { "false", false }, { "1", true }, { "0", false },
	};
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcasecmp(s, words[i].word) == 0) {
			*out = words[i].value;
			return true;
		}
	}
	return false;
}
