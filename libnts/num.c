/* num: whole-string number parsing with bounds and a reason on failure. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/err.h"
#include "nts/num.h"

/* Not a number at all: say so with the text as given. */
static int not_a_number(char *why, size_t whylen, const char *s)
{
	if (why && whylen)
		snprintf(why, whylen, "\"%s\" is not a number", s);
	return NTS_E_INVAL;
}

int nts_num_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
		 size_t whylen)
{
	if (!s || !out)
		return NTS_E_INVAL;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	/* strtoull would take blanks and a sign ("-1" is ULLONG_MAX); refuse them */
	bool first_ok = (*digits >= '0' && *digits <= '9') ||
			(hex && ((*digits >= 'a' && *digits <= 'f') || (*digits >= 'A' && *digits <= 'F')));
	if (!first_ok)
		return not_a_number(why, whylen, s);
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(digits, &end, hex ? 16 : 10);
	if (!end || *end != '\0')
		return not_a_number(why, whylen, s);
	if (errno == ERANGE || v < min || v > max) {
		if (why && whylen)
			snprintf(why, whylen, "\"%s\" is out of range (%llu to %llu)", s,
				 (unsigned long long)min, (unsigned long long)max);
		return NTS_E_INVAL;
	}
	*out = v;
	return NTS_OK;
}

int nts_num_double(const char *s, double min, double max, double *out, char *why,
		   size_t whylen)
{
	if (!s || !out)
		return NTS_E_INVAL;
	bool first_ok = (*s >= '0' && *s <= '9') || *s == '.' ||
			((*s == '-' || *s == '+') && ((s[1] >= '0' && s[1] <= '9') || s[1] == '.'));
	/* no hexadecimal floats, "inf" or "nan": an option value is decimal */
	if (!first_ok || strpbrk(s, "xXnN"))
		return not_a_number(why, whylen, s);
	errno = 0;
	char *end = NULL;
	double v = strtod(s, &end);
	if (!end || end == s || *end != '\0')
		return not_a_number(why, whylen, s);
	if (errno == ERANGE || !isfinite(v) || v < min || v > max) {
		if (why && whylen)
			snprintf(why, whylen, "\"%s\" is out of range (%g to %g)", s, min, max);
		return NTS_E_INVAL;
	}
	*out = v;
	return NTS_OK;
}
