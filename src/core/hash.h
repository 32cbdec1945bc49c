/* hash.h - the string hashes of the project: FNV-1a (32 bits), shared by
 * the client core (a source's colour) and the server (its hash tables),
 * and a 64-bit word-at-a-time hash for message shapes.
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

/* A 64-bit hash for keys that must rarely collide (the shapes of
 * messages, core/pattern.c), read 8 bytes at a time: MurmurHash3's 64-bit
 * mixing over little-endian words, then its finaliser. The same bytes give
 * the same value on every run and machine. */
uint64_t hash_words64(const void *p, size_t n);

#endif
