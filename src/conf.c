/* conf.c - the configuration file (YAML): parse, check, apply, print. */
/* asprintf */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/client.h"
#include "conf.h"
#include "net/auth.h"
#include "core/format.h"
#include "core/ydoc.h"
#include "tui/keys.h"

/* Largest configuration file read. */
#define CONF_MAX_FILE (1024 * 1024)
/* Longest string value (URL, path, command, token). */
#define CONF_MAX_STRING 4096
/* Most profiles, watched sources and key bindings in one file. */
#define CONF_MAX_PROFILES 64
#define CONF_MAX_WATCH 256
#define CONF_MAX_KEYS 128
/* Built-in view defaults. */
#define CONF_DEFAULT_LIST_WIDTH 30
#define CONF_DEFAULT_SCROLLBACK_MIB 256

static const char *const conf_top_keys[] = {"profile", "profiles", "view",
    "watch", "keys", "theme", "rules", "stall_floor", NULL};
/* Longest stall_floor, in seconds (a day). */
#define CONF_MAX_STALL_FLOOR_S 86400
static const char *const conf_profile_keys[] = {"server", "token",
    "token_command", "token_command_timeout", "token_file", "token_env",
    "cacert", "insecure",
    "heartbeat", "reconnect_cap", "max_event", "watch", NULL};
static const char *const conf_view_keys[] = {
    "level", "timestamps", "wrap", "fold", "merged", "list_width", "scrollback",
    NULL};
static const char *const conf_levels[] = {
    "trace", "debug", "info", "warn", "error", "fatal", NULL};
static const char *const conf_ts_names[] = {
    "absolute", "relative", "off", NULL};

/* What a parse step needs: the document, the file's directory (relative
 * paths in the file are relative to it) and the error buffer. */
struct conf_parse {
	struct ydoc d;
	struct conf *c;
	char *dir;
	yaml_node_t *profile_node; /* the top level's profile: value */
	bool has_command;          /* some profile has a token_command */
	char *err;
	size_t errlen;
};

/* A copy of the built-in view defaults. */
static void
conf_view_defaults(struct conf_view *v)
{
	v->floor = LEVEL_TRACE;
	v->timestamps = CONF_TS_ABSOLUTE;
	v->wrap = false;
	v->fold = false;
	v->merged = false;
	v->list_width = CONF_DEFAULT_LIST_WIDTH;
	v->scrollback_mib = CONF_DEFAULT_SCROLLBACK_MIB;
}

/* A configuration holding only built-in defaults. */
struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	conf_view_defaults(&c->view);
	c->warnings = strdup("");
	return c;
}

/* Free a list of strings. */
static void
conf_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Free what a profile owns. */
static void
conf_profile_clear(struct conf_profile *p)
{
	free(p->name);
	free(p->server);
	if (p->token != NULL)
		explicit_bzero(p->token, strlen(p->token));
	free(p->token);
	free(p->token_command);
	free(p->token_file);
	free(p->token_env);
	free(p->cacert);
	conf_strv_free(p->watch, p->nwatch);
}

/* Free a configuration. */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	for (i = 0; i < c->nprofiles; i++)
		conf_profile_clear(&c->profiles[i]);
	free(c->profiles);
	free(c->default_profile);
	for (i = 0; i < c->nkeys; i++) {
		free(c->keys[i].action);
		free(c->keys[i].key);
	}
	free(c->keys);
	free(c->theme);
	conf_strv_free(c->watch, c->nwatch);
	free(c->warnings);
	rule_set_free(&c->rules);
	free(c);
}

/* The default configuration path. */
char *
conf_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	char *p;

	/* The XDG spec says a relative XDG_CONFIG_HOME is to be ignored. */
	if (x != NULL && x[0] == '/') {
		if (asprintf(&p, "%s/logdeck/config.yaml", x) < 0)
			return NULL;
		return p;
	}
	if (h == NULL || *h == '\0')
		return NULL;
	if (asprintf(&p, "%s/.config/logdeck/config.yaml", h) < 0)
		return NULL;
	return p;
}

/* A scalar value as a new string, checked for kind and length. */
static int
conf_string(struct conf_parse *cp, yaml_node_t *v, const char *key, char **out)
{
	const char *s = ydoc_scalar(v);

	if (s == NULL || *s == '\0')
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'%s' must be a non-empty string", key);
	if (strlen(s) > CONF_MAX_STRING)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'%s' is longer than %d bytes", key, CONF_MAX_STRING);
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return ydoc_error(
		    &cp->d, v, cp->err, cp->errlen, "out of memory");
	return 0;
}

/* A path value: ~/ is the home directory, a relative path is relative to
 * the configuration file's directory. */
static int
conf_path(struct conf_parse *cp, yaml_node_t *v, const char *key, char **out)
{
	const char *h = getenv("HOME");
	char *s = NULL, *p;
	int r;

	if (conf_string(cp, v, key, &s) != 0)
		return -1;
	if (strncmp(s, "~/", 2) == 0 && h != NULL && *h != '\0')
		r = asprintf(&p, "%s/%s", h, s + 2);
	else if (s[0] != '/' && cp->dir != NULL)
		r = asprintf(&p, "%s/%s", cp->dir, s);
	else {
		p = s;
		s = NULL;
		r = 0;
	}
	free(s);
	if (r < 0)
		return ydoc_error(
		    &cp->d, v, cp->err, cp->errlen, "out of memory");
	free(*out);
	*out = p;
	return 0;
}

/* A boolean: true/false, yes/no, on/off. */
static int
conf_bool(struct conf_parse *cp, yaml_node_t *v, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", NULL};
	static const char *const no[] = {"false", "no", "off", NULL};
	const char *s = ydoc_scalar(v);
	size_t i;

	for (i = 0; s != NULL && yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return ydoc_error(
	    &cp->d, v, cp->err, cp->errlen, "'%s' must be true or false", key);
}

/* A whole number in [min, max]; what names the unit for the message. */
static int
conf_number(struct conf_parse *cp, yaml_node_t *v, const char *key, long min,
    long max, const char *what, long *out)
{
	const char *s = ydoc_scalar(v);
	char *end;
	long n;

	errno = 0;
	if (s == NULL || !isdigit((unsigned char)*s) ||
	    (n = strtol(s, &end, 10), *end != '\0') || errno != 0 || n < min ||
	    n > max)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'%s' must be a number of %s (%ld-%ld)", key, what, min,
		    max);
	*out = n;
	return 0;
}

/* One of a fixed set of words (case-insensitive); its index in *out. */
static int
conf_word(struct conf_parse *cp, yaml_node_t *v, const char *key,
    const char *const *words, int *out)
{
	const char *s = ydoc_scalar(v), *near;
	char list[256] = "";
	int i;

	for (i = 0; s != NULL && words[i] != NULL; i++) {
		if (strcasecmp(s, words[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	for (i = 0; words[i] != NULL; i++) {
		strncat(list,
		    i == 0                 ? ""
		    : words[i + 1] == NULL ? " or "
		                           : ", ",
		    sizeof list - strlen(list) - 1);
		strncat(list, words[i], sizeof list - strlen(list) - 1);
	}
	near = s != NULL ? ydoc_suggest(s, words) : NULL;
	if (near != NULL)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'%s' must be %s; did you mean '%s'?", key, list, near);
	return ydoc_error(
	    &cp->d, v, cp->err, cp->errlen, "'%s' must be %s", key, list);
}

/* A source list: a sequence of strings (or one string). */
static int
conf_watch_list(struct conf_parse *cp, yaml_node_t *v, char ***out, size_t *n)
{
	yaml_node_item_t *it;
	char **w;
	size_t k = 0;

	if (v->type == YAML_SCALAR_NODE) {
		if ((w = calloc(1, sizeof *w)) == NULL)
			return ydoc_error(
			    &cp->d, v, cp->err, cp->errlen, "out of memory");
		conf_strv_free(*out, *n);
		*out = w;
		*n = 0;
		if (conf_string(cp, v, "watch", &w[0]) != 0)
			return -1;
		*n = 1;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'watch' must be a list of automation names or ids");
	it = v->data.sequence.items.start;
	if (v->data.sequence.items.top - it > CONF_MAX_WATCH)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'watch' names more than %d sources", CONF_MAX_WATCH);
	w = calloc((size_t)(v->data.sequence.items.top - it) + 1, sizeof *w);
	if (w == NULL)
		return ydoc_error(
		    &cp->d, v, cp->err, cp->errlen, "out of memory");
	conf_strv_free(*out, *n);
	*out = w;
	*n = 0;
	for (; it < v->data.sequence.items.top; it++) {
		if (conf_string(cp, ydoc_node(&cp->d, *it), "watch", &w[k]) !=
		    0)
			return -1;
		*n = ++k;
	}
	return 0;
}

/* Walk the pairs of a mapping node, calling fn for each key. */
typedef int (*conf_pair_fn)(
    struct conf_parse *, void *, const char *, yaml_node_t *, yaml_node_t *);

/* Check that node is a mapping and feed each pair to fn; fn returns 1 for
 * a key it does not know (then a warning names it with a suggestion). */
static int
conf_mapping(struct conf_parse *cp, yaml_node_t *n, const char *what,
    const char *const *known, conf_pair_fn fn, void *arg)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k, *v;
	const char *ks;
	int r;

	if (n->type != YAML_MAPPING_NODE)
		return ydoc_error(&cp->d, n, cp->err, cp->errlen,
		    "%s must be a mapping of keys to values", what);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		k = ydoc_node(&cp->d, pr->key);
		v = ydoc_node(&cp->d, pr->value);
		if ((ks = ydoc_scalar(k)) == NULL) {
			ydoc_unknown_key(&cp->d, k, what, known);
			continue;
		}
		if ((r = fn(cp, arg, ks, k, v)) < 0)
			return -1;
		if (r == 1)
			ydoc_unknown_key(&cp->d, k, what, known);
	}
	return 0;
}

/* One key of a profile. */
static int
conf_profile_pair(struct conf_parse *cp, void *arg, const char *k,
    yaml_node_t *kn, yaml_node_t *v)
{
	struct conf_profile *p = arg;
	bool b;

	if (strcmp(k, "server") == 0)
		return conf_string(cp, v, k, &p->server);
	if (strcmp(k, "token") == 0) {
		cp->c->has_secret = true;
		return conf_string(cp, v, k, &p->token);
	}
	if (strcmp(k, "token_command") == 0) {
		cp->has_command = true;
		return conf_string(cp, v, k, &p->token_command);
	}
	if (strcmp(k, "token_command_timeout") == 0)
		return conf_number(cp, v, k, 1, 3600, "seconds",
		    &p->token_command_timeout_s);
	if (strcmp(k, "token_file") == 0)
		return conf_path(cp, v, k, &p->token_file);
	if (strcmp(k, "token_env") == 0)
		return conf_string(cp, v, k, &p->token_env);
	if (strcmp(k, "cacert") == 0)
		return conf_path(cp, v, k, &p->cacert);
	if (strcmp(k, "insecure") == 0) {
		if (conf_bool(cp, v, k, &b) != 0)
			return -1;
		p->insecure = b;
		return 0;
	}
	if (strcmp(k, "heartbeat") == 0)
		return conf_number(
		    cp, v, k, 1, 86400, "seconds", &p->heartbeat_s);
	if (strcmp(k, "reconnect_cap") == 0)
		return conf_number(
		    cp, v, k, 1, 86400, "seconds", &p->reconnect_cap_s);
	if (strcmp(k, "max_event") == 0)
		return conf_number(
		    cp, v, k, 1024, 256L << 20, "bytes", &p->max_event);
	if (strcmp(k, "watch") == 0) {
		p->has_watch = true;
		return conf_watch_list(cp, v, &p->watch, &p->nwatch);
	}
	return 1;
}

/* A profile name is a word completion and --profile can carry. */
static bool
conf_profile_name_ok(const char *s)
{
	if (*s == '\0' || *s == '-')
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return false;
	}
	return true;
}

/* One profile under profiles:. */
static int
conf_profiles_pair(struct conf_parse *cp, void *arg, const char *k,
    yaml_node_t *kn, yaml_node_t *v)
{
	struct conf *c = cp->c;
	struct conf_profile *p;
	char where[96];
	size_t i;

	if (!conf_profile_name_ok(k) || strlen(k) > 64)
		return ydoc_error(&cp->d, kn, cp->err, cp->errlen,
		    "profile name '%.64s' must be letters, digits, '_', '.' "
		    "or '-' (at most 64)",
		    k);
	for (i = 0; i < c->nprofiles; i++) {
		if (strcmp(c->profiles[i].name, k) == 0)
			return ydoc_error(&cp->d, kn, cp->err, cp->errlen,
			    "profile '%s' is defined twice", k);
	}
	if (c->nprofiles == CONF_MAX_PROFILES)
		return ydoc_error(&cp->d, kn, cp->err, cp->errlen,
		    "more than %d profiles", CONF_MAX_PROFILES);
	p = &c->profiles[c->nprofiles++];
	memset(p, 0, sizeof *p);
	p->insecure = -1;
	p->name = strdup(k);
	snprintf(where, sizeof where, "profile '%s'", k);
	return conf_mapping(
	    cp, v, where, conf_profile_keys, conf_profile_pair, p);
}

/* One key of view:. */
static int
conf_view_pair(struct conf_parse *cp, void *arg, const char *k, yaml_node_t *kn,
    yaml_node_t *v)
{
	struct conf_view *cv = arg;
	long n;
	int w;

	if (strcmp(k, "level") == 0) {
		if (conf_word(cp, v, k, conf_levels, &w) != 0)
			return -1;
		cv->floor = (enum level)w;
		return 0;
	}
	if (strcmp(k, "timestamps") == 0) {
		if (conf_word(cp, v, k, conf_ts_names, &w) != 0)
			return -1;
		cv->timestamps = (enum conf_timestamps)w;
		return 0;
	}
	if (strcmp(k, "wrap") == 0)
		return conf_bool(cp, v, k, &cv->wrap);
	if (strcmp(k, "fold") == 0)
		return conf_bool(cp, v, k, &cv->fold);
	if (strcmp(k, "merged") == 0)
		return conf_bool(cp, v, k, &cv->merged);
	if (strcmp(k, "list_width") == 0) {
		if (conf_number(cp, v, k, 10, 200, "columns", &n) != 0)
			return -1;
		cv->list_width = (int)n;
		return 0;
	}
	if (strcmp(k, "scrollback") == 0)
		return conf_number(
		    cp, v, k, 1, 65536, "MiB", &cv->scrollback_mib);
	return 1;
}

/* Add one binding of action to the key named by node v. */
static int
conf_key_add(struct conf_parse *cp, const char *action, yaml_node_t *v)
{
	struct conf *c = cp->c;
	struct conf_key *ck;
	const char *s = ydoc_scalar(v);
	int code;

	if (s == NULL || (code = keys_parse_name(s)) < 0)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'%s' must be a key name such as q, C-x, F5, PgDn, Space "
		    "or Enter",
		    action);
	if (c->nkeys == CONF_MAX_KEYS)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "more than %d key bindings", CONF_MAX_KEYS);
	ck = &c->keys[c->nkeys++];
	ck->action = strdup(action);
	ck->key = strdup(s);
	ck->code = code;
	return 0;
}

/* One action under keys: (a key name or a list of them). */
static int
conf_keys_pair(struct conf_parse *cp, void *arg, const char *k, yaml_node_t *kn,
    yaml_node_t *v)
{
	yaml_node_item_t *it;

	if (keys_action_by_name(k) == ACT_NONE)
		return 1;
	if (v->type != YAML_SEQUENCE_NODE)
		return conf_key_add(cp, k, v);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		if (conf_key_add(cp, k, ydoc_node(&cp->d, *it)) != 0)
			return -1;
	}
	return 0;
}

/* One key of a rule: a scalar, or a list of scalars for `on`. */
static int
conf_rule_pair(struct conf_parse *cp, void *arg, const char *k,
    yaml_node_t *kn, yaml_node_t *v)
{
	int i = *(int *)arg, r;
	const char *s;
	yaml_node_item_t *it;
	yaml_node_t *item;
	char why[256];

	if (v->type == YAML_SEQUENCE_NODE && strcmp(k, "on") == 0) {
		for (it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			item = ydoc_node(&cp->d, *it);
			if (conf_rule_pair(cp, arg, k, kn, item) != 0)
				return -1;
		}
		return 0;
	}
	if ((s = ydoc_scalar(v)) == NULL)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'%s' must be a single value", k);
	if ((r = rule_set_key(&cp->c->rules, i, k, s, why, sizeof why)) < 0)
		return ydoc_error(
		    &cp->d, v, cp->err, cp->errlen, "rule: %s", why);
	/* A rule that runs a command makes the file as sensitive as one
	 * with a token_command. */
	if (strcmp(k, "command") == 0)
		cp->has_command = true;
	return r;
}

/* One rule: a mapping of rule keys (core/rule.h). */
static int
conf_rule(struct conf_parse *cp, yaml_node_t *n)
{
	char why[256];
	int i;

	if ((i = rule_add(&cp->c->rules, NULL, why, sizeof why)) < 0)
		return ydoc_error(&cp->d, n, cp->err, cp->errlen, "%s", why);
	if (conf_mapping(cp, n, "a rule", rule_keys(), conf_rule_pair, &i) !=
	    0)
		return -1;
	if (rule_check(&cp->c->rules, i, why, sizeof why) != 0)
		return ydoc_error(
		    &cp->d, n, cp->err, cp->errlen, "rule: %s", why);
	return 0;
}

/* `rules:`, a list of rules. */
static int
conf_rules(struct conf_parse *cp, yaml_node_t *v)
{
	yaml_node_item_t *it;

	if (v->type != YAML_SEQUENCE_NODE)
		return ydoc_error(&cp->d, v, cp->err, cp->errlen,
		    "'rules' must be a list of rules");
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		if (conf_rule(cp, ydoc_node(&cp->d, *it)) != 0)
			return -1;
	}
	return 0;
}

int
conf_alert(struct conf *c, const char *text, char *err, size_t errlen)
{
	struct conf_parse cp = {.c = c, .err = err, .errlen = errlen};
	yaml_node_t *root;
	char *wrapped = NULL;
	int r = -1;

	/* Braces optional: "match: x, bell: true" is the mapping. */
	while (isspace((unsigned char)*text))
		text++;
	if (*text != '{' && asprintf(&wrapped, "{%s}", text) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ydoc_load_text(&cp.d, "--alert", wrapped ? wrapped : text, err,
	        errlen) != 0)
		goto out;
	if ((root = ydoc_root(&cp.d)) == NULL ||
	    root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen,
		    "--alert: must be KEY: VALUE, ... (as in a rule of "
		    "logdeck.yaml(5))");
		goto out;
	}
	r = conf_rule(&cp, root);
	/* Unknown keys on the command line are mistakes, not warnings. */
	if (r == 0 && cp.d.warn.len > 0) {
		snprintf(err, errlen, "%.*s", (int)strcspn(cp.d.warn.p, "\n"),
		    cp.d.warn.p);
		r = -1;
	}
out:
	ydoc_free(&cp.d);
	free(wrapped);
	return r;
}

/* One key at the top level. */
static int
conf_top_pair(struct conf_parse *cp, void *arg, const char *k, yaml_node_t *kn,
    yaml_node_t *v)
{
	struct conf *c = cp->c;

	if (strcmp(k, "profile") == 0) {
		cp->profile_node = v;
		return conf_string(cp, v, k, &c->default_profile);
	}
	if (strcmp(k, "profiles") == 0)
		return conf_mapping(
		    cp, v, "'profiles'", NULL, conf_profiles_pair, NULL);
	if (strcmp(k, "view") == 0)
		return conf_mapping(
		    cp, v, "'view'", conf_view_keys, conf_view_pair, &c->view);
	if (strcmp(k, "watch") == 0)
		return conf_watch_list(cp, v, &c->watch, &c->nwatch);
	if (strcmp(k, "keys") == 0)
		return conf_mapping(cp, v, "'keys' (action names)",
		    keys_action_names(), conf_keys_pair, NULL);
	if (strcmp(k, "theme") == 0)
		return conf_string(cp, v, k, &c->theme);
	if (strcmp(k, "rules") == 0)
		return conf_rules(cp, v);
	if (strcmp(k, "stall_floor") == 0) {
		const char *t = ydoc_scalar(v);

		if ((c->stall_floor_s = format_parse_duration(t, CONF_MAX_STALL_FLOOR_S)) <
		        1)
			return ydoc_error(&cp->d, v, cp->err, cp->errlen,
			    "'stall_floor' must be a duration of 1 to %d "
			    "seconds (90, 90s, 10m, 2h)",
			    CONF_MAX_STALL_FLOOR_S);
		return 0;
	}
	return 1;
}

/* The directory part of path, or NULL for the current one. */
static char *
conf_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return NULL;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Check what only the whole file can tell. */
static int
conf_check(struct conf_parse *cp)
{
	struct conf *c = cp->c;
	bool found;
	int fd, r;

	if (c->default_profile != NULL &&
	    conf_profile(c, c->default_profile, &found, NULL, 0) == NULL) {
		char e[256];

		conf_profile(c, c->default_profile, &found, e, sizeof e);
		return ydoc_error(&cp->d, cp->profile_node, cp->err, cp->errlen,
		    "'profile': %s", e);
	}
	if (!c->has_secret && !cp->has_command)
		return 0;
	if ((fd = open(c->path, O_RDONLY)) < 0) {
		snprintf(
		    cp->err, cp->errlen, "%s: %s", c->path, strerror(errno));
		return -1;
	}
	r = auth_file_private(fd, c->path, "the configuration file",
	    c->has_secret, cp->err, cp->errlen);
	close(fd);
	return r;
}

/* Load and check a configuration file. */
int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf_parse cp = {.err = err, .errlen = errlen};
	char *def = NULL;
	yaml_node_t *root;
	int r = -1;

	if ((cp.c = conf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (path == NULL) {
		def = conf_default_path();
		if (def == NULL || access(def, F_OK) != 0) {
			/* No file: built-in defaults. */
			free(def);
			*out = cp.c;
			return 0;
		}
		path = def;
	}
	cp.c->path = strdup(path);
	cp.dir = conf_dirname(path);
	cp.c->profiles = calloc(CONF_MAX_PROFILES, sizeof *cp.c->profiles);
	cp.c->keys = calloc(CONF_MAX_KEYS, sizeof *cp.c->keys);
	if (cp.c->path == NULL || cp.c->profiles == NULL ||
	    cp.c->keys == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (ydoc_load(&cp.d, path, CONF_MAX_FILE, err, errlen) != 0)
		goto out;
	if ((root = ydoc_root(&cp.d)) != NULL &&
	    !(root->type == YAML_SCALAR_NODE && *ydoc_scalar(root) == '\0')) {
		if (conf_mapping(&cp, root, "the configuration", conf_top_keys,
		        conf_top_pair, NULL) != 0 ||
		    conf_check(&cp) != 0)
			goto out;
	}
	free(cp.c->warnings);
	cp.c->warnings = strdup(cp.d.warn.p != NULL ? cp.d.warn.p : "");
	r = 0;
out:
	ydoc_free(&cp.d);
	free(cp.dir);
	free(def);
	if (r == 0)
		*out = cp.c;
	else
		conf_free(cp.c);
	return r;
}

/* Pick the profile to use. */
const struct conf_profile *
conf_profile(const struct conf *c, const char *name, bool *found, char *err,
    size_t errlen)
{
	const char *names[CONF_MAX_PROFILES + 1], *near;
	size_t i;

	*found = true;
	if (name == NULL)
		name = c->default_profile;
	for (i = 0; i < c->nprofiles; i++) {
		if (strcmp(c->profiles[i].name,
		        name != NULL ? name : "default") == 0)
			return &c->profiles[i];
		names[i] = c->profiles[i].name;
	}
	names[c->nprofiles] = NULL;
	if (name == NULL)
		return NULL;
	*found = false;
	if (err == NULL)
		return NULL;
	near = ydoc_suggest(name, names);
	if (near != NULL)
		snprintf(err, errlen,
		    "no profile '%s' in %s; did you mean "
		    "'%s'?",
		    name, c->path != NULL ? c->path : "the configuration",
		    near);
	else
		snprintf(err, errlen, "no profile '%s' in %s", name,
		    c->path != NULL ? c->path
		                    : "the configuration (there is "
		                      "no file)");
	return NULL;
}

/* Let the profile's settings override the built-in client defaults. */
void
conf_apply_client(const struct conf_profile *p, struct client_cfg *cl)
{
	if (p == NULL)
		return;
	if (p->server != NULL)
		cl->server = p->server;
	if (p->cacert != NULL)
		cl->ca_file = p->cacert;
	if (p->insecure >= 0)
		cl->insecure = p->insecure;
	if (p->heartbeat_s > 0)
		cl->heartbeat_ms = p->heartbeat_s * 1000;
	if (p->reconnect_cap_s > 0)
		cl->backoff_cap_ms = p->reconnect_cap_s * 1000;
	if (p->max_event > 0)
		cl->max_event = (size_t)p->max_event;
}

/* The watch list in force. */
const char *const *
conf_watch(const struct conf *c, const struct conf_profile *p, size_t *n)
{
	if (p != NULL && p->has_watch) {
		*n = p->nwatch;
		return (const char *const *)p->watch;
	}
	*n = c->nwatch;
	return (const char *const *)c->watch;
}

/* Print s as a YAML double-quoted string. */
static void
conf_print_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

/* Print "INDENTkey: "value"" when value is set. */
static void
conf_print_kv(FILE *out, const char *indent, const char *key, const char *value)
{
	if (value == NULL)
		return;
	fprintf(out, "%s%s: ", indent, key);
	conf_print_str(out, value);
	fputc('\n', out);
}

/* Print the effective configuration; tokens appear only as ********. */
void
conf_print(FILE *out, const struct conf_effective *e)
{
	const struct conf *c = e->conf;
	const struct client_cfg *cl = e->client;
	const struct conf_view *v = e->view;
	const struct conf_profile *p = NULL;
	const char *in = e->profile != NULL ? "    " : "";
	bool found;
	size_t i;

	fprintf(out,
	    "# logdeck: the effective configuration (command line, "
	    "environment,\n# %s, built-in defaults)\n",
	    c->path != NULL ? c->path : "no configuration file");
	if (e->profile != NULL) {
		p = conf_profile(c, e->profile, &found, NULL, 0);
		conf_print_kv(out, "", "profile", e->profile);
		fprintf(out, "profiles:\n  ");
		conf_print_str(out, e->profile);
		fprintf(out, ":\n");
	}
	conf_print_kv(out, in, "server", cl->server);
	if (e->token_origin == AUTH_FROM_NONE)
		fprintf(out, "%s# token: none\n", in);
	else if (e->token_origin >= AUTH_FROM_COMMAND)
		fprintf(out,
		    "%s# token: from %s (not read by "
		    "--print-config)\n",
		    in, auth_origin_name(e->token_origin));
	else
		fprintf(out, "%s# token: ******** (from %s)\n", in,
		    auth_origin_name(e->token_origin));
	if (p != NULL) {
		conf_print_kv(out, in, "token_command", p->token_command);
		if (p->token_command_timeout_s > 0)
			fprintf(out, "%stoken_command_timeout: %ld\n", in,
			    p->token_command_timeout_s);
		conf_print_kv(out, in, "token_file", p->token_file);
		conf_print_kv(out, in, "token_env", p->token_env);
	}
	conf_print_kv(out, in, "cacert", cl->ca_file);
	fprintf(out, "%sinsecure: %s\n", in, cl->insecure ? "true" : "false");
	fprintf(out, "%sheartbeat: %ld\n", in, cl->heartbeat_ms / 1000);
	fprintf(out, "%sreconnect_cap: %ld\n", in, cl->backoff_cap_ms / 1000);
	fprintf(out, "%smax_event: %zu\n", in, cl->max_event);
	if (e->nwatch > 0) {
		fprintf(out, "%swatch:\n", in);
		for (i = 0; i < e->nwatch; i++) {
			fprintf(out, "%s  - ", in);
			conf_print_str(out, e->watch[i]);
			fputc('\n', out);
		}
	}
	fprintf(out,
	    "view:\n  level: %s\n  timestamps: %s\n  wrap: %s\n  fold: %s\n"
	    "  merged: %s\n  list_width: %d\n  scrollback: %ld\n",
	    conf_level_name(v->floor), conf_ts_names[v->timestamps],
	    v->wrap ? "true" : "false", v->fold ? "true" : "false",
	    v->merged ? "true" : "false",
	    v->list_width, v->scrollback_mib);
	if (c->nkeys > 0) {
		fprintf(out, "keys:\n");
		for (i = 0; i < c->nkeys; i++) {
			fprintf(out, "  %s: ", c->keys[i].action);
			conf_print_str(out, c->keys[i].key);
			fputc('\n', out);
		}
	}
	conf_print_kv(
	    out, "", "theme", e->theme != NULL ? e->theme : "default");
}

/* The name of a level floor. */
const char *
conf_level_name(enum level l)
{
	if ((int)l >= 0 && l <= LEVEL_FATAL)
		return conf_levels[l];
	return "info";
}
