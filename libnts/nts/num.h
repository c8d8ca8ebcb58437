/* Checked number parsing for options and configuration: the whole string,
 * within bounds, or a reason in words. No strtoul/atoi in the programs. */
#ifndef NTS_NUM_H
#define NTS_NUM_H

#include <stddef.h>
#include <stdint.h>

/* A whole decimal number in [min, max] ("0x" prefix: hexadecimal). Signs,
 * blanks, empty strings and trailing junk are refused. NTS_OK, or
 * NTS_E_INVAL with why = "\"12x\" is not a number" or
 * "\"70000\" is out of range (1 to 65535)"; why may be NULL. */
int nts_num_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
		 size_t whylen);

/* A whole finite decimal number (fractions and exponents allowed) in
 * [min, max]; errors as nts_num_uint. */
int nts_num_double(const char *s, double min, double max, double *out, char *why,
		   size_t whylen);

#endif
