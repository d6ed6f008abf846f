/*
 * le - little-endian integers read from bytes, for the binary formats
 * (zip, 7z, rar, TNEF, compressed RTF, Office encryption). The caller
 * checks that the bytes are there; these only assemble them.
 */
#ifndef DLP_LE_H
#define DLP_LE_H

#include <stdint.h>

static inline uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

#endif
