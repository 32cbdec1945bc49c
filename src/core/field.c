/* field.c - tests of one member of an event's JSON (see field.h). */
#include "core/field.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

bool
field_number(const char *s, size_t n, double *out)
{
	char tmp[FIELD_NUMBER_LEN + 1];
	char *end;

	if (n == 0 || n > FIELD_NUMBER_LEN)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (isspace((unsigned char)tmp[0]))
		return false;
	*out = strtod(tmp, &end);
	return *end == '\0' && isfinite(*out);
}

bool
field_split(
    const char *text, size_t *namelen, enum field_op *op, const char **value)
{
	size_t n = 0;

	if (!isalpha((unsigned char)text[0]) && text[0] != '_')
		return false;
	while (isalnum((unsigned char)text[n]) || text[n] == '_' ||
	       text[n] == '.' || text[n] == '-')
		n++;
	*namelen = n;
	switch (text[n]) {
	case ':':
		*op = FIELD_MATCH;
		*value = text + n + 1;
		return true;
	case '=':
		*op = FIELD_EQ;
		*value = text + n + 1;
		return true;
	case '<':
	case '>':
		if (text[n + 1] == '=') {
			*op = text[n] == '<' ? FIELD_LE : FIELD_GE;
			*value = text + n + 2;
		} else {
			*op = text[n] == '<' ? FIELD_LT : FIELD_GT;
			*value = text + n + 1;
		}
		return true;
	default:
		return false;
	}
}

void
field_value_set(struct field_value *v, const char *s, size_t n)
{
	if (n > FIELD_VALUE_MAX)
		n = FIELD_VALUE_MAX;
	memcpy(v->text, s, n);
	v->text[n] = '\0';
	v->is_num = field_number(v->text, n, &v->num);
}

/* A member name a field test can name is one json_body_eq compares. */
_Static_assert(FIELD_NAME_LEN <= JSON_BODY_EQ_MAX,
    "field names must fit json_body_eq");

bool
field_member(
    const char *raw, size_t n, const char *name, struct field_value *v)
{
	struct json_iter it;
	struct json_value key, val, found;
	size_t used, len, nl = strlen(name);
	bool have = false;

	if (raw == NULL || json_iter_begin(&it, raw, raw + n, '{') == -1)
		return false;
	while (json_iter_next(&it, &key, &val) == 1) {
		if (json_body_eq(key.s, key.sn, key.escaped, name, nl)) {
			found = val;
			have = val.type != JSON_NULL;
		}
	}
	if (!have)
		return false;
	if (found.type == JSON_STRING) {
		len = json_unescape(
		    v->text, FIELD_VALUE_MAX, found.s, found.sn, &used);
		v->text[len] = '\0';
		v->is_num = field_number(v->text, len, &v->num);
	} else
		field_value_set(v, found.p, found.n);
	return true;
}

bool
field_compare(enum field_op op, bool is_num, double num, const char *text,
    bool icase, const struct field_value *v)
{
	switch (op) {
	case FIELD_EQ:
		if (is_num && v->is_num)
			return v->num == num;
		return icase ? strcasecmp(v->text, text) == 0
		             : strcmp(v->text, text) == 0;
	case FIELD_LT:
		return v->is_num && v->num < num;
	case FIELD_GT:
		return v->is_num && v->num > num;
	case FIELD_LE:
		return v->is_num && v->num <= num;
	case FIELD_GE:
		return v->is_num && v->num >= num;
	default:
		return false;
	}
}
