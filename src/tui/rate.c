/* rate.c - per-second event counters. */
#include <string.h>

#include "tui/rate.h"

/* Move the ring forward to the second of now_ms, clearing skipped ones. */
static void
rate_advance(struct rate *r, uint64_t sec)
{
	uint64_t s;

	if (sec <= r->sec)
		return;
	if (sec - r->sec >= RATE_SECONDS)
		memset(r->bucket, 0, sizeof r->bucket);
	else
		for (s = r->sec + 1; s <= sec; s++)
			r->bucket[s % RATE_SECONDS] = 0;
	r->sec = sec;
}

/* Count events. */
void
rate_add(struct rate *r, uint64_t now_ms, uint32_t n)
{
	rate_advance(r, now_ms / 1000);
	r->bucket[r->sec % RATE_SECONDS] += n;
}

/* The count of second sec, 0 when outside the window. */
static uint32_t
rate_at(const struct rate *r, uint64_t sec)
{
	if (sec > r->sec || r->sec - sec >= RATE_SECONDS)
		return 0;
	return r->bucket[sec % RATE_SECONDS];
}

/* Average of the last complete seconds (the current one is partial). */
double
rate_per_sec(const struct rate *r, uint64_t now_ms)
{
	uint64_t now = now_ms / 1000, s;
	double sum = 0;
	int k = 0;

	for (s = now - 1; k < RATE_SECONDS - 1 && s < now; s--, k++)
		sum += rate_at(r, s);
	return k ? sum / k : 0;
}

/* Draw n cells of v (oldest first) scaled to max; any count above zero
 * shows at least the lowest block. */
void
spark_render(const uint32_t *v, int n, uint32_t max, bool utf8, char *out,
    size_t outlen)
{
	static const char *blocks[] = {" ", "\u2581", "\u2582", "\u2583",
	    "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
	static const char ascii[] = " .:-=+*#@";
	size_t len = 0, l;
	const char *g;
	char one[2] = {0, 0};
	int i, lvl;

	for (i = 0; i < n; i++) {
		lvl = max ? (int)(((uint64_t)v[i] * 8 + max - 1) / max) : 0;
		if (utf8)
			g = blocks[lvl];
		else {
			one[0] = ascii[lvl];
			g = one;
		}
		l = strlen(g);
		if (len + l + 1 > outlen)
			break;
		memcpy(out + len, g, l);
		len += l;
	}
	if (outlen > 0)
		out[len] = '\0';
}

/* Draw the sparkline. */
void
rate_spark(
    const struct rate *r, uint64_t now_ms, int utf8, char *out, size_t outlen)
{
	uint64_t now = now_ms / 1000;
	uint32_t v[RATE_SECONDS], max = 0;
	int i;

	for (i = 0; i < RATE_SECONDS; i++) {
		v[i] = now + 1 >= (uint64_t)(RATE_SECONDS - i)
		           ? rate_at(r, now - (RATE_SECONDS - 1 - i))
		           : 0;
		if (v[i] > max)
			max = v[i];
	}
	spark_render(v, RATE_SECONDS, max, utf8, out, outlen);
}
