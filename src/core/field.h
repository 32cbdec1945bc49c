/* field.h - tests of one member of an event's JSON, written as
 * "rows>1000", "task:load", "level=warn" (model layer, no I/O): how the
 * text splits into name, operator and value, how a member's value is read
 * in place (json.c scanner, nothing allocated) and how it compares. The
 * viewer's filters (tui/filter.c) and the rules (core/rule.c) share it. */
#ifndef LOGDECK_FIELD_H
#define LOGDECK_FIELD_H

#include <stdbool.h>
#include <stddef.h>

/* Longest member name a test can name. */
#define FIELD_NAME_LEN 64
/* Bytes of a member's value looked at: a longer string is tested on its
 * first FIELD_VALUE_MAX bytes (once unescaped). */
#define FIELD_VALUE_MAX 4096
/* Longest number text (of a test or a member) compared as one. */
#define FIELD_NUMBER_LEN 64

/* The operators; FIELD_MATCH's regex belongs to the caller. */
enum field_op {
	FIELD_MATCH, /* name:REGEX, on the value's text */
	FIELD_EQ,    /* name=V: equal numbers, else equal text */
	FIELD_LT,
	FIELD_GT,
	FIELD_LE,
	FIELD_GE,
};

/* A member's value as the tests see it: its text (unescaped for a string,
 * JSON text otherwise; NUL-ended) and, when it reads as a number, that. */
struct field_value {
	char text[FIELD_VALUE_MAX + 1];
	bool is_num;
	double num;
};

/* Parse n bytes as a number (all of them, finite); false otherwise. */
bool field_number(const char *s, size_t n, double *out);
/* Split "name OP value" off text: the name's length, the operator and
 * where the value starts. False when text is no field test (it must start
 * with [A-Za-z_][A-Za-z0-9_.-]* and an operator : = < > <= >=). */
bool field_split(
    const char *text, size_t *namelen, enum field_op *op, const char **value);
/* Set v from n bytes of plain text (cut at FIELD_VALUE_MAX). */
void field_value_set(struct field_value *v, const char *s, size_t n);
/* Read top-level member name of the JSON object raw (n bytes) into v;
 * false when raw is no object or has no such member before it ends or
 * turns invalid. null counts as absent; with duplicate keys the last one
 * wins. */
bool field_member(
    const char *raw, size_t n, const char *name, struct field_value *v);
/* Compare v with the test's value (op other than FIELD_MATCH): num when
 * is_num, else text (case-insensitively when icase). */
bool field_compare(enum field_op op, bool is_num, double num, const char *text,
    bool icase, const struct field_value *v);

#endif
