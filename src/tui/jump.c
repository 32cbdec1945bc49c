/* jump.c - reading a go-to-time text and finding its line (see jump.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui/jump.h"

/* Read 1..maxw digits at *p into *v; false when there is none. */
static bool
jump_num(const char **p, int maxw, long long *v)
{
	int w = 0;

	*v = 0;
	while (w < maxw && isdigit((unsigned char)**p)) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		w++;
	}
	return w > 0;
}

/* Read exactly w digits. */
static bool
jump_fixed(const char **p, int w, long long *v)
{
	const char *s = *p;

	return jump_num(p, w, v) && *p - s == w;
}

/* "-1h30m": the ms it names into *ms. */
static bool
jump_relative(const char *p, int64_t *ms)
{
	long long v;
	int64_t unit;

	*ms = 0;
	if (*p == '\0')
		return false;
	while (*p != '\0') {
		if (!jump_num(&p, 9, &v))
			return false;
		switch (*p++) {
		case 's':
			unit = 1000;
			break;
		case 'm':
			unit = 60 * 1000;
			break;
		case 'h':
			unit = 3600 * 1000;
			break;
		case 'd':
			unit = 86400 * 1000;
			break;
		default:
			return false;
		}
		*ms += (int64_t)v * unit;
		if (*ms > JUMP_REL_MAX_MS)
			return false;
	}
	return true;
}

/* "14:02", "14:02:30", "14:02:30.250": the fields, and what follows. */
static bool
jump_clock(const char **p, struct tm *tm, int *msec)
{
	long long h, m, s = 0, f;
	const char *q;
	int scale = 100;

	*msec = 0;
	if (!jump_num(p, 2, &h) || h > 23 || *(*p)++ != ':' ||
	    !jump_fixed(p, 2, &m) || m > 59)
		return false;
	if (**p == ':') {
		(*p)++;
		if (!jump_fixed(p, 2, &s) || s > 60)
			return false;
		if (**p == '.' || **p == ',') {
			q = ++*p;
			while (isdigit((unsigned char)**p)) {
				f = **p - '0';
				*msec += (int)f * scale;
				scale /= 10;
				(*p)++;
			}
			if (*p == q)
				return false;
		}
	}
	tm->tm_hour = (int)h;
	tm->tm_min = (int)m;
	tm->tm_sec = (int)s;
	return true;
}

/* The Unix seconds of the civil time tm, in UTC or local time (DST as
 * the date has it). */
static int64_t
jump_mktime(struct tm *tm, bool utc)
{
	tm->tm_isdst = -1;
	return (int64_t)(utc ? timegm(tm) : mktime(tm));
}

/* "2024-05-01T14:02[:30[.5]][Z|+02:00]" or a bare date. */
static bool
jump_iso(const char *p, bool utc, int64_t *ms)
{
	long long y, mo, d, oh, om = 0;
	struct tm tm;
	int msec = 0, sign;
	bool zone = false;
	int64_t off = 0, sec;

	memset(&tm, 0, sizeof tm);
	if (!jump_fixed(&p, 4, &y) || *p++ != '-' || !jump_fixed(&p, 2, &mo) ||
	    mo < 1 || mo > 12 || *p++ != '-' || !jump_fixed(&p, 2, &d) ||
	    d < 1 || d > 31)
		return false;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!jump_clock(&p, &tm, &msec))
			return false;
	}
	if (*p == 'Z' || *p == 'z') {
		zone = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!jump_fixed(&p, 2, &oh) || oh > 23)
			return false;
		if (*p == ':')
			p++;
		if (*p != '\0' && (!jump_fixed(&p, 2, &om) || om > 59))
			return false;
		zone = true;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0')
		return false;
	sec = jump_mktime(&tm, utc || zone);
	/* mktime normalises 31 April to 1 May: refuse what it moved. */
	if (tm.tm_mday != (int)d || tm.tm_mon != (int)mo - 1)
		return false;
	*ms = (sec - off) * 1000 + msec;
	return true;
}

/* Today's (or yesterday's) time of day. */
static bool
jump_today(const char *p, int64_t now_ms, bool utc, int64_t *ms)
{
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm, clk;
	int msec;

	memset(&clk, 0, sizeof clk);
	if (!jump_clock(&p, &clk, &msec) || *p != '\0')
		return false;
	if (utc)
		gmtime_r(&now, &tm);
	else
		localtime_r(&now, &tm);
	tm.tm_hour = clk.tm_hour;
	tm.tm_min = clk.tm_min;
	tm.tm_sec = clk.tm_sec;
	*ms = jump_mktime(&tm, utc) * 1000 + msec;
	if (*ms > now_ms) {
		/* Later than now: the same time yesterday. */
		if (utc)
			gmtime_r(&now, &tm);
		else
			localtime_r(&now, &tm);
		tm.tm_mday--;
		tm.tm_hour = clk.tm_hour;
		tm.tm_min = clk.tm_min;
		tm.tm_sec = clk.tm_sec;
		*ms = jump_mktime(&tm, utc) * 1000 + msec;
	}
	return true;
}

/* Read the go-to-time text. */
int
jump_parse(const char *text, int64_t now_ms, bool utc, enum jump_kind *kind,
    int64_t *ms, char *err, size_t errlen)
{
	char s[JUMP_TEXT_MAX + 1], *w, *e;
	size_t n;
	int64_t rel;

	while (isspace((unsigned char)*text))
		text++;
	n = strlen(text);
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n == 0 || n > JUMP_TEXT_MAX)
		goto bad;
	memcpy(s, text, n);
	s[n] = '\0';
	*kind = JUMP_TIME;
	/* "run start", "run  end" */
	if (strncasecmp(s, "run", 3) == 0 && isspace((unsigned char)s[3])) {
		for (w = s + 3; isspace((unsigned char)*w); w++)
			;
		if (strcasecmp(w, "start") == 0)
			*kind = JUMP_RUN_START;
		else if (strcasecmp(w, "end") == 0)
			*kind = JUMP_RUN_END;
		else
			goto bad;
		return 0;
	}
	if (strcasecmp(s, "now") == 0) {
		*ms = now_ms;
		return 0;
	}
	if (s[0] == '-') {
		for (e = s + 1; *e != '\0'; e++)
			*e = (char)tolower((unsigned char)*e);
		if (!jump_relative(s + 1, &rel)) {
			snprintf(err, errlen,
			    "a relative time is a number and s, m, h or d, "
			    "as -90s, -5m, -1h30m (at most 400 days)");
			return -1;
		}
		*ms = now_ms - rel;
		return 0;
	}
	if (jump_today(s, now_ms, utc, ms) || jump_iso(s, utc, ms))
		return 0;
bad:
	snprintf(err, errlen,
	    "not a time: type 14:02, 14:02:30, -5m, -2h, "
	    "2024-05-01T14:02, run start or run end");
	return -1;
}

/* The first position at or after ms. */
size_t
jump_time_index(
    const struct lineidx *li, const struct scrollback *sb, int64_t ms)
{
	size_t n = lineidx_count(li), lo = 0, hi = n, mid, k;
	struct lineidx_ent e;
	struct sb_key key;

	if (li->order == LINEIDX_BY_TIME) {
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			lineidx_key(li, lineidx_at(li, mid), &e);
			if (e.ms < ms)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}
	for (k = 0; k < n; k++) {
		if (sb_key(sb, lineidx_at(li, k), &key) &&
		    key.kind == SB_KIND_LOG && key.order_ms >= ms)
			return k;
	}
	return n;
}

/* A run marker's text for a start: "── run N started ...". */
bool
jump_run_started(const char *msg)
{
	const char *p = strstr(msg, "run ");

	if (p == NULL)
		return false;
	for (p += 4; isdigit((unsigned char)*p); p++)
		;
	return strncmp(p, " started", 8) == 0;
}

/* True when the line at k is a run marker of src (*start: a start). */
static bool
jump_marker(const struct lineidx *li, const struct scrollback *sb, size_t k,
    uint16_t src, bool *start, bool *same)
{
	struct sb_key key;
	struct sb_line l;

	*same = false;
	if (!sb_key(sb, lineidx_at(li, k), &key) || key.src != src)
		return false;
	*same = true;
	if (key.kind != SB_KIND_RUN || !sb_get(sb, lineidx_at(li, k), &l))
		return false;
	*start = jump_run_started(l.msg);
	return true;
}

/* The start or the end of the run of the line at k. */
enum jump_edge
jump_run_edge(const struct lineidx *li, const struct scrollback *sb, size_t k,
    bool end, uint64_t *seq)
{
	size_t n = lineidx_count(li), j, last;
	struct sb_key key;
	bool start, same;

	if (n == 0)
		return JUMP_EDGE_NONE;
	if (k >= n)
		k = n - 1;
	if (!sb_key(sb, lineidx_at(li, k), &key))
		return JUMP_EDGE_NONE;
	last = k;
	if (!end) {
		/* Back to the nearest start marker of the source. */
		for (j = k + 1; j-- > 0;) {
			if (jump_marker(li, sb, j, key.src, &start, &same) &&
			    start) {
				*seq = lineidx_at(li, j);
				return JUMP_EDGE_FOUND;
			}
			if (same)
				last = j;
		}
		*seq = lineidx_at(li, last);
		return JUMP_EDGE_GONE;
	}
	/* On to the end marker; the next run's start means none is held. */
	for (j = k; j < n; j++) {
		if (jump_marker(li, sb, j, key.src, &start, &same)) {
			if (!start) {
				*seq = lineidx_at(li, j);
				return JUMP_EDGE_FOUND;
			}
			if (j > k)
				break;
		}
		if (same)
			last = j;
	}
	*seq = lineidx_at(li, last);
	return JUMP_EDGE_OPEN;
}
