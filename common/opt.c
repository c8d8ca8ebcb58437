/* opt: checked option values with one message format for every program. */
#include <config.h>

#include <stdio.h>

#include "common/opt.h"
#include "nts/err.h"
#include "nts/num.h"

bool opt_uint(const char *prog, const char *opt, const char *arg, uint64_t min, uint64_t max,
	      uint64_t *out)
{
	char why[256];
	if (nts_num_uint(arg, min, max, out, why, sizeof why) == NTS_OK)
		return true;
	fprintf(stderr, "%s: %s: %s\n", prog, opt, why);
	return false;
}

bool opt_unsigned(const char *prog, const char *opt, const char *arg, unsigned min, unsigned max,
		  unsigned *out)
{
	uint64_t v;
	if (!opt_uint(prog, opt, arg, min, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

bool opt_port(const char *prog, const char *opt, const char *arg, uint16_t *out)
{
	uint64_t v;
	if (!opt_uint(prog, opt, arg, 1, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool opt_double(const char *prog, const char *opt, const char *arg, double min, double max,
		double *out)
{
	char why[256];
	if (nts_num_double(arg, min, max, out, why, sizeof why) == NTS_OK)
		return true;
	fprintf(stderr, "%s: %s: %s\n", prog, opt, why);
	return false;
}
