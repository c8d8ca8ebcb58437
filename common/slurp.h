/* Reading a whole (small) file into memory, with errors that name it. */
#ifndef COMMON_SLURP_H
#define COMMON_SLURP_H

#include <stddef.h>
#include <stdint.h>

/* Read PATH (at most max octets) into a fresh NUL-terminated buffer; *len
 * excludes the NUL. NTS_E_IO with "PATH: reason" in err when it cannot be
 * read, NTS_E_CONF when it is larger than max. Free with slurp_free(),
 * which wipes it (key files pass through here). */
int slurp_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
	       size_t errlen);
void slurp_free(uint8_t *buf, size_t len);

#endif
