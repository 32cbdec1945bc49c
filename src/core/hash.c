/* hash.c - FNV-1a: a byte-at-a-time hash, good enough to spread table
 * keys and colours, cheap to compute; and a word-at-a-time 64-bit hash
 * for message shapes, where FNV-1a's one multiply per byte showed in the
 * view's profile (bench/RESULTS.md, row 2). */
#include "core/hash.h"

#include <string.h>

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


/* MurmurHash3's 64-bit constants (x64_128 lane 1, and fmix64). */
#define HASH_W_C1 0x87c37b91114253d5ULL
#define HASH_W_C2 0x4cf5ad432745937fULL
#define HASH_W_SEED 0x9e3779b97f4a7c15ULL

/* Rotate x left by r (0 < r < 64). */
static inline uint64_t
hash_rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* The n (<= 8) bytes at b as a little-endian word, zero-filled. */
static inline uint64_t
hash_le64(const unsigned char *b, size_t n)
{
	uint64_t w = 0;

	if (n == 8) {
		memcpy(&w, b, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		return w;
	}
	while (n-- > 0)
		w = (w << 8) | b[n];
	return w;
}

/* One word into h (MurmurHash3 x64's body for one lane). */
static inline uint64_t
hash_w_add(uint64_t h, uint64_t k)
{
	k *= HASH_W_C1;
	k = hash_rotl64(k, 31);
	k *= HASH_W_C2;
	h ^= k;
	h = hash_rotl64(h, 27);
	return h * 5 + 0x52dce729;
}

uint64_t
hash_words64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = HASH_W_SEED;
	size_t len = n;

	for (; n >= 8; b += 8, n -= 8)
		h = hash_w_add(h, hash_le64(b, 8));
	/* The tail (and the length, below) tell "a" from "a\0". */
	if (n > 0)
		h = hash_w_add(h, hash_le64(b, n));
	h ^= (uint64_t)len;
	/* fmix64: every input bit reaches every output bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}
