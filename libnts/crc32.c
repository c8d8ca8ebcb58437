/* crc32: the CRC-32 of the key file's end line, one implementation for all. */
#include <config.h>

#include "nts/crc32.h"

/* Bitwise, no table: key files are a few kilobytes, read at start and on
 * rotation, so 8 shifts per octet cost nothing worth 1 KiB of table. */
uint32_t nts_crc32(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}
