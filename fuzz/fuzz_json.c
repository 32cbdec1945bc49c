/* fuzz_json.c - libFuzzer target for the zero-allocation JSON scanner
 * (core/json.c), checked against cJSON, an independent reader.
 * Properties beyond no crash: json_value's end lies inside the input and
 * scanning is repeatable; where the text holds no raw control byte and is
 * valid UTF-8 (the scanner's two documented tolerances), the scanner and
 * cJSON agree on validity, and on every accepted value they agree on the
 * type, the count of members and elements, every key once unescaped and
 * every string without \u0000; json_unescape never writes more than its
 * cap or than the body's length; json_body_eq matches a body with its
 * own unescaped text (up to JSON_BODY_EQ_MAX bytes); json_int agrees
 * with strtoll. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/esc.h"
#include "core/json.h"
#include "fuzzutil.h"

/* Check a string value: unescape it whole and into a short buffer, and
 * compare with cJSON's text (c may be NULL: no cJSON value to compare). */
static void
fuzz_check_string(const struct json_value *v, const cJSON *c)
{
	char *dst = malloc(v->sn + 1);
	char small[7];
	size_t used, n, n2;

	if (dst == NULL)
		fuzz_fail("out of memory");
	n = json_unescape(dst, v->sn, v->s, v->sn, &used);
	if (n > v->sn || used != v->sn)
		fuzz_fail(
		    "unescape wrote %zu of %zu, used %zu", n, v->sn, used);
	n2 = json_unescape(small, sizeof small, v->s, v->sn, &used);
	if (n2 > sizeof small || used > v->sn || memcmp(small, dst, n2) != 0)
		fuzz_fail("a short unescape is not a prefix of the whole");
	dst[n] = '\0';
	if (n <= JSON_BODY_EQ_MAX &&
	    !json_body_eq(v->s, v->sn, v->escaped, dst, n))
		fuzz_fail("body does not equal its own unescaped text");
	if (c != NULL && memchr(dst, '\0', n) == NULL &&
	    (c->valuestring == NULL || strcmp(c->valuestring, dst) != 0))
		fuzz_fail("string differs from cJSON's");
	free(dst);
}

/* Check a number against json_int and cJSON. */
static void
fuzz_check_number(const struct json_value *v, const cJSON *c)
{
	char buf[32], *end;
	long long i, s;

	if (!json_int(v->p, v->n, &i))
		return;
	if (v->n >= sizeof buf)
		fuzz_fail("json_int took %zu bytes", v->n);
	memcpy(buf, v->p, v->n);
	buf[v->n] = '\0';
	errno = 0;
	s = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || s != i)
		fuzz_fail("json_int %lld, strtoll %lld", i, s);
	if (c != NULL && (i < 1LL << 53 && i > -(1LL << 53)) &&
	    c->valuedouble != (double)i)
		fuzz_fail("json_int %lld, cJSON %g", i, c->valuedouble);
}

/* Walk v recursively next to cJSON's c (NULL: no comparison). */
static void
fuzz_walk(const struct json_value *v, const char *end, const cJSON *c)
{
	struct json_iter it;
	struct json_value k, e;
	const cJSON *ce = c != NULL ? c->child : NULL;
	int r, count = 0;

	switch (v->type) {
	case JSON_STRING:
		if (c != NULL && !cJSON_IsString(c))
			fuzz_fail("string, cJSON type %d", c->type);
		fuzz_check_string(v, c);
		return;
	case JSON_NUMBER:
		if (c != NULL && !cJSON_IsNumber(c))
			fuzz_fail("number, cJSON type %d", c->type);
		fuzz_check_number(v, c);
		return;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		if (c != NULL && !(v->type == JSON_TRUE      ? cJSON_IsTrue(c)
		                     : v->type == JSON_FALSE ? cJSON_IsFalse(c)
		                                             : cJSON_IsNull(c)))
			fuzz_fail("literal, cJSON type %d", c->type);
		return;
	case JSON_OBJECT:
	case JSON_ARRAY:
		break;
	}
	if (c != NULL &&
	    (v->type == JSON_OBJECT ? !cJSON_IsObject(c) : !cJSON_IsArray(c)))
		fuzz_fail("container, cJSON type %d", c->type);
	if (json_iter_begin(&it, v->p, v->p + v->n,
	        v->type == JSON_OBJECT ? '{' : '[') != 0)
		fuzz_fail("a scanned container does not open");
	while ((r = json_iter_next(
	            &it, v->type == JSON_OBJECT ? &k : NULL, &e)) == 1) {
		if (e.p < v->p || e.p + e.n > v->p + v->n)
			fuzz_fail("element outside its container");
		if (v->type == JSON_OBJECT) {
			if (k.type != JSON_STRING)
				fuzz_fail("a key that is no string");
			if (c != NULL && ce == NULL)
				fuzz_fail("more members than cJSON");
			/* The key, compared with cJSON's member name. */
			if (ce != NULL) {
				struct json_value kv = k;
				cJSON key = {0};

				key.type = cJSON_String;
				key.valuestring = ce->string;
				fuzz_check_string(&kv, &key);
			} else
				fuzz_check_string(&k, NULL);
		} else if (c != NULL && ce == NULL)
			fuzz_fail("more elements than cJSON");
		fuzz_walk(&e, end, ce);
		if (ce != NULL)
			ce = ce->next;
		count++;
	}
	if (r != 0)
		fuzz_fail("a scanned container fails to walk");
	if (it.p != v->p + v->n)
		fuzz_fail("walk ends elsewhere than the scan");
	if (ce != NULL)
		fuzz_fail("fewer members than cJSON");
}

/* Longest run of number characters cJSON 1.7.15 reads as one number (its
 * buffer is 64 bytes; a longer number fails there). */
#define FUZZ_CJSON_NUMBER_MAX 63

/* True when the text is inside both readers' common language: valid
 * UTF-8, no control byte but JSON whitespace (the scanner's tolerances),
 * no surrogate escape (the scanner makes a lone one U+FFFD, cJSON fails)
 * and no number cJSON's buffer would cut. */
static bool
fuzz_plain(const char *s, size_t n)
{
	size_t i = 0, len, run = 0;
	uint32_t cp;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			return false;
		if (c == '\\' && n - i > 2 && s[i + 1] == 'u' &&
		    (s[i + 2] == 'd' || s[i + 2] == 'D'))
			return false;
		run = strchr("0123456789+-.eE", c) != NULL && c != '\0'
		          ? run + 1
		          : 0;
		if (run > FUZZ_CJSON_NUMBER_MAX)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((len = esc_utf8_next(s + i, n - i, &cp)) == 0)
			return false;
		i += len;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char *data = malloc(size > 0 ? size : 1);
	const char *end, *after, *again;
	struct json_value v, v2;
	cJSON *c = NULL;
	bool ours, theirs, plain;

	if (data == NULL)
		fuzz_fail("out of memory");
	memcpy(data, in, size);
	end = data + size;
	after = json_value(data, end, &v);
	again = json_value(data, end, &v2);
	if (after != again || (after != NULL && (v.n != v2.n || v.p != v2.p)))
		fuzz_fail("scanning twice differs");
	if (after != NULL &&
	    (after < data || after > end || v.p + v.n != after || v.p < data))
		fuzz_fail("value outside the input");
	ours = after != NULL && json_skip_ws(after, end) == end;
	plain = fuzz_plain(data, size);
	/* cJSON's own laxness (leading zeros, "1.", deeper nesting, \u0000
	 * cut) only makes it accept more; so compare both ways only on text
	 * with plain numbers. */
	if (plain) {
		const char *cend = NULL;

		/* Not require_null_terminated: cJSON would look for the NUL
		 * at data[size], past the input. */
		c = cJSON_ParseWithLengthOpts(data, size, &cend, false);
		if (c != NULL && json_skip_ws(cend, end) != end) {
			cJSON_Delete(c);
			c = NULL;
		}
		theirs = c != NULL;
		if (ours && !theirs)
			fuzz_fail("the scanner accepts what cJSON refuses");
	}
	if (ours)
		fuzz_walk(&v, end, c);
	else if (after != NULL)
		fuzz_walk(&v, end, NULL);
	cJSON_Delete(c);
	free(data);
	return 0;
}
