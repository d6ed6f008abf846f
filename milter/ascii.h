/*
 * ascii - how far a run of ASCII bytes goes, read 8 bytes at a time.
 * Mail text is mostly ASCII, and the charset checks and normalisation
 * pass ASCII through as it is: they skip such runs with this. Owns
 * nothing.
 */
#ifndef DLP_ASCII_H
#define DLP_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ascii_run: how many bytes from p (n of them) are ASCII (below 0x80). */
static inline size_t
ascii_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t w;

	while (n - i >= 8) {
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			break;
		i += 8;
	}
	while (i < n && p[i] < 0x80)
		i++;
	return i;
}

#endif
