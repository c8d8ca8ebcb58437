/* Command-line option values, checked: the whole argument in range, or a
 * clear message "PROG: OPTION: reason" on stderr and false. */
#ifndef COMMON_OPT_H
#define COMMON_OPT_H

#include <stdbool.h>
#include <stdint.h>

bool opt_uint(const char *prog, const char *opt, const char *arg, uint64_t min, uint64_t max,
	      uint64_t *out);
/* The same into narrower types. */
bool opt_unsigned(const char *prog, const char *opt, const char *arg, unsigned min, unsigned max,
		  unsigned *out);
bool opt_port(const char *prog, const char *opt, const char *arg, uint16_t *out);
bool opt_double(const char *prog, const char *opt, const char *arg, double min, double max,
		double *out);

#endif
