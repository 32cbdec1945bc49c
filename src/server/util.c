/* util.c - small helpers shared by the server modules. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

/* Longest source id; see doc/api.md. */
#define UTIL_ID_MAX 128

/* Log lines are JSON objects (--log-format json). */
static bool util_json;

int64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write v as exactly width decimal digits (v is taken modulo 10^width). */
static void
util_digits(char *out, unsigned v, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

int64_t
util_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
util_iso_time(char out[UTIL_ISO_LEN + 1], int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	util_digits(out, (unsigned)(tm.tm_year + 1900), 4);
	out[4] = '-';
	util_digits(out + 5, (unsigned)tm.tm_mon + 1, 2);
	out[7] = '-';
	util_digits(out + 8, (unsigned)tm.tm_mday, 2);
	out[10] = 'T';
	util_digits(out + 11, (unsigned)tm.tm_hour, 2);
	out[13] = ':';
	util_digits(out + 14, (unsigned)tm.tm_min, 2);
	out[16] = ':';
	util_digits(out + 17, (unsigned)tm.tm_sec, 2);
	out[19] = '.';
	util_digits(out + 20, (unsigned)(ms % 1000), 3);
	out[23] = 'Z';
	out[24] = '\0';
}

size_t
util_u64_dec(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

int
util_parse_ll(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;
	const char *p = s;

	if (*p == '\0' || strlen(p) > 18)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool
util_secret_equal(
    const char *given, size_t given_len, const char *secret, size_t secret_len)
{
	unsigned char diff = given_len != secret_len;
	size_t i;

	/* Walk the secret's length whatever the guess, so timing tells at
	 * most the secret's length, never how much of the guess was right. */
	for (i = 0; i < secret_len; i++)
		diff |= (unsigned char)secret[i] ^
		        (unsigned char)(i < given_len ? given[i] : 0);
	return diff == 0;
}

bool
util_valid_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > UTIL_ID_MAX)
		return false;
	/* A URL path cannot carry these: clients remove dot segments. */
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != 0 && strchr("._~:@-", c) != NULL))
			continue;
		return false;
	}
	return true;
}

void
util_log(const char *fmt, ...)
{
	char when[UTIL_ISO_LEN + 1], msg[UTIL_LOG_MAX], *text;
	cJSON *v;
	va_list ap;

	util_iso_time(when, util_now_ms());
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!util_json) {
		fprintf(stderr, "%s logdeck-server: %s\n", when, msg);
		return;
	}
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "time", when);
	cJSON_AddStringToObject(v, "message", msg);
	if ((text = cJSON_PrintUnformatted(v)) != NULL)
		fprintf(stderr, "%s\n", text);
	free(text);
	cJSON_Delete(v);
}

void
util_log_set_json(bool json)
{
	util_json = json;
}

bool
util_log_json(void)
{
	return util_json;
}

void
util_log_safe(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 5 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[n++] = (char)c;
		else
			n +=
			    (size_t)snprintf(out + n, outlen - n, "\\x%02x", c);
	}
	out[n] = '\0';
}
