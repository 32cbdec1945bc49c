/* rule.c - rules: keys, matching, suppression and the texts an action
 * carries (see rule.h). */
#include "core/rule.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/esc.h"
#include "core/format.h"
#include "core/recost.h"

static const char *const rule_key_names[] = {"name", "source", "level",
    "match", "field", "on", "bell", "notify", "command", "webhook", "every",
    "timeout", NULL};

static const char *const rule_event_names[RULE_EVENT_COUNT] = {
    "line", "started", "completed", "failed", "quiet"};

const char *const *
rule_keys(void)
{
	return rule_key_names;
}

const char *
rule_event_name(enum rule_event e)
{
	return e < RULE_EVENT_COUNT ? rule_event_names[e] : "line";
}

void
rule_set_init(struct rule_set *s)
{
	memset(s, 0, sizeof *s);
}

/* Free what rule r holds and zero it. */
static void
rule_clear(struct rule *r)
{
	free(r->name);
	free(r->source);
	if (r->match != NULL)
		regfree(&r->match_re);
	free(r->match);
	if (r->field != NULL && r->field_op == FIELD_MATCH)
		regfree(&r->field_re);
	free(r->field);
	free(r->field_text);
	free(r->command);
	free(r->webhook);
	memset(r, 0, sizeof *r);
}

void
rule_set_free(struct rule_set *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		rule_clear(&s->r[i]);
	s->n = 0;
}

int
rule_find(const struct rule_set *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->r[i].name, name) == 0)
			return i;
	}
	return -1;
}

int
rule_add(struct rule_set *s, const char *name, char *err, size_t errlen)
{
	struct rule *r;
	char def[32];

	if (s->n == RULE_MAX) {
		snprintf(err, errlen, "more than %d rules", RULE_MAX);
		return -1;
	}
	r = &s->r[s->n];
	memset(r, 0, sizeof *r);
	snprintf(def, sizeof def, "rule %d", s->n + 1);
	if ((r->name = strdup(name != NULL ? name : def)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->timeout_s = RULE_TIMEOUT_DEFAULT_S;
	return s->n++;
}

/* Compile re with smart case (ignore case unless it has a capital). */
static int
rule_regcomp(regex_t *re, const char *text, const char *key, char *err,
    size_t errlen, struct litscan *lit)
{
	int flags = REG_EXTENDED | REG_NOSUB, rc;
	const char *c;
	char msg[128];

	flags |= REG_ICASE;
	for (c = text; *c != '\0'; c++) {
		if (isupper((unsigned char)*c)) {
			flags &= ~REG_ICASE;
			break;
		}
	}
	if (recost_check(text, msg, sizeof msg) != 0) {
		snprintf(err, errlen, "'%s': %s", key, msg);
		return -1;
	}
	if ((rc = regcomp(re, text, flags)) != 0) {
		regerror(rc, re, msg, sizeof msg);
		snprintf(err, errlen, "'%s': %s", key, msg);
		return -1;
	}
	if (lit != NULL)
		litscan_init(lit, text, (flags & REG_ICASE) != 0);
	return 0;
}

/* A yes/no value. */
static int
rule_bool(const char *v, bool *out)
{
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "on") == 0)
		*out = true;
	else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
	         strcasecmp(v, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* Set the member test of r from text ("rows>1000"). */
static int
rule_set_field(struct rule *r, const char *text, char *err, size_t errlen)
{
	const char *value, *c;
	size_t namelen;

	if (!field_split(text, &namelen, &r->field_op, &value)) {
		snprintf(err, errlen,
		    "'field' must be NAME:REGEX, NAME=VALUE or NAME<N, >, <=, "
		    ">= (as rows>1000)");
		return -1;
	}
	if (namelen > FIELD_NAME_LEN) {
		snprintf(err, errlen, "'field': name longer than %d bytes",
		    FIELD_NAME_LEN);
		return -1;
	}
	memcpy(r->field_name, text, namelen);
	r->field_name[namelen] = '\0';
	r->field_is_num = field_number(value, strlen(value), &r->field_num);
	if (r->field_op == FIELD_MATCH)
		return rule_regcomp(
		    &r->field_re, value, "field", err, errlen, NULL);
	if (r->field_op != FIELD_EQ && !r->field_is_num) {
		snprintf(err, errlen, "'field': %s: not a number after the %s",
		    text,
		    r->field_op == FIELD_LT || r->field_op == FIELD_LE ? "<"
		                                                       : ">");
		return -1;
	}
	if ((r->field_text = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->field_icase = true;
	for (c = value; *c != '\0'; c++) {
		if (isupper((unsigned char)*c))
			r->field_icase = false;
	}
	return 0;
}

/* Replace *slot with a copy of v. */
static int
rule_string(char **slot, const char *v, char *err, size_t errlen)
{
	char *p = strdup(v);

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*slot);
	*slot = p;
	return 0;
}

int
rule_set_key(struct rule_set *s, int i, const char *key, const char *value,
    char *err, size_t errlen)
{
	struct rule *r = &s->r[i];
	enum rule_event e;
	bool b;
	long n;

	if (strlen(value) > RULE_TEXT_MAX) {
		snprintf(err, errlen, "'%s' is longer than %d bytes", key,
		    RULE_TEXT_MAX);
		return -1;
	}
	if (strcmp(key, "name") == 0) {
		if (*value == '\0' || rule_find(s, value) >= 0) {
			snprintf(err, errlen,
			    "'name': empty or used by another rule");
			return -1;
		}
		return rule_string(&r->name, value, err, errlen);
	}
	if (strcmp(key, "source") == 0)
		return rule_string(&r->source, value, err, errlen);
	if (strcmp(key, "level") == 0) {
		r->floor = level_parse(value, strlen(value));
		if (r->floor == LEVEL_OTHER) {
			snprintf(err, errlen,
			    "'level' must be trace, debug, info, warn, error "
			    "or fatal");
			return -1;
		}
		r->has_floor = true;
		return 0;
	}
	if (strcmp(key, "match") == 0) {
		if (r->match != NULL) {
			regfree(&r->match_re);
			free(r->match);
			r->match = NULL;
		}
		if (rule_regcomp(&r->match_re, value, key, err, errlen,
		        &r->match_lit) != 0)
			return -1;
		return rule_string(&r->match, value, err, errlen);
	}
	if (strcmp(key, "field") == 0) {
		if (r->field != NULL) {
			snprintf(err, errlen, "one 'field' per rule");
			return -1;
		}
		if (rule_set_field(r, value, err, errlen) != 0)
			return -1;
		return rule_string(&r->field, value, err, errlen);
	}
	if (strcmp(key, "on") == 0) {
		for (e = RULE_STARTED; e < RULE_EVENT_COUNT; e++) {
			if (strcasecmp(value, rule_event_names[e]) == 0) {
				r->on |= 1u << e;
				return 0;
			}
		}
		snprintf(err, errlen,
		    "'on' must be started, completed, failed or quiet");
		return -1;
	}
	if (strcmp(key, "bell") == 0 || strcmp(key, "notify") == 0) {
		unsigned bit = key[0] == 'b' ? RULE_BELL : RULE_NOTIFY;

		if (rule_bool(value, &b) != 0) {
			snprintf(err, errlen, "'%s' must be true or false", key);
			return -1;
		}
		r->actions = b ? r->actions | bit : r->actions & ~bit;
		return 0;
	}
	if (strcmp(key, "command") == 0) {
		r->actions |= RULE_COMMAND;
		return rule_string(&r->command, value, err, errlen);
	}
	if (strcmp(key, "webhook") == 0) {
		if (strncasecmp(value, "http://", 7) != 0 &&
		    strncasecmp(value, "https://", 8) != 0) {
			snprintf(err, errlen,
			    "'webhook' must be an http:// or https:// URL");
			return -1;
		}
		r->actions |= RULE_WEBHOOK;
		return rule_string(&r->webhook, value, err, errlen);
	}
	if (strcmp(key, "every") == 0 || strcmp(key, "timeout") == 0) {
		bool every = key[0] == 'e';
		long max = every ? RULE_EVERY_MAX_S : RULE_TIMEOUT_MAX_S;

		if ((n = format_parse_duration(value, max)) < 0 || (!every && n == 0)) {
			snprintf(err, errlen,
			    "'%s' must be a duration of %s to %ld seconds "
			    "(90, 90s, 10m, 2h)",
			    key, every ? "0" : "1", max);
			return -1;
		}
		*(every ? &r->every_s : &r->timeout_s) = n;
		return 0;
	}
	return 1;
}

int
rule_check(struct rule_set *s, int i, char *err, size_t errlen)
{
	const struct rule *r = &s->r[i];

	if (r->on != 0 && (r->match != NULL || r->field != NULL)) {
		snprintf(err, errlen,
		    "'match' and 'field' test lines; a rule with 'on' tests "
		    "run events");
		return -1;
	}
	return 0;
}

/* True when the source glob matches the id or the name. */
static bool
rule_source_ok(const struct rule *r, const struct rule_subject *sub)
{
	if (r->source == NULL)
		return true;
	return (sub->source_id != NULL &&
	           fnmatch(r->source, sub->source_id, 0) == 0) ||
	       (sub->source_name != NULL &&
	           fnmatch(r->source, sub->source_name, 0) == 0);
}

/* A message up to this size is matched from a copy on the stack. */
#define RULE_MATCH_COPY 4096

/* regexec on a span (REG_STARTEND: NULs inside are text). The span is
 * copied with a NUL after it first: regexec's callers, ASan's
 * interceptor among them, may read up to a NUL whatever REG_STARTEND
 * says, and a span's end need not be followed by one. */
static bool
rule_regmatch(const regex_t *re, const char *p, size_t n)
{
	char small[RULE_MATCH_COPY];
	char *s = n < sizeof small ? small : malloc(n + 1);
	regmatch_t m;
	bool hit;

	if (s == NULL)
		return false;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	m.rm_so = 0;
	m.rm_eo = (regoff_t)n;
	hit = regexec(re, s, 1, &m, REG_STARTEND) == 0;
	if (s != small)
		free(s);
	return hit;
}

/* The member test of r on the line. */
static bool
rule_field_ok(const struct rule *r, const struct rule_subject *sub)
{
	const struct log_event *ev = sub->ev;
	struct field_value v;

	if (strcmp(r->field_name, "source") == 0)
		field_value_set(&v, sub->source_name ? sub->source_name : "",
		    sub->source_name ? strlen(sub->source_name) : 0);
	else if (strcmp(r->field_name, "level") == 0)
		field_value_set(&v, ev->level_name.p, ev->level_name.n);
	else if (strcmp(r->field_name, "message") == 0)
		field_value_set(&v, ev->message.p, ev->message.n);
	else if (!ev->json ||
	         !field_member(ev->raw.p, ev->raw.n, r->field_name, &v))
		return false;
	if (r->field_op == FIELD_MATCH)
		return rule_regmatch(&r->field_re, v.text, strlen(v.text));
	return field_compare(r->field_op, r->field_is_num, r->field_num,
	    r->field_text, r->field_icase, &v);
}

bool
rule_may_match(const struct rule *r, enum rule_event e, enum level l)
{
	if (e != RULE_LINE)
		return (r->on & (1u << e)) != 0;
	if (r->on != 0)
		return false;
	if (l == LEVEL_OTHER)
		l = LEVEL_INFO;
	return !r->has_floor || l >= r->floor;
}

bool
rule_match(const struct rule *r, const struct rule_subject *sub)
{
	const struct log_event *ev = sub->ev;
	enum litscan_verdict lit = LITSCAN_YES; /* no match key: any line */

	/* The cheap keys first, the regex engine last. */
	if (sub->event == RULE_LINE && ev == NULL)
		return false;
	if (!rule_may_match(r, sub->event, ev != NULL ? ev->level : LEVEL_INFO))
		return false;
	if (sub->event != RULE_LINE)
		return rule_source_ok(r, sub);
	/* The literal scan rejects most lines; when the pattern is a whole
	 * literal and the line holds it, it also spares regexec. */
	if (r->match != NULL)
		lit = litscan_test(&r->match_lit, ev->message.p, ev->message.n);
	if (lit == LITSCAN_NO || !rule_source_ok(r, sub))
		return false;
	if (lit == LITSCAN_MAYBE &&
	    !rule_regmatch(&r->match_re, ev->message.p, ev->message.n))
		return false;
	if (r->field != NULL && !rule_field_ok(r, sub))
		return false;
	return true;
}

bool
rule_fire(struct rule *r, int64_t now_ms, uint64_t *suppressed)
{
	if (r->fired && r->every_s > 0 &&
	    now_ms - r->last_ms < (int64_t)r->every_s * 1000) {
		r->suppressed++;
		return false;
	}
	*suppressed = r->suppressed;
	r->suppressed = 0;
	r->fired = true;
	r->last_ms = now_ms;
	return true;
}

/* ,"key":"value" with value a C string (NULL: nothing). */
static int
rule_json_str(struct buf *out, const char *key, const char *s, size_t n)
{
	if (s == NULL)
		return 0;
	if (buf_printf(out, ",\"%s\":", key) != 0)
		return -1;
	return format_json_string(out, s, n);
}

int
rule_json(struct buf *out, const struct rule *r,
    const struct rule_subject *sub, uint64_t suppressed)
{
	const struct log_event *ev = sub->ev;
	int rc = 0;

	rc |= buf_puts(out, "{\"rule\":");
	rc |= format_json_string(out, r->name, strlen(r->name));
	rc |= rule_json_str(out, "event", rule_event_name(sub->event),
	    strlen(rule_event_name(sub->event)));
	rc |= rule_json_str(out, "source", sub->source_id,
	    sub->source_id ? strlen(sub->source_id) : 0);
	rc |= rule_json_str(out, "sourceName", sub->source_name,
	    sub->source_name ? strlen(sub->source_name) : 0);
	if (sub->run > 0)
		rc |= buf_printf(out, ",\"run\":%lld", sub->run);
	if (ev != NULL) {
		rc |= rule_json_str(out, "level", level_name(ev->level),
		    strlen(level_name(ev->level)));
		rc |= rule_json_str(out, "message",
		    ev->message.p ? ev->message.p : "", ev->message.n);
		if (ev->timestamp.n > 0)
			rc |= rule_json_str(out, "timestamp", ev->timestamp.p,
			    ev->timestamp.n);
		if (ev->id >= 0)
			rc |= buf_printf(out, ",\"id\":%lld", ev->id);
	}
	if (sub->has_exit_code)
		rc |= buf_printf(out, ",\"exitCode\":%d", sub->exit_code);
	if (sub->event == RULE_QUIET)
		rc |= buf_printf(
		    out, ",\"quietMs\":%lld", (long long)sub->quiet_ms);
	rc |= buf_printf(out, ",\"suppressed\":%llu}",
	    (unsigned long long)suppressed);
	return rc != 0 ? -1 : 0;
}

int
rule_summary(struct buf *out, const struct rule_subject *sub)
{
	const struct log_event *ev = sub->ev;
	const char *name = sub->source_name ? sub->source_name : sub->source_id;
	char took[32], line[96];
	int rc = 0;

	if (name != NULL) {
		rc |= esc_text(out, name, strlen(name));
		rc |= buf_puts(out, ": ");
	}
	switch (sub->event) {
	case RULE_LINE:
		rc |= buf_printf(out, "%s: ", level_name(ev->level));
		/* Newlines and controls escaped: one line, inert. */
		return rc | esc_text(out, ev->message.p ? ev->message.p : "",
		                ev->message.n);
	case RULE_QUIET:
		format_duration(took, sizeof took, sub->quiet_ms);
		return rc | buf_printf(out, "quiet %s", took);
	default:
		snprintf(line, sizeof line, "run %lld %s", sub->run,
		    rule_event_name(sub->event));
		if (sub->run <= 0)
			snprintf(line, sizeof line, "run %s",
			    rule_event_name(sub->event));
		rc |= buf_puts(out, line);
		if (sub->has_exit_code)
			rc |= buf_printf(out, " (exit code %d)", sub->exit_code);
		return rc;
	}
}

/* Append at most max bytes of s, cut on a character boundary, with ';'
 * made ',' (it separates OSC 777's fields). s is escaped text: no
 * controls. */
static int
rule_osc_text(struct buf *out, const char *s, size_t n, size_t max)
{
	size_t i, end = n;
	int rc = 0;

	if (end > max) {
		end = max;
		/* Back to the start of a UTF-8 character. */
		while (end > 0 && ((unsigned char)s[end] & 0xc0) == 0x80)
			end--;
	}
	for (i = 0; i < end; i++)
		rc |= buf_putc(out, s[i] == ';' ? ',' : s[i]);
	return rc;
}

int
rule_osc(struct buf *out, const struct rule *r,
    const struct rule_subject *sub, uint64_t suppressed)
{
	struct buf body, title;
	int rc = 0;

	buf_init(&body, 4 * RULE_NOTIFY_TEXT_MAX + 64);
	buf_init(&title, 4 * RULE_NOTIFY_TEXT_MAX + 64);
	/* Summaries of long lines are cut after escaping; the buffer cap
	 * failing only means the text was long: keep what fit. */
	rule_summary(&body, sub);
	if (suppressed > 0)
		buf_printf(&body, " (+%llu suppressed)",
		    (unsigned long long)suppressed);
	buf_puts(&title, "logdeck: ");
	esc_text(&title, r->name, strlen(r->name));
	/* OSC 9: iTerm2, Windows Terminal, ConEmu, WezTerm, kitty. */
	rc |= buf_puts(out, "\033]9;");
	rc |= rule_osc_text(out, title.p, title.len, RULE_NOTIFY_TEXT_MAX / 4);
	rc |= buf_puts(out, ": ");
	rc |= rule_osc_text(out, body.p ? body.p : "", body.len,
	    RULE_NOTIFY_TEXT_MAX);
	rc |= buf_puts(out, "\033\\");
	/* OSC 777: rxvt-unicode (notify), foot, VTE with the notify patch. */
	rc |= buf_puts(out, "\033]777;notify;");
	rc |= rule_osc_text(out, title.p, title.len, RULE_NOTIFY_TEXT_MAX / 4);
	rc |= buf_putc(out, ';');
	rc |= rule_osc_text(out, body.p ? body.p : "", body.len,
	    RULE_NOTIFY_TEXT_MAX);
	rc |= buf_puts(out, "\033\\");
	buf_free(&body);
	buf_free(&title);
	return rc != 0 ? -1 : 0;
}
