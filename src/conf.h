/* conf.h - the configuration file: profiles, view defaults, watch list,
 * key bindings and theme (configuration layer, no curses, no network).
 *
 * The file is read before curses starts. Precedence, highest first: the
 * command line, the environment (LOGDECK_URL, LOGDECK_TOKEN), the chosen
 * profile, built-in defaults. (Named conf, not config: src/config.h would
 * shadow autoconf's config.h for every file in src/.) */
#ifndef LOGDECK_CONF_H
#define LOGDECK_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/event.h"
#include "core/rule.h"
#include "net/auth.h"

struct client_cfg;

enum conf_timestamps {
	CONF_TS_ABSOLUTE,
	CONF_TS_RELATIVE,
	CONF_TS_OFF,
};

/* One named profile: how to reach one server. Strings are owned by the
 * conf and NULL when the file does not set them; numbers are 0 and
 * insecure is -1 when unset. */
struct conf_profile {
	char *name;
	char *server;
	char *token;         /* inline token (the file must be private) */
	char *token_command; /* run with /bin/sh -c; first stdout line */
	long token_command_timeout_s; /* its deadline; 0: the default */
	char *token_file;    /* first line; refused unless private */
	char *token_env;     /* name of an environment variable */
	char *cacert;
	int insecure;
	long heartbeat_s;
	long reconnect_cap_s;
	long max_event;
	char **watch; /* sources to open at start (replaces the top level's) */
	size_t nwatch;
	bool has_watch;
};

/* Defaults for the full-screen view, built-in values overridden by the
 * file's `view:` mapping. */
struct conf_view {
	enum level floor;
	enum conf_timestamps timestamps;
	bool wrap;
	bool fold; /* log panes start with repeats folded */
	bool merged;
	int list_width;      /* columns of the automation list pane */
	long scrollback_mib; /* memory for the lines of all streams */
};

/* One rebinding: the action's name gets this key. The keys bound to an
 * action replace its default keys and win over another action's default
 * binding of the same key (logdeck.yaml(5)). */
struct conf_key {
	char *action; /* one of keys_action_names() (tui/keys.h) */
	char *key;    /* as written, e.g. "C-x", "F5", "q" */
	int code;     /* keys_parse_name(key) */
};

struct conf {
	char *path;      /* the file read, or NULL when there was none */
	bool has_secret; /* some profile holds an inline token */
	struct conf_profile *profiles;
	size_t nprofiles;
	char *default_profile; /* `profile:` at the top level */
	struct conf_view view;
	struct conf_key *keys;
	size_t nkeys;
	char *theme; /* name or path, NULL: default */
	char **watch;
	size_t nwatch;
	char *warnings; /* "file:line:col: warning: ..." lines, or "" */
	struct rule_set rules; /* `rules:`; --alert adds to them */
	long stall_floor_s;    /* `stall_floor:`, 0 when unset */
};

/* The default path: $XDG_CONFIG_HOME/logdeck/config.yaml, else
 * ~/.config/logdeck/config.yaml. Caller frees; NULL without a home. */
char *conf_default_path(void);
/* Load the configuration. path NULL means the default path, which may be
 * missing (then *out holds the built-in defaults); a named file must
 * exist. Returns 0, or -1 with "file:line:col: what was expected" in err.
 * *out is the caller's to conf_free (set only on success). */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);
/* Built-in defaults only (no file). */
struct conf *conf_new(void);
/* Free a configuration; NULL is fine. */
void conf_free(struct conf *c);
/* The profile to use: name (from --profile) if given, else the file's
 * `profile:`, else one named "default", else NULL (none: built-in
 * defaults). An unknown name returns NULL with a did-you-mean in err;
 * *found tells the two NULLs apart. */
const struct conf_profile *conf_profile(const struct conf *c, const char *name,
    bool *found, char *err, size_t errlen);
/* Apply a profile (may be NULL) to the client settings: the file
 * overrides what *cl holds (built-in defaults); call before the
 * environment and the command line are applied. */
void conf_apply_client(const struct conf_profile *p, struct client_cfg *cl);
/* The watch list: the profile's if it has one, else the top level's. */
const char *const *conf_watch(
    const struct conf *c, const struct conf_profile *p, size_t *n);

/* What --print-config shows besides the file's own content. */
struct conf_effective {
	const struct conf *conf;
	const char *profile; /* NULL: none */
	const struct client_cfg *client;
	enum auth_origin token_origin; /* see auth_origin() */
	const struct conf_view *view;
	const char *theme; /* name or path */
	const char *const *watch;
	size_t nwatch;
};

/* Print the effective configuration as YAML a config file could hold,
 * with every secret masked. */
void conf_print(FILE *out, const struct conf_effective *e);

/* Add the rule of an --alert value to c->rules: a YAML flow mapping with
 * the keys of a `rules:` entry, braces optional ("match: timeout, bell:
 * true"). 0, or -1 with "--alert:line:col: reason" in err. */
int conf_alert(struct conf *c, const char *text, char *err, size_t errlen);

/* The level name for a floor ("info"). */
const char *conf_level_name(enum level l);

#endif
