/* fuzz_format.c - libFuzzer target for the output formats (core/format.c)
 * of decoded events. Input: byte 0 picks the options (format, colour,
 * UTC, source, cut decode, a truncated count), byte 1 the source name's
 * length (mod 32), then the source name, then the event data.
 * Properties beyond no crash: the line fits the documented bound
 * (FORMAT_MAX_GROWTH x input + FORMAT_LINE_SLACK) and is one line ending
 * in \n; it is valid UTF-8; text and CSV carry no control byte, C1 or bidi
 * character (colours aside); JSON output parses back with cJSON and with
 * core/json.c as one object whose "source", "truncated" and (for a text
 * event) "message" are what was given; CSV has exactly the header's seven
 * fields, none starting as a spreadsheet formula; esc_line is idempotent. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/esc.h"
#include "core/event.h"
#include "core/format.h"
#include "core/json.h"
#include "fuzzutil.h"

/* Longest source name a fuzz input sets. */
#define FUZZ_SOURCE_MAX 31
/* Bytes of input before the source name: options, source length. */
#define FUZZ_HEADER 2
/* Columns of the CSV header row. */
#define FUZZ_CSV_FIELDS 7

/* True when s (n bytes) is valid UTF-8 with no NUL. */
static bool
fuzz_utf8(const char *s, size_t n)
{
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if (s[i] == '\0')
			return false;
		if ((len = esc_utf8_next(s + i, n - i, &cp)) == 0)
			return false;
		i += len;
	}
	return true;
}

/* Check that the line (n bytes, \n excluded) holds nothing that acts on a
 * terminal: no control byte, DEL, C1 or bidi; colour sequences (ESC [
 * digits ; m) are skipped when color is set. */
static void
fuzz_check_safe(const char *s, size_t n, bool color)
{
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b && color && i + 1 < n && s[i + 1] == '[') {
			i += 2;
			while (i < n &&
			       ((s[i] >= '0' && s[i] <= '9') || s[i] == ';'))
				i++;
			if (i == n || s[i] != 'm')
				fuzz_fail("bad colour sequence");
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			fuzz_fail("control byte 0x%02x at %zu", c, i);
		if ((len = esc_utf8_next(s + i, n - i, &cp)) == 0)
			fuzz_fail("invalid UTF-8 at %zu", i);
		if (esc_unsafe_cp(cp))
			fuzz_fail("unsafe U+%04X at %zu", (unsigned)cp, i);
		i += len;
	}
}

/* Check a JSON line against what was formatted. */
static void
fuzz_check_json(
    const char *line, size_t n, const char *source, const struct log_event *ev)
{
	struct json_value v;
	const char *end;
	cJSON *o, *m;

	end = json_value(line, line + n, &v);
	if (end != line + n || v.type != JSON_OBJECT)
		fuzz_fail("core/json.c does not read the line as one object");
	if (!fuzz_utf8(line, n))
		fuzz_fail("JSON line is not valid UTF-8");
	if ((o = cJSON_ParseWithLength(line, n)) == NULL || !cJSON_IsObject(o))
		fuzz_fail("cJSON does not read the line as an object");
	m = cJSON_GetObjectItemCaseSensitive(o, "source");
	if (source != NULL &&
	    (m == NULL || o->child != m || !cJSON_IsString(m) ||
	        (fuzz_utf8(source, strlen(source)) &&
	            strcmp(m->valuestring, source) != 0)))
		fuzz_fail("source is not the first member, as given");
	m = cJSON_GetObjectItemCaseSensitive(o, "truncated");
	if (ev->truncated > 0 && (m == NULL || !cJSON_IsNumber(m) ||
	                             m->valuedouble != (double)ev->truncated))
		fuzz_fail("truncated is not %zu", ev->truncated);
	if (!ev->json) {
		m = cJSON_GetObjectItemCaseSensitive(o, "message");
		if (m == NULL || !cJSON_IsString(m))
			fuzz_fail("a text event without a message");
		if (fuzz_utf8(ev->message.p, ev->message.n) &&
		    (strlen(m->valuestring) != ev->message.n ||
		        memcmp(m->valuestring, ev->message.p, ev->message.n)))
			fuzz_fail("message does not read back");
	}
	cJSON_Delete(o);
}

/* Check a CSV line: seven fields by RFC 4180 quoting, none that a
 * spreadsheet would run. */
static void
fuzz_check_csv(const char *s, size_t n)
{
	size_t i = 0, fields = 0;
	bool start = true, quoted = false;

	while (i <= n) {
		if (start) {
			fields++;
			quoted = i < n && s[i] == '"';
			if (quoted)
				i++;
			if (i < n && strchr("=+-@\t\r", s[i]) != NULL &&
			    s[i] != '\0')
				fuzz_fail("field %zu starts a formula", fields);
			start = false;
			continue;
		}
		if (i == n)
			break;
		if (quoted) {
			if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
				i += 2;
			else if (s[i] == '"') {
				quoted = false;
				i++;
				if (i < n && s[i] != ',')
					fuzz_fail("text after a closing quote");
			} else
				i++;
			continue;
		}
		if (s[i] == '"')
			fuzz_fail("a quote in an unquoted field");
		if (s[i] == ',')
			start = true;
		i++;
	}
	if (quoted)
		fuzz_fail("unclosed quote");
	if (fields != FUZZ_CSV_FIELDS)
		fuzz_fail("%zu CSV fields", fields);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct format_opts o = {0};
	struct event_decoder *d;
	struct formatter *f;
	struct log_event ev;
	struct buf out;
	char source[FUZZ_SOURCE_MAX + 1], *data, *once, *twice;
	const char *src = NULL;
	size_t srclen, len, bound;
	bool cut;

	if (size < FUZZ_HEADER)
		return 0;
	o.format = (enum output_format)(in[0] % 3);
	o.color = in[0] & 0x04;
	o.utc = in[0] & 0x08;
	o.with_source = in[0] & 0x10;
	cut = in[0] & 0x20;
	srclen = in[1] % (FUZZ_SOURCE_MAX + 1);
	if (size < FUZZ_HEADER + srclen)
		return 0;
	memcpy(source, in + FUZZ_HEADER, srclen);
	source[srclen] = '\0';
	if (in[0] & 0x40)
		src = source;
	len = size - FUZZ_HEADER - srclen;
	if ((data = malloc(len > 0 ? len : 1)) == NULL)
		fuzz_fail("out of memory");
	memcpy(data, in + FUZZ_HEADER + srclen, len);

	if ((d = event_decoder_new()) == NULL ||
	    (f = formatter_new(&o)) == NULL)
		fuzz_fail("out of memory");
	if (cut)
		event_decode_cut(d, data, len, &ev);
	else
		event_decode(d, data, len, &ev);
	if (in[0] & 0x80)
		ev.truncated += 12345;
	/* The documented bound, with room for the header row. */
	bound = FORMAT_MAX_GROWTH * (len + strlen(source)) + FORMAT_LINE_SLACK;
	buf_init(&out, bound);
	if (formatter_event(f, &out, src, &ev) != 0)
		fuzz_fail("line past FORMAT_MAX_GROWTH for %zu bytes", len);
	if (out.len == 0 || out.p[out.len - 1] != '\n' ||
	    memchr(out.p, '\n', out.len - 1) != NULL)
		fuzz_fail("not one line ending in \\n");
	switch (o.format) {
	case OUTPUT_JSON:
		fuzz_check_json(out.p, out.len - 1, src, &ev);
		break;
	case OUTPUT_CSV:
		fuzz_check_safe(out.p, out.len - 1, false);
		fuzz_check_csv(out.p, out.len - 1);
		break;
	case OUTPUT_TEXT:
		fuzz_check_safe(out.p, out.len - 1, o.color);
		break;
	}
	buf_free(&out);

	/* esc_line: rendering a rendering changes nothing. */
	once = malloc(len * 6 + 16);
	twice = malloc(len * 6 + 16);
	if (once == NULL || twice == NULL)
		fuzz_fail("out of memory");
	{
		char *z = fuzz_strndup((const uint8_t *)data, len);

		esc_line(once, len * 6 + 16, z);
		esc_line(twice, len * 6 + 16, once);
		if (strcmp(once, twice) != 0)
			fuzz_fail("esc_line is not idempotent");
		free(z);
	}
	free(once);
	free(twice);

	formatter_free(f);
	event_decoder_free(d);
	free(data);
	return 0;
}
