/* pattern.c - the shape of a log message (see pattern.h). One pass over
 * the first line: words are classified as they are read, placeholders and
 * literal bytes are gathered into the shape, which is then hashed whole,
 * 8 bytes at a time (the view shapes every line it receives). */
#include "core/pattern.h"

#include <stdbool.h>
#include <string.h>

#include "core/hash.h"

/* Most bytes of a shape: a placeholder is at most three times the bytes
 * it replaces ("7" -> "<n>"), so the shape of PATTERN_SCAN_MAX bytes fits.
 * The hash covers the whole shape; only the text handed out is cut. */
#define PATTERN_SHAPE_MAX (3 * PATTERN_SCAN_MAX)

/* The shape being gathered. */
struct pattern_out {
	size_t len;
	char p[PATTERN_SHAPE_MAX];
};

/* Byte classes, one table lookup per byte. */
enum {
	PC_DIGIT = 1,
	PC_ALPHA = 2,
	PC_HEXALPHA = 4, /* a-f A-F */
	PC_WORD = 8,     /* starts or continues a word: alnum and _ */
	PC_JOIN = 16,    /* . - : joins two word parts ("a.b", "2024-12") */
};

static unsigned char pattern_class[256];

/* Fill the class table (once; racing fills write the same bytes). */
static void
pattern_classes(void)
{
	int c;

	if (pattern_class['0'] != 0)
		return;
	for (c = 0; c < 256; c++) {
		unsigned char k = 0;

		if (c >= '0' && c <= '9')
			k = PC_DIGIT | PC_WORD;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			k = PC_ALPHA | PC_WORD;
		else if (c == '_')
			k = PC_WORD;
		else if (c == '.' || c == '-')
			k = PC_JOIN;
		if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			k |= PC_HEXALPHA;
		pattern_class[c] = k;
	}
}

/* Add n bytes to the shape (past PATTERN_SHAPE_MAX, which the bound
 * above rules out, the rest would be dropped). */
static void
pattern_put(struct pattern_out *o, const char *s, size_t n)
{
	if (n > PATTERN_SHAPE_MAX - o->len)
		n = PATTERN_SHAPE_MAX - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* True when w (n bytes, starting with a digit) is a duration: one or more
 * number-unit pairs, "331ms", "2.5s", "1m30s", "10us", "3min". */
static bool
pattern_duration(const unsigned char *w, size_t n)
{
	static const char *const units[] = {"ns", "us", "ms", "min", "mins",
	    "sec", "secs", "s", "m", "h", "d", NULL};
	size_t i = 0, u, k;
	bool any = false;

	while (i < n) {
		size_t start = i;

		while (i < n && (pattern_class[w[i]] & PC_DIGIT))
			i++;
		if (i < n && w[i] == '.' && i > start) {
			i++;
			while (i < n && (pattern_class[w[i]] & PC_DIGIT))
				i++;
		}
		if (i == start)
			return false;
		/* The longest unit that ends where the letters end. */
		for (k = i; k < n && (pattern_class[w[k]] & PC_ALPHA); k++)
			;
		for (u = 0; units[u] != NULL; u++) {
			if (strlen(units[u]) == k - i &&
			    memcmp(w + i, units[u], k - i) == 0)
				break;
		}
		if (units[u] == NULL)
			return false;
		i = k;
		any = true;
	}
	return any;
}

/* The placeholder for word w (n bytes), or NULL to keep it as text. */
static const char *
pattern_word(const unsigned char *w, size_t n)
{
	unsigned all = 0, hexonly = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char k = pattern_class[w[i]];

		all |= k;
		if ((k & PC_ALPHA) && !(k & PC_HEXALPHA))
			hexonly = 0;
		if (w[i] == '_' || w[i] == '.')
			hexonly = 0;
	}
	if (!(all & PC_DIGIT))
		return NULL; /* plain words: "upload", "chunk" */
	if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
		for (i = 2; i < n && (pattern_class[w[i]] &
		                         (PC_DIGIT | PC_HEXALPHA));
		     i++)
			;
		if (i == n)
			return "<hex>";
	}
	if (!(all & PC_ALPHA))
		return "<n>"; /* 17, 3.14, 2024-12-07, 10.0.0.1 */
	if ((pattern_class[w[0]] & PC_DIGIT) && pattern_duration(w, n))
		return "<dur>";
	/* Hashes, UUIDs: hex digits and dashes, at least 8 long. */
	if (hexonly && n >= 8 && (all & PC_HEXALPHA))
		return "<hex>";
	return "<id>"; /* user42, run-7f3a9, ord_8f3a2 */
}

uint64_t
pattern_norm(const char *msg, size_t n, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)msg;
	struct pattern_out o;
	size_t i = 0, lit = 0, j;
	const char *ph;

	pattern_classes();
	o.len = 0;
	if (n > PATTERN_SCAN_MAX)
		n = PATTERN_SCAN_MAX;
	if (msg == NULL)
		n = 0;
	/* [lit, i) is literal text not yet written. */
	while (i < n && s[i] != '\n') {
		unsigned char c = s[i];
		unsigned k = pattern_class[c], all;

		if (k & PC_WORD) {
			/* The classes of the word's bytes, or-ed as it is
			 * read: a word without a digit stays text. */
			all = k;
			j = i + 1;
			while (j < n) {
				k = pattern_class[s[j]];
				if (k & PC_WORD) {
					all |= k;
					j++;
				} else if ((k & PC_JOIN) && j + 1 < n &&
				           (pattern_class[s[j + 1]] & PC_WORD)) {
					all |= pattern_class[s[j + 1]];
					j += 2;
				} else
					break;
			}
			if ((all & PC_DIGIT) &&
			    (ph = pattern_word(s + i, j - i)) != NULL) {
				pattern_put(&o, (const char *)s + lit, i - lit);
				pattern_put(&o, ph, strlen(ph));
				lit = j;
			}
			i = j;
			continue;
		}
		/* A quoted value; an apostrophe only after a non-word byte,
		 * so "don't" stays text. */
		if (c == '"' || (c == '\'' && (i == 0 || !(pattern_class[s[i - 1]] &
		                                             PC_WORD)))) {
			for (j = i + 1; j < n && j - i <= PATTERN_QUOTE_MAX &&
			                s[j] != c && s[j] != '\n';
			     j++)
				;
			if (j < n && s[j] == c && j - i <= PATTERN_QUOTE_MAX) {
				pattern_put(&o, (const char *)s + lit, i - lit);
				pattern_put(&o, "<q>", 3);
				i = lit = j + 1;
				continue;
			}
		}
		i++;
	}
	pattern_put(&o, (const char *)s + lit, i - lit);
	if (out != NULL && cap > 0) {
		j = o.len < cap - 1 ? o.len : cap - 1;
		memcpy(out, o.p, j);
		out[j] = '\0';
	}
	return hash_words64(o.p, o.len);
}

uint64_t
pattern_hash(const char *msg, size_t n)
{
	return pattern_norm(msg, n, NULL, 0);
}
