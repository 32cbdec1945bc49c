/* hash.h - the one string hash of the project (FNV-1a, 32 bits), shared by
 * the client core (a source's colour) and the server (its hash tables).
 * Not for anything an attacker must not steer: tables that use it keep
 * their chains short by their own limits. */
#ifndef LOGDECK_HASH_H
#define LOGDECK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The FNV-1a offset basis: the h to start a hash with. */
#define HASH_FNV1A_INIT 2166136261u

/* Hash n bytes at p on from h (HASH_FNV1A_INIT, or a previous result to
 * hash several pieces as one). */
uint32_t hash_fnv1a(uint32_t h, const void *p, size_t n);
/* Hash the NUL-terminated string s on from h. */
uint32_t hash_fnv1a_str(uint32_t h, const char *s);

/* The 64-bit FNV-1a, for keys that must rarely collide (the patterns of
 * messages, core/pattern.c): start from HASH_FNV1A64_INIT and add bytes. */
#define HASH_FNV1A64_INIT 14695981039346656037ULL
/* Inline: the pattern normaliser calls it for every few bytes. */
static inline uint64_t
hash_fnv1a64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

#endif
