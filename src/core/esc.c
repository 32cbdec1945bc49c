/* esc.c - terminal-safe rendering of untrusted text.
 *
 * Rules (esc_text):
 * - printable ASCII (0x20-0x7e) is copied; runs of it are copied whole;
 * - a backslash stays a single backslash: the rendering is for display and
 *   is not reversible (a literal "\n" in the text and an escaped line feed
 *   look the same), which keeps Windows paths and regexes readable;
 * - LF, CR and TAB become \n \r \t, every other C0 control and DEL become
 *   \xNN (lowercase hex: \x1b, \x00, \x7f);
 * - UTF-8 encoded C1 controls (U+0080-U+009F) become \u0085 style escapes;
 * - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
 *   become \u202e style escapes;
 * - invalid UTF-8 (stray continuation bytes, overlongs, surrogates, code
 *   points past U+10FFFF, truncated sequences, raw bytes 0x80-0x9f) becomes
 *   one U+FFFD per byte that does not start a valid sequence;
 * - every other valid UTF-8 sequence is copied unchanged. */
#include "core/esc.h"

#include <string.h>

#include "core/buf.h"

/* Input bytes rendered per buffer reservation; bounds the slack reserved
 * beyond the real output to ESC_MAX_OUT times this. */
#define ESC_CHUNK 4096
/* Most output bytes one input byte can turn into ("\x1b" for ESC). */
#define ESC_MAX_OUT 4
/* Longest UTF-8 sequence: an item may run this far past a chunk's end. */
#define ESC_MAX_SEQ 4

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static const char esc_hex[] = "0123456789abcdef";

/* Nonzero when one of the eight bytes of w is not printable ASCII. */
static inline unsigned long long
esc_unprintable8(unsigned long long w)
{
	return (((w - ONES * 0x20) & ~w) | (w + ONES) | w) & HIGHS;
}

bool
esc_unsafe_cp(uint32_t cp)
{
	/* C1 controls (U+0080-U+009F) and the bidi controls that reorder
	 * the text after them. */
	return (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t
esc_utf8_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c = u[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return 0; /* continuation byte, or overlong 2-byte lead */
	if (c < 0xe0) {
		if (n < 2 || (u[1] & 0xc0) != 0x80)
			return 0;
		*cp = ((c & 0x1fu) << 6) | (u[1] & 0x3fu);
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] > 0x9f))
			return 0; /* overlong, or a surrogate */
		*cp = ((c & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) |
		      (u[2] & 0x3fu);
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80 ||
		    (u[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && u[1] < 0x90) || (c == 0xf4 && u[1] > 0x8f))
			return 0; /* overlong, or past U+10FFFF */
		*cp = ((c & 0x07u) << 18) | ((u[1] & 0x3fu) << 12) |
		      ((u[2] & 0x3fu) << 6) | (u[3] & 0x3fu);
		return 4;
	}
	return 0;
}

/* Render the items of s (n bytes) that start before limit into d, which
 * has room for ESC_MAX_OUT * (limit + ESC_MAX_SEQ) bytes. Sets *used to
 * the input consumed; returns the bytes written. */
static size_t
esc_render(char *d, const char *s, size_t n, size_t limit, size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long long w;
	size_t i = 0, j, o = 0, len;
	uint32_t cp;

	while (i < limit) {
		j = i;
		while (limit - j >= 8) {
			memcpy(&w, s + j, 8);
			if (esc_unprintable8(w))
				break;
			j += 8;
		}
		while (j < limit && u[j] >= 0x20 && u[j] < 0x7f)
			j++;
		memcpy(d + o, s + i, j - i);
		o += j - i;
		i = j;
		if (i >= limit)
			break;
		if (u[i] < 0x80) {
			d[o++] = '\\';
			if (u[i] == '\n')
				d[o++] = 'n';
			else if (u[i] == '\r')
				d[o++] = 'r';
			else if (u[i] == '\t')
				d[o++] = 't';
			else {
				d[o++] = 'x';
				d[o++] = esc_hex[u[i] >> 4];
				d[o++] = esc_hex[u[i] & 15];
			}
			i++;
			continue;
		}
		len = esc_utf8_next(s + i, n - i, &cp);
		if (len == 0) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else if (cp < 0x80 || esc_unsafe_cp(cp)) {
			d[o++] = '\\';
			d[o++] = 'u';
			d[o++] = esc_hex[(cp >> 12) & 15];
			d[o++] = esc_hex[(cp >> 8) & 15];
			d[o++] = esc_hex[(cp >> 4) & 15];
			d[o++] = esc_hex[cp & 15];
			i += len;
		} else {
			memcpy(d + o, s + i, len);
			o += len;
			i += len;
		}
	}
	*used = i;
	return o;
}

/* esc_text when out is nearly full: one item at a time, so that out ends
 * with a prefix of the rendering cut between items. */
static int
esc_text_slow(struct buf *out, const char *s, size_t n)
{
	char tmp[ESC_MAX_OUT * (1 + ESC_MAX_SEQ)];
	size_t i = 0, o, used;

	while (i < n) {
		o = esc_render(tmp, s + i, n - i, 1, &used);
		if (buf_append(out, tmp, o) != 0)
			return -1;
		i += used;
	}
	return 0;
}

/* Append the terminal-safe rendering of untrusted text. */
int
esc_text(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, chunk, o, used;
	char *d;

	while (i < n) {
		chunk = n - i < ESC_CHUNK ? n - i : ESC_CHUNK;
		d = buf_reserve(out, ESC_MAX_OUT * (chunk + ESC_MAX_SEQ));
		if (d == NULL)
			return esc_text_slow(out, s + i, n - i);
		o = esc_render(d, s + i, n - i, chunk, &used);
		buf_commit(out, o);
		i += used;
	}
	return 0;
}

/* Render a NUL-terminated untrusted string into dst as one safe line. */
void
esc_line(char *dst, size_t size, const char *s)
{
	char tmp[ESC_MAX_OUT * (1 + ESC_MAX_SEQ)];
	size_t n = strlen(s), i = 0, o = 0, len, used;

	if (size == 0)
		return;
	while (i < n) {
		len = esc_render(tmp, s + i, n - i, 1, &used);
		if (o + len >= size)
			break;
		memcpy(dst + o, tmp, len);
		o += len;
		i += used;
	}
	dst[o] = '\0';
}
