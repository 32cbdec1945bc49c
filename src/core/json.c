/* json.c - zero-allocation JSON scanner (see json.h). */
#include "core/json.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* Most decimal digits that can never overflow a long long (10^18 - 1 <
 * INT64_MAX): json_int reads that many without a bound check. */
#define JSON_INT_SAFE_DIGITS 18

/* Nonzero when one of the eight bytes of w is zero. */
static inline uint64_t
json_has_zero(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

long
json_hex4(const char *s)
{
	long v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		v = v * 16 + c;
	}
	return v;
}

/* Encode cp (at most U+10FFFF, no surrogates) as UTF-8 at d; the length. */
static size_t
json_utf8_put(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Skip JSON whitespace. */
const char *
json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* json_skip_ws, with the usual case (minified text: no whitespace at p)
 * decided without a call. */
static inline const char *
json_ws(const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;
	return json_skip_ws(p, end);
}

/* The first quote or backslash in [p, end), or end. Sixteen bytes at a
 * time with SSE2, else eight with word arithmetic; never reads past end. */
static inline __attribute__((always_inline)) const char *
json_find_special(const char *p, const char *end)
{
	uint64_t w;

#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	__m128i x;
	unsigned m;

	while (end - p >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bs)));
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		memcpy(&w, p, 8);
		w = json_has_zero(w ^ (ONES * '"')) |
		    json_has_zero(w ^ (ONES * '\\'));
		if (w == 0) {
			p += 8;
			continue;
		}
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* The lowest flagged byte is exact: jump to it. */
		p += __builtin_ctzll(w) >> 3;
#endif
		break;
	}
	while (p < end && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* The rest of a string from p, a backslash or end (json_scan_string's
 * slow path, out of line): returns the byte after the closing quote or
 * NULL, and sets *escaped when an escape occurs. */
static const char *
json_scan_escapes(const char *p, const char *end, bool *escaped)
{
	for (;;) {
		if (p == end)
			return NULL;
		if (*p == '"')
			return p + 1;
		*escaped = true;
		if (end - p < 2)
			return NULL;
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			p += 2;
			break;
		case 'u':
			if (end - p < 6 || json_hex4(p + 2) < 0)
				return NULL;
			p += 6;
			break;
		default:
			return NULL;
		}
		p = json_find_special(p, end);
	}
}

/* Scan the string whose opening quote is at p; returns the byte after the
 * closing quote or NULL. Sets *escaped when a backslash escape occurs.
 * Inline: a string without escapes, nearly every one, costs no call. */
static inline __attribute__((always_inline)) const char *
json_scan_string(const char *p, const char *end, bool *escaped)
{
	*escaped = false;
	p = json_find_special(p + 1, end);
	if (p < end && *p == '"')
		return p + 1;
	return json_scan_escapes(p, end, escaped);
}

/* Scan the string at p: json_scan_string for other modules (a call). */
const char *
json_string_end(const char *p, const char *end, bool *escaped)
{
	return json_scan_string(p, end, escaped);
}

/* Scan a number at p; returns the byte after it or NULL. */
static const char *
json_scan_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p == end)
		return NULL;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else
		return NULL;
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

/* Scan the literal lit (true, false, null) at p; the byte after or NULL. */
static const char *
json_scan_literal(const char *p, const char *end, const char *lit, size_t n)
{
	if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

/* Scan and validate one value at p (no leading whitespace) nesting at most
 * depth containers deep; fills v with the outermost value. Iterative, with
 * an explicit stack of closing brackets, so hostile nesting cannot exhaust
 * the C stack. Returns the byte after the value or NULL. */
static const char *
json_scan(const char *p, const char *end, struct json_value *v, int depth)
{
	char stack[JSON_MAX_DEPTH];
	int top = 0;
	const char *start = p;
	bool esc;

	if (depth > JSON_MAX_DEPTH)
		depth = JSON_MAX_DEPTH;
	v->s = NULL;
	v->sn = 0;
	v->escaped = false;
	if (p == end)
		return NULL;
	switch (*p) {
	case '"':
		v->type = JSON_STRING;
		break;
	case '{':
		v->type = JSON_OBJECT;
		break;
	case '[':
		v->type = JSON_ARRAY;
		break;
	case 't':
		v->type = JSON_TRUE;
		break;
	case 'f':
		v->type = JSON_FALSE;
		break;
	case 'n':
		v->type = JSON_NULL;
		break;
	default:
		v->type = JSON_NUMBER;
		break;
	}
value:
	if (p == end)
		return NULL;
	switch (*p) {
	case '"':
		p = json_scan_string(p, end, &esc);
		if (p == NULL)
			return NULL;
		if (top == 0) {
			v->s = start + 1;
			v->sn = (size_t)(p - start) - 2;
			v->escaped = esc;
		}
		break;
	case '{':
	case '[':
		if (top == depth)
			return NULL;
		stack[top++] = *p == '{' ? '}' : ']';
		p = json_skip_ws(p + 1, end);
		if (p < end && *p == stack[top - 1]) {
			p++;
			top--;
			break;
		}
		if (stack[top - 1] == '}')
			goto key;
		goto value;
	case 't':
		p = json_scan_literal(p, end, "true", 4);
		break;
	case 'f':
		p = json_scan_literal(p, end, "false", 5);
		break;
	case 'n':
		p = json_scan_literal(p, end, "null", 4);
		break;
	default:
		p = json_scan_number(p, end);
		break;
	}
	if (p == NULL)
		return NULL;
after:
	if (top == 0) {
		v->p = start;
		v->n = (size_t)(p - start);
		return p;
	}
	p = json_skip_ws(p, end);
	if (p == end)
		return NULL;
	if (*p == stack[top - 1]) {
		p++;
		top--;
		goto after;
	}
	if (*p != ',')
		return NULL;
	p = json_skip_ws(p + 1, end);
	if (stack[top - 1] == ']')
		goto value;
key:
	if (p == end || *p != '"')
		return NULL;
	p = json_scan_string(p, end, &esc);
	if (p == NULL)
		return NULL;
	p = json_skip_ws(p, end);
	if (p == end || *p != ':')
		return NULL;
	p = json_skip_ws(p + 1, end);
	goto value;
}

/* Scan and validate one value, whitespace before it allowed. */
const char *
json_value(const char *p, const char *end, struct json_value *v)
{
	return json_scan(json_skip_ws(p, end), end, v, JSON_MAX_DEPTH);
}

/* Scan a number: json_scan_number for other modules. */
const char *
json_number_end(const char *p, const char *end)
{
	return json_scan_number(p, end);
}

/* Scan a member's or element's value, one level down. */
const char *
json_member_value(const char *p, const char *end, struct json_value *v)
{
	/* The container itself is one level. */
	return json_scan(p, end, v, JSON_MAX_DEPTH - 1);
}

/* Start walking an object or array. */
int
json_iter_begin(struct json_iter *it, const char *p, const char *end, char open)
{
	p = json_skip_ws(p, end);
	if (p == end || *p != open)
		return -1;
	it->p = p + 1;
	it->end = end;
	it->close = open == '{' ? '}' : ']';
	it->first = true;
	return 0;
}

/* Scan the next member or element of a container. */
int
json_iter_next(
    struct json_iter *it, struct json_value *key, struct json_value *val)
{
	const char *p, *end = it->end;
	bool esc;

	p = json_ws(it->p, end);
	if (p == end)
		return -1;
	if (*p == it->close) {
		it->p = p + 1;
		return 0;
	}
	if (it->first)
		it->first = false;
	else {
		if (*p != ',')
			return -1;
		p = json_ws(p + 1, end);
	}
	if (it->close == '}') {
		if (p == end || *p != '"')
			return -1;
		key->type = JSON_STRING;
		key->p = p;
		p = json_scan_string(p, end, &esc);
		if (p == NULL)
			return -1;
		key->n = (size_t)(p - key->p);
		key->s = key->p + 1;
		key->sn = key->n - 2;
		key->escaped = esc;
		p = json_ws(p, end);
		if (p == end || *p != ':')
			return -1;
		p = json_ws(p + 1, end);
	}
	if (p < end && *p == '"') {
		/* A string member, the usual case: as json_scan would. */
		val->type = JSON_STRING;
		val->p = p;
		p = json_scan_string(p, end, &esc);
		if (p == NULL)
			return -1;
		val->n = (size_t)(p - val->p);
		val->s = val->p + 1;
		val->sn = val->n - 2;
		val->escaped = esc;
		it->p = p;
		return 1;
	}
	p = json_member_value(p, end, val);
	if (p == NULL)
		return -1;
	it->p = p;
	return 1;
}

/* Undo a string body's escapes into dst, at most cap bytes. */
size_t
json_unescape(char *dst, size_t cap, const char *s, size_t n, size_t *used)
{
	size_t i = 0, o = 0, run, tl, il;
	const char *bs;
	char tmp[4];
	long cp, lo;

	while (i < n) {
		bs = memchr(s + i, '\\', n - i);
		run = bs != NULL ? (size_t)(bs - (s + i)) : n - i;
		if (run > cap - o) {
			memcpy(dst + o, s + i, cap - o);
			i += cap - o;
			o = cap;
			break;
		}
		memcpy(dst + o, s + i, run);
		o += run;
		i += run;
		if (i == n)
			break;
		il = 2;
		tl = 1;
		switch (i + 1 < n ? s[i + 1] : '\0') {
		case 'b':
			tmp[0] = '\b';
			break;
		case 'f':
			tmp[0] = '\f';
			break;
		case 'n':
			tmp[0] = '\n';
			break;
		case 'r':
			tmp[0] = '\r';
			break;
		case 't':
			tmp[0] = '\t';
			break;
		case '"':
		case '\\':
		case '/':
			tmp[0] = s[i + 1];
			break;
		case 'u':
			if (n - i < 6 || (cp = json_hex4(s + i + 2)) < 0) {
				tmp[0] = '\\';
				il = 1;
				break;
			}
			il = 6;
			if (cp >= 0xd800 && cp <= 0xdbff && n - i >= 12 &&
			    s[i + 6] == '\\' && s[i + 7] == 'u' &&
			    (lo = json_hex4(s + i + 8)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				il = 12;
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			tl = json_utf8_put(tmp, (uint32_t)cp);
			break;
		default:
			/* Not a valid escape (unscanned input): keep it. */
			tmp[0] = '\\';
			il = 1;
			break;
		}
		if (tl > cap - o)
			break;
		memcpy(dst + o, tmp, tl);
		o += tl;
		i += il;
	}
	*used = i;
	return o;
}

/* Parse a plain decimal integer without overflow. */
bool
json_int(const char *s, size_t n, long long *v)
{
	unsigned long long u = 0, lim;
	bool neg = false;
	size_t i = 0;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n)
		return false;
	if (n - i <= JSON_INT_SAFE_DIGITS) {
		/* Too few digits to overflow: no bound to check. */
		for (; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			u = u * 10 + (unsigned)(s[i] - '0');
		}
		*v = neg ? -(long long)u : (long long)u;
		return true;
	}
	lim = neg ? (unsigned long long)INT64_MAX + 1 : INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (u > (lim - (unsigned)(s[i] - '0')) / 10)
			return false;
		u = u * 10 + (unsigned)(s[i] - '0');
	}
	*v = neg ? (long long)(0 - u) : (long long)u;
	return true;
}

/* Compare a string body, once unescaped, with a literal. */
bool
json_body_eq(
    const char *s, size_t n, bool escaped, const char *lit, size_t litlen)
{
	char tmp[JSON_BODY_EQ_MAX];
	size_t o, used;

	if (!escaped)
		return n == litlen && memcmp(s, lit, n) == 0;
	o = json_unescape(tmp, sizeof tmp, s, n, &used);
	return used == n && o == litlen && memcmp(tmp, lit, o) == 0;
}
