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

#endif
