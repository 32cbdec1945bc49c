/* hash.c - FNV-1a: a byte-at-a-time hash, good enough to spread table
 * keys and colours, cheap to compute. */
#include "core/hash.h"

/* The FNV-1a 32-bit prime. */
#define HASH_FNV1A_PRIME 16777619u

uint32_t
hash_fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0)
		h = (h ^ *b++) * HASH_FNV1A_PRIME;
	return h;
}

uint32_t
hash_fnv1a_str(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * HASH_FNV1A_PRIME;
	return h;
}

