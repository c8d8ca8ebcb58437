/* CRC-32 (IEEE 802.3, the one of zlib and PNG). A checksum, not a MAC. */
#ifndef NTS_CRC32_H
#define NTS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 of p[n]: reflected polynomial 0xedb88320, initial and final XOR
 * 0xffffffff; nts_crc32("123456789", 9) == 0xcbf43926. */
uint32_t nts_crc32(const void *p, size_t n);

#endif
