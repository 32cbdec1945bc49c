/* sse.c - incremental WHATWG event-stream parser.
 *
 * Line ends are found with a bitmap of the chunk's LF and CR bytes, built
 * 64 bytes at a time as the parser reaches them (each byte looked at once
 * per chunk, however short the lines), and a whole line is handled where it
 * lies in the caller's chunk by sse_line; only a line cut by the end of a
 * chunk goes through the byte-state machine (sse_segment) and leaves state
 * behind. An event whose one data line and blank line arrive in the same
 * chunk is handed out where it lies, never copied, and so are its id and
 * event type: they are kept as pointers into the chunk and copied into
 * their buffers once, when the chunk ends (sse_keep), not once per event.
 * Other data values go straight into the event's data buffer, so a data
 * line is never staged; the values of the other fields are staged in a
 * small scratch buffer only when a chunk ends inside them. Buffers are
 * reused from event to event and each has a hard limit, so memory stays
 * under SSE_MEMORY_MAX(max_event) whatever the input. */
#include "core/sse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/buf.h"

/* Longest field name kept while a chunk ends inside it; every known name
 * is shorter, so a longer one is simply unknown. */
#define SSE_NAME_MAX 8
/* Largest max_event accepted; keeps max_event + 1 from wrapping. */
#define SSE_MAX_EVENT_LIMIT (SIZE_MAX / 4)

/* Bytes one line-end bitmap covers (the bits of a uint64_t). */
#define SSE_BLOCK 64
/* Longest id whose NUL check is an inline loop rather than a memchr call. */
#define SSE_SHORT_ID 16

/* The type of an event that had no event field. */
#define SSE_DEFAULT_TYPE "message"

static const char sse_bom_bytes[] = "\xef\xbb\xbf";
#define SSE_BOM_LEN 3

/* Where the current line stands. */
enum sse_state {
	SSE_LINE_START,  /* nothing of the line seen yet */
	SSE_NAME,        /* inside the field name */
	SSE_VALUE_START, /* after the colon; one space may follow */
	SSE_VALUE,       /* inside the value */
};

/* Which field the current line sets. */
enum sse_field {
	SSE_F_UNKNOWN,
	SSE_F_DATA,
	SSE_F_EVENT,
	SSE_F_ID,
	SSE_F_RETRY,
	SSE_F_COMMENT,
};

struct sse_parser {
	struct sse_callbacks cb;
	void *arg;
	size_t max;  /* cap on an event's data */
	size_t fcap; /* cap on other field values: min(SSE_MAX_FIELD, max) */

	enum sse_state state;
	enum sse_field field;
	char name[SSE_NAME_MAX];
	size_t name_len;    /* SSE_NAME_MAX + 1: too long, unknown */
	struct buf scratch; /* value of a non-data field cut by a chunk end */
	size_t scratch_cut; /* bytes of that value past fcap */
	bool skip_lf;       /* the last chunk ended in CR: drop one LF */
	unsigned bom;       /* BOM bytes matched; SSE_BOM_LEN: BOM over */

	struct buf data; /* data lines, each with its LF; max + 1 bytes */
	/* The event's one data line so far (no LF) where it lies in the
	 * chunk being fed, when data is empty: the common event is then
	 * dispatched without a copy. Moved into data before the chunk ends
	 * and before any more data. */
	const char *inplace;
	size_t inplace_n;
	size_t data_cut;    /* data bytes past the cap */
	struct buf type;    /* event type buffer */
	struct buf id;      /* last event id buffer of this connection */
	bool id_dirty;      /* id differs from last_id */
	struct buf last_id; /* id of the last dispatched (or blank) line */
	/* While a chunk is fed, type, id and last_id may instead be bytes
	 * of that chunk (the pointer is then set and the buffer stale):
	 * sse_keep copies them into their buffers before the chunk ends. */
	const char *type_at, *id_at, *last_at;
	size_t type_at_n, id_at_n, last_at_n;
	long retry;

	bool busy;  /* inside sse_feed */
	bool abort; /* a callback reconnected or freed: stop this chunk */
	bool dead;  /* sse_free was called from a callback */
};

/* sse_memory's promise: the struct and the four NULs and the data LF fit
 * in the slack SSE_MEMORY_MAX leaves. */
_Static_assert(sizeof(struct sse_parser) + 6 <= SSE_MAX_FIELD,
    "struct sse_parser too large for SSE_MEMORY_MAX");

/* Add b to *a, sticking at SIZE_MAX instead of wrapping. */
static void
sse_add_sat(size_t *a, size_t b)
{
	*a = *a > SIZE_MAX - b ? SIZE_MAX : *a + b;
}

/* The line ends of one chunk, as a bitmap of the SSE_BLOCK bytes from
 * base: bit i is set when base[i] is LF or CR. */
struct sse_eols {
	const char *base;
	const char *end; /* end of the chunk */
	uint64_t mask;
};

/* The bitmap of LF and CR in the n bytes at b (n <= SSE_BLOCK): sixteen
 * bytes a compare with SSE2, the rest (and everything without SSE2) one
 * byte at a time; never reads past b + n. */
static inline uint64_t
sse_eol_mask(const char *b, size_t n)
{
	uint64_t m = 0;
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	__m128i x;

	for (; n - i >= 16; i += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(
		         _mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)))
		     << i;
	}
#endif
	for (; i < n; i++)
		if (b[i] == '\n' || b[i] == '\r')
			m |= (uint64_t)1 << i;
	return m;
}

/* Start finding the line ends of the chunk [s, end). */
static void
sse_eols_init(struct sse_eols *e, const char *s, const char *end)
{
	e->base = s;
	e->end = end;
	e->mask = sse_eol_mask(
	    s, (size_t)(end - s) < SSE_BLOCK ? (size_t)(end - s) : SSE_BLOCK);
}

/* The first LF or CR at or after s (s never moves back), or the chunk's
 * end: a bit of the current block's map, else the map of the next block
 * that has one. */
static inline const char *
sse_eol_next(struct sse_eols *e, const char *s)
{
	size_t n;
	uint64_t m;

	if ((size_t)(s - e->base) >= SSE_BLOCK) {
		/* s left the block behind (a long line): map from s. */
		e->base = s;
		n = (size_t)(e->end - s);
		e->mask = sse_eol_mask(s, n < SSE_BLOCK ? n : SSE_BLOCK);
	}
	m = e->mask & (~(uint64_t)0 << (s - e->base));
	while (m == 0) {
		/* Nothing from s to the block's end: the next block. */
		e->base += SSE_BLOCK;
		if (e->base >= e->end)
			return e->end;
		n = (size_t)(e->end - e->base);
		m = e->mask =
		    sse_eol_mask(e->base, n < SSE_BLOCK ? n : SSE_BLOCK);
	}
	return e->base + __builtin_ctzll(m);
}

/* Forget a buffer's content, without a call when it is empty already. */
static inline void
sse_buf_clear(struct buf *b)
{
	if (b->len > 0)
		buf_clear(b);
}

/* Append to the data buffer up to the cap, counting what is cut. Once
 * anything was cut nothing more is kept, so the buffer always holds a
 * prefix of the event's data. */
static void
sse_data_add(struct sse_parser *p, const char *s, size_t n)
{
	size_t room, keep = 0;

	if (p->data_cut == 0) {
		room = p->max + 1 - p->data.len;
		keep = n < room ? n : room;
		if (keep > 0 && buf_append(&p->data, s, keep) != 0)
			keep = 0;
	}
	sse_add_sat(&p->data_cut, n - keep);
}

/* Move an in-place data line into the data buffer, as if it had been
 * appended there (it is at most max bytes: its LF fits too). */
static void
sse_inplace_flush(struct sse_parser *p)
{
	if (p->inplace == NULL)
		return;
	sse_data_add(p, p->inplace, p->inplace_n);
	sse_data_add(p, "\n", 1);
	p->inplace = NULL;
}

/* Append to the scratch buffer up to fcap, as sse_data_add does. */
static void
sse_scratch_add(struct sse_parser *p, const char *s, size_t n)
{
	size_t room, keep = 0;

	if (p->scratch_cut == 0) {
		room = p->fcap - p->scratch.len;
		keep = n < room ? n : room;
		if (keep > 0 && buf_append(&p->scratch, s, keep) != 0)
			keep = 0;
	}
	sse_add_sat(&p->scratch_cut, n - keep);
}

/* Add a piece of the field name; a name too long to be known saturates. */
static void
sse_name_add(struct sse_parser *p, const char *s, size_t n)
{
	if (p->name_len <= SSE_NAME_MAX && n <= SSE_NAME_MAX - p->name_len) {
		memcpy(p->name + p->name_len, s, n);
		p->name_len += n;
	} else
		p->name_len = SSE_NAME_MAX + 1;
}

/* The field a complete name stands for; names are exact and
 * case-sensitive. */
static enum sse_field
sse_field_of(const char *name, size_t len)
{
	switch (len) {
	case 2:
		if (memcmp(name, "id", 2) == 0)
			return SSE_F_ID;
		break;
	case 4:
		if (memcmp(name, "data", 4) == 0)
			return SSE_F_DATA;
		break;
	case 5:
		if (memcmp(name, "event", 5) == 0)
			return SSE_F_EVENT;
		if (memcmp(name, "retry", 5) == 0)
			return SSE_F_RETRY;
		break;
	}
	return SSE_F_UNKNOWN;
}

/* Parse a retry value: ASCII digits only, base 10, and small enough for a
 * long; anything else is not a retry. */
static bool
sse_parse_retry(const char *s, size_t n, long *out)
{
	long v = 0;
	int d;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = s[i] - '0';
		if (v > (LONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Make the id buffer equal to the last event id. */
static void
sse_id_restore(struct sse_parser *p)
{
	if (!p->id_dirty)
		return;
	if (p->last_at != NULL) {
		p->id_at = p->last_at;
		p->id_at_n = p->last_at_n;
		p->id_dirty = false;
		return;
	}
	p->id_at = NULL;
	buf_clear(&p->id);
	if (buf_append(&p->id, p->last_id.p, p->last_id.len) == 0)
		p->id_dirty = false;
}

/* True when the n bytes at v hold a NUL. */
static inline bool
sse_has_nul(const char *v, size_t n)
{
	size_t i;

	if (n > SSE_SHORT_ID)
		return memchr(v, '\0', n) != NULL;
	for (i = 0; i < n; i++)
		if (v[i] == '\0')
			return true;
	return false;
}

/* Copy what still points into the chunk being fed (the data line, the
 * event type, the ids) into the parser's buffers: the chunk is the
 * caller's and goes when sse_feed returns. On allocation failure a type
 * or id is lost (empty), as a failed append always made it. */
static void
sse_keep(struct sse_parser *p)
{
	sse_inplace_flush(p);
	if (p->type_at != NULL) {
		buf_clear(&p->type);
		buf_append(&p->type, p->type_at, p->type_at_n);
		p->type_at = NULL;
	}
	if (p->last_at != NULL) {
		buf_clear(&p->last_id);
		if (buf_append(&p->last_id, p->last_at, p->last_at_n) != 0)
			p->id_dirty = true;
		p->last_at = NULL;
	}
	if (p->id_at != NULL) {
		buf_clear(&p->id);
		if (buf_append(&p->id, p->id_at, p->id_at_n) != 0)
			p->id_dirty = true;
		p->id_at = NULL;
	}
}

/* Act on a complete non-data field f whose value is v (n bytes kept, cut
 * more bytes dropped); inchunk says v lies in the chunk being fed (not in
 * the scratch buffer), where it may be kept until the chunk ends. */
static void
sse_field_done(struct sse_parser *p, enum sse_field f, const char *v, size_t n,
    size_t cut, bool inchunk)
{
	long ms;

	switch (f) {
	case SSE_F_EVENT:
		if (inchunk) {
			p->type_at = v;
			p->type_at_n = n;
			break;
		}
		p->type_at = NULL;
		buf_clear(&p->type);
		buf_append(&p->type, v, n);
		break;
	case SSE_F_ID:
		if (cut > 0 || sse_has_nul(v, n))
			break;
		p->id_dirty = true;
		if (inchunk) {
			p->id_at = v;
			p->id_at_n = n;
			break;
		}
		p->id_at = NULL;
		buf_clear(&p->id);
		/* On allocation failure the id is ignored, as if invalid. */
		if (buf_append(&p->id, v, n) != 0)
			sse_id_restore(p);
		break;
	case SSE_F_RETRY:
		if (cut > 0 || !sse_parse_retry(v, n, &ms))
			break;
		p->retry = ms;
		if (p->cb.on_retry != NULL)
			p->cb.on_retry(ms, p->arg);
		break;
	case SSE_F_COMMENT:
		if (p->cb.on_comment != NULL)
			p->cb.on_comment(v, n, p->arg);
		break;
	default:
		break;
	}
}

/* A blank line: commit the id, then fire the event if it has data. */
static void
sse_dispatch(struct sse_parser *p)
{
	struct sse_event ev;
	size_t total, len;

	if (p->id_dirty) {
		if (p->id_at != NULL) {
			p->last_at = p->id_at;
			p->last_at_n = p->id_at_n;
			p->id_dirty = false;
		} else {
			p->last_at = NULL;
			buf_clear(&p->last_id);
			if (buf_append(&p->last_id, p->id.p, p->id.len) == 0)
				p->id_dirty = false;
		}
	}
	if (p->inplace != NULL) {
		/* One whole data line in this chunk: hand it out in place. */
		ev.data = p->inplace;
		ev.data_len = p->inplace_n;
		ev.truncated = 0;
		p->inplace = NULL;
		goto fire;
	}
	total = p->data.len + p->data_cut;
	if (total == 0) {
		p->type_at = NULL;
		sse_buf_clear(&p->type);
		return;
	}
	/* The data is total - 1 bytes (the last LF goes); we hold a prefix
	 * of it plus that LF, or a prefix cut at the cap. */
	len = total - 1;
	if (len > p->data.len)
		len = p->data.len;
	if (len > p->max)
		len = p->max;
	ev.data = p->data.len > 0 ? p->data.p : "";
	ev.data_len = len;
	ev.truncated = total - 1 - len;
fire:
	if (p->type_at != NULL) {
		ev.type = p->type_at;
		ev.type_len = p->type_at_n;
	} else {
		ev.type = p->type.p;
		ev.type_len = p->type.len;
	}
	if (ev.type_len == 0) {
		ev.type = SSE_DEFAULT_TYPE;
		ev.type_len = sizeof SSE_DEFAULT_TYPE - 1;
	}
	ev.id = sse_last_id(p, &ev.id_len);
	p->cb.on_event(&ev, p->arg);
	sse_buf_clear(&p->data);
	p->data_cut = 0;
	p->type_at = NULL;
	sse_buf_clear(&p->type);
}

/* Forget the current line. */
static void
sse_line_reset(struct sse_parser *p)
{
	p->state = SSE_LINE_START;
	p->name_len = 0;
	sse_buf_clear(&p->scratch);
	p->scratch_cut = 0;
}

/* A whole data line's value s (n bytes, in the chunk being fed). */
static inline void
sse_data_line(struct sse_parser *p, const char *s, size_t n)
{
	if (p->inplace == NULL && p->data.len == 0 && p->data_cut == 0 &&
	    n <= p->max) {
		p->inplace = s;
		p->inplace_n = n;
		return;
	}
	sse_inplace_flush(p);
	sse_data_add(p, s, n);
	sse_data_add(p, "\n", 1);
}

/* Handle a piece of the value; eol says the line ends after it. */
static void
sse_value(struct sse_parser *p, const char *s, size_t n, bool eol)
{
	size_t cut;
	bool inchunk = true;

	switch (p->field) {
	case SSE_F_DATA:
		if (eol) {
			sse_data_line(p, s, n);
			break;
		}
		sse_inplace_flush(p);
		sse_data_add(p, s, n);
		break;
	case SSE_F_UNKNOWN:
		break;
	default:
		if (!eol) {
			sse_scratch_add(p, s, n);
			break;
		}
		if (p->scratch.len > 0 || p->scratch_cut > 0) {
			/* The line began in an earlier chunk. */
			sse_scratch_add(p, s, n);
			s = p->scratch.len > 0 ? p->scratch.p : "";
			n = p->scratch.len;
			cut = p->scratch_cut;
			inchunk = false;
		} else {
			/* The whole value is here: use it in place. */
			cut = n > p->fcap ? n - p->fcap : 0;
			n -= cut;
		}
		sse_field_done(p, p->field, s, n, cut, inchunk);
		break;
	}
	if (eol)
		sse_line_reset(p);
}

/* Handle a whole line s (n bytes, no line end, in the chunk being fed)
 * that starts the line: what sse_segment does with one piece, without its
 * state. The usual field names are told by their first bytes. */
static void
sse_line(struct sse_parser *p, const char *s, size_t n)
{
	enum sse_field f;
	const char *colon;
	size_t k, cut;

	if (n == 0) {
		sse_dispatch(p);
		return;
	}
	if (s[0] == ':') {
		/* A comment: its text is all after the colon. */
		f = SSE_F_COMMENT;
		s++;
		n--;
		goto value;
	}
	if (n >= 5 && memcmp(s, "data:", 5) == 0) {
		f = SSE_F_DATA;
		k = 4;
	} else if (n >= 3 && memcmp(s, "id:", 3) == 0) {
		f = SSE_F_ID;
		k = 2;
	} else if (n >= 6 && memcmp(s, "event:", 6) == 0) {
		f = SSE_F_EVENT;
		k = 5;
	} else {
		colon = memchr(s, ':', n);
		k = colon != NULL ? (size_t)(colon - s) : n;
		f = k <= SSE_NAME_MAX ? sse_field_of(s, k) : SSE_F_UNKNOWN;
		if (colon == NULL) {
			/* No colon: the whole line names a field, value "". */
			s += n;
			n = 0;
			goto value;
		}
	}
	s += k + 1;
	n -= k + 1;
	if (n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
value:
	switch (f) {
	case SSE_F_DATA:
		sse_data_line(p, s, n);
		break;
	case SSE_F_UNKNOWN:
		break;
	default:
		cut = n > p->fcap ? n - p->fcap : 0;
		sse_field_done(p, f, s, n - cut, cut, true);
		break;
	}
}

/* Handle a piece of a line (no line end inside); eol says the line ends
 * right after it. */
static void
sse_segment(struct sse_parser *p, const char *s, size_t n, bool eol)
{
	const char *colon;
	size_t k;

	if (p->state == SSE_LINE_START) {
		if (n == 0) {
			if (eol)
				sse_dispatch(p);
			return;
		}
		if (s[0] == ':') {
			p->field = SSE_F_COMMENT;
			p->state = SSE_VALUE;
			s++;
			n--;
		} else
			p->state = SSE_NAME;
	}
	if (p->state == SSE_NAME) {
		colon = memchr(s, ':', n);
		k = colon != NULL ? (size_t)(colon - s) : n;
		sse_name_add(p, s, k);
		if (colon == NULL && !eol)
			return;
		p->field = p->name_len <= SSE_NAME_MAX
		               ? sse_field_of(p->name, p->name_len)
		               : SSE_F_UNKNOWN;
		if (colon == NULL) {
			/* No colon: the whole line names a field, value "". */
			sse_value(p, s + n, 0, true);
			return;
		}
		p->state = SSE_VALUE_START;
		s += k + 1;
		n -= k + 1;
	}
	if (p->state == SSE_VALUE_START) {
		if (n > 0) {
			if (s[0] == ' ') {
				s++;
				n--;
			}
			p->state = SSE_VALUE;
		} else if (!eol)
			return;
	}
	sse_value(p, s, n, eol);
}

/* Split [s, end) into lines and line pieces: whole lines go to sse_line,
 * a line the last chunk left unfinished and one this chunk cuts to
 * sse_segment. */
static void
sse_lines(struct sse_parser *p, const char *s, const char *end)
{
	struct sse_eols e;
	const char *eol;

	if (s == end)
		return;
	sse_eols_init(&e, s, end);
	while (s < end) {
		eol = sse_eol_next(&e, s);
		if (eol == end) {
			sse_segment(p, s, (size_t)(end - s), false);
			return;
		}
		if (p->state == SSE_LINE_START)
			sse_line(p, s, (size_t)(eol - s));
		else
			sse_segment(p, s, (size_t)(eol - s), true);
		if (p->abort)
			return;
		s = eol + 1;
		if (*eol == '\r') {
			/* CRLF is one line end, even split across chunks. */
			if (s == end)
				p->skip_lf = true;
			else if (*s == '\n')
				s++;
		}
	}
}

/* Strip one leading BOM, which may arrive a byte at a time; returns where
 * the lines begin. */
static const char *
sse_bom(struct sse_parser *p, const char *s, const char *end)
{
	unsigned held;

	while (s < end && p->bom < SSE_BOM_LEN) {
		if (*s != sse_bom_bytes[p->bom]) {
			/* Not a BOM after all: what matched is stream text. */
			held = p->bom;
			p->bom = SSE_BOM_LEN;
			sse_lines(p, sse_bom_bytes, sse_bom_bytes + held);
			return s;
		}
		p->bom++;
		s++;
	}
	return s;
}

/* Release everything. */
static void
sse_destroy(struct sse_parser *p)
{
	buf_free(&p->scratch);
	buf_free(&p->data);
	buf_free(&p->type);
	buf_free(&p->id);
	buf_free(&p->last_id);
	free(p);
}

struct sse_parser *
sse_new(const struct sse_callbacks *cb, void *arg, size_t max_event)
{
	struct sse_parser *p;

	if (cb == NULL || cb->on_event == NULL)
		return NULL;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->cb = *cb;
	p->arg = arg;
	if (max_event == 0)
		max_event = SSE_DEFAULT_MAX_EVENT;
	if (max_event > SSE_MAX_EVENT_LIMIT)
		max_event = SSE_MAX_EVENT_LIMIT;
	p->max = max_event;
	p->fcap = max_event < SSE_MAX_FIELD ? max_event : SSE_MAX_FIELD;
	buf_init(&p->scratch, p->fcap);
	buf_init(&p->data, p->max + 1);
	buf_init(&p->type, p->fcap);
	buf_init(&p->id, p->fcap);
	buf_init(&p->last_id, p->fcap);
	p->retry = -1;
	sse_line_reset(p);
	return p;
}

void
sse_free(struct sse_parser *p)
{
	if (p == NULL)
		return;
	if (p->busy) {
		p->dead = true;
		p->abort = true;
		return;
	}
	sse_destroy(p);
}

void
sse_feed(struct sse_parser *p, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len;

	if (len == 0)
		return;
	p->busy = true;
	p->abort = false;
	if (p->skip_lf) {
		p->skip_lf = false;
		if (*s == '\n')
			s++;
	}
	if (p->bom < SSE_BOM_LEN)
		s = sse_bom(p, s, end);
	sse_lines(p, s, end);
	/* The chunk is the caller's: keep what still points into it. */
	if (!p->dead)
		sse_keep(p);
	p->busy = false;
	if (p->dead)
		sse_destroy(p);
}

void
sse_reconnect(struct sse_parser *p)
{
	p->inplace = NULL;
	buf_clear(&p->data);
	p->data_cut = 0;
	p->type_at = NULL;
	buf_clear(&p->type);
	sse_id_restore(p);
	sse_line_reset(p);
	p->skip_lf = false;
	p->bom = 0;
	if (p->busy)
		p->abort = true;
}

const char *
sse_last_id(const struct sse_parser *p, size_t *len)
{
	if (p->last_at != NULL) {
		*len = p->last_at_n;
		return p->last_at;
	}
	*len = p->last_id.len;
	return p->last_id.len > 0 ? p->last_id.p : "";
}

int
sse_set_last_id(struct sse_parser *p, const char *id, size_t len)
{
	if (len > p->fcap || (len > 0 && memchr(id, '\0', len) != NULL))
		return -1;
	p->last_at = NULL;
	buf_clear(&p->last_id);
	if (buf_append(&p->last_id, id, len) != 0)
		return -1;
	p->id_dirty = true;
	sse_id_restore(p);
	return 0;
}

long
sse_retry(const struct sse_parser *p)
{
	return p->retry;
}

size_t
sse_memory(const struct sse_parser *p)
{
	return sizeof *p + p->scratch.cap + p->data.cap + p->type.cap +
	       p->id.cap + p->last_id.cap;
}
