/* theme.c - colour themes from YAML files, with inheritance and a
 * compiled-in default to fall back on. */
/* asprintf */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "theme.h"
#include "core/ydoc.h"

/* Largest theme file read. */
#define THEME_MAX_FILE (256 * 1024)
/* Longest inheritance chain (a longer one is taken for a loop). */
#define THEME_MAX_DEPTH 8
/* Most themes --list-themes shows. */
#define THEME_MAX_LIST 256
/* Longest theme name. */
#define THEME_MAX_NAME 64

/* One element's look. Colours are 0-255, or -1 for the terminal's own. */
struct theme_style {
	short fg, bg;   /* with 256 colours */
	short fg8, bg8; /* with 8 colours */
	attr_t attr;    /* with colours */
	attr_t mono;    /* without colours */
	bool set;
};

struct theme {
	char *name;
	char *path;
	struct theme_style s[THEME_ELEM_COUNT];
};

static const char *const theme_elems[THEME_ELEM_COUNT + 1] = {"normal",
    "level.trace", "level.debug", "level.info", "level.warn", "level.error",
    "level.fatal", "tag.0", "tag.1", "tag.2", "tag.3", "tag.4", "tag.5",
    "list.queued", "list.running", "list.completed", "list.failed",
    "list.cancelled", "selection", "match", "status", "status.mode",
    "status.key", "status.alert", "border", "border.focus", "title", "detail",
    "detail.key", "help", "help.key", NULL};

static const char *const theme_style_keys[] = {
    "fg", "bg", "fg8", "bg8", "attr", "mono", NULL};
static const char *const theme_top_keys[] = {
    "description", "inherits", "elements", NULL};

static const char *const theme_colour_names[] = {"black", "red", "green",
    "yellow", "blue", "magenta", "cyan", "white", NULL};

static const struct {
	const char *name;
	attr_t attr;
} theme_attrs[] = {
    {"normal", A_NORMAL},
    {"bold", A_BOLD},
    {"dim", A_DIM},
    {"underline", A_UNDERLINE},
    {"reverse", A_REVERSE},
    {"standout", A_STANDOUT},
    {"blink", A_BLINK},
    {"italic", A_ITALIC},
};

/* The compiled-in default, the same as themes/default.yaml (a unit test
 * holds them together): {fg, bg, fg8, bg8, attr, mono}. */
#define D (-1)
static const struct theme_style theme_default[THEME_ELEM_COUNT] = {
    [THEME_NORMAL] = {D, D, D, D, A_NORMAL, A_NORMAL, true},
    [THEME_LEVEL_TRACE] = {244, D, COLOR_BLUE, D, A_NORMAL, A_DIM, true},
    [THEME_LEVEL_DEBUG] = {37, D, COLOR_CYAN, D, A_NORMAL, A_DIM, true},
    [THEME_LEVEL_INFO] = {D, D, D, D, A_NORMAL, A_NORMAL, true},
    [THEME_LEVEL_WARN] = {214, D, COLOR_YELLOW, D, A_NORMAL, A_BOLD, true},
    [THEME_LEVEL_ERROR] = {196, D, COLOR_RED, D, A_BOLD, A_BOLD | A_UNDERLINE,
        true},
    [THEME_LEVEL_FATAL] = {231, 160, COLOR_WHITE, COLOR_RED, A_BOLD,
        A_BOLD | A_REVERSE, true},
    [THEME_TAG0] = {39, D, COLOR_CYAN, D, A_NORMAL, A_BOLD, true},
    [THEME_TAG1] = {171, D, COLOR_MAGENTA, D, A_NORMAL, A_BOLD, true},
    [THEME_TAG2] = {214, D, COLOR_YELLOW, D, A_NORMAL, A_BOLD, true},
    [THEME_TAG3] = {77, D, COLOR_GREEN, D, A_NORMAL, A_BOLD, true},
    [THEME_TAG4] = {204, D, COLOR_BLUE, D, A_NORMAL, A_BOLD, true},
    [THEME_TAG5] = {123, D, COLOR_RED, D, A_NORMAL, A_BOLD, true},
    [THEME_LIST_QUEUED] = {245, D, D, D, A_NORMAL, A_DIM, true},
    [THEME_LIST_RUNNING] = {77, D, COLOR_GREEN, D, A_BOLD, A_BOLD, true},
    [THEME_LIST_COMPLETED] = {D, D, D, D, A_NORMAL, A_NORMAL, true},
    [THEME_LIST_FAILED] = {196, D, COLOR_RED, D, A_BOLD, A_BOLD | A_UNDERLINE,
        true},
    [THEME_LIST_CANCELLED] = {245, D, COLOR_YELLOW, D, A_NORMAL, A_DIM, true},
    [THEME_SELECTION] = {255, 24, COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE,
        true},
    [THEME_MATCH] = {16, 220, COLOR_BLACK, COLOR_YELLOW, A_NORMAL,
        A_BOLD | A_UNDERLINE, true},
    [THEME_STATUS] = {252, 236, COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE,
        true},
    [THEME_STATUS_MODE] = {16, 75, COLOR_BLACK, COLOR_CYAN, A_BOLD,
        A_BOLD | A_REVERSE, true},
    [THEME_STATUS_KEY] = {221, 236, COLOR_YELLOW, COLOR_BLACK, A_BOLD,
        A_BOLD | A_REVERSE, true},
    [THEME_STATUS_ALERT] = {231, 160, COLOR_WHITE, COLOR_RED, A_BOLD,
        A_BOLD | A_REVERSE | A_BLINK, true},
    [THEME_BORDER] = {240, D, D, D, A_NORMAL, A_NORMAL, true},
    [THEME_BORDER_FOCUS] = {75, D, COLOR_CYAN, D, A_BOLD, A_BOLD, true},
    [THEME_TITLE] = {252, D, COLOR_WHITE, D, A_BOLD, A_BOLD, true},
    [THEME_DETAIL] = {D, 235, D, D, A_NORMAL, A_NORMAL, true},
    [THEME_DETAIL_KEY] = {75, 235, COLOR_CYAN, D, A_BOLD, A_BOLD, true},
    [THEME_HELP] = {252, 237, COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL,
        true},
    [THEME_HELP_KEY] = {221, 237, COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_BOLD,
        true},
};
#undef D

/* The mode of the last theme_apply: 256, 8 or 0 (attributes only).
 * It mirrors curses' global colour-pair table. */
static int theme_colors;

/* A new theme named name (copied) from path (copied). */
static struct theme *
theme_new(const char *name, const char *path)
{
	struct theme *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->name = strdup(name);
	t->path = strdup(path);
	if (t->name == NULL || t->path == NULL) {
		theme_free(t);
		return NULL;
	}
	return t;
}

/* The compiled-in default theme. */
struct theme *
theme_builtin(void)
{
	struct theme *t = theme_new("default", "built-in");

	if (t != NULL)
		memcpy(t->s, theme_default, sizeof t->s);
	return t;
}

/* Free a theme. */
void
theme_free(struct theme *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->path);
	free(t);
}

/* The theme's name. */
const char *
theme_name(const struct theme *t)
{
	return t->name;
}

/* The file the theme came from. */
const char *
theme_path(const struct theme *t)
{
	return t->path;
}

/* The YAML name of an element. */
const char *
theme_elem_name(enum theme_elem e)
{
	return (unsigned)e < THEME_ELEM_COUNT ? theme_elems[e] : "?";
}

/* The directory of the user's themes (caller frees), or NULL. */
static char *
theme_user_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	char *p = NULL;

	if (x != NULL && x[0] == '/') {
		if (asprintf(&p, "%s/logdeck/themes", x) < 0)
			return NULL;
	} else if (h != NULL && *h != '\0') {
		if (asprintf(&p, "%s/.config/logdeck/themes", h) < 0)
			return NULL;
	}
	return p;
}

/* The directory of the installed themes (caller frees). */
static char *
theme_data_dir(void)
{
	const char *d = getenv("LOGDECK_DATADIR");
	char *p;

	if (asprintf(&p, "%s/themes",
	        d != NULL && *d != '\0' ? d : LOGDECK_DATADIR) < 0)
		return NULL;
	return p;
}

/* A name a theme file may have: letters, digits, '_', '.', '-'. */
static bool
theme_name_ok(const char *s)
{
	if (*s == '\0' || *s == '.' || *s == '-' || strlen(s) > THEME_MAX_NAME)
		return false;
	for (; *s != '\0'; s++) {
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && strchr("_.-", *s) == NULL)
			return false;
	}
	return true;
}

/* True when s names a file rather than a theme. */
static bool
theme_is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') != NULL ||
	       (n > 5 && strcmp(s + n - 5, ".yaml") == 0);
}

/* Find the file of a theme name, skipping the files in skip (the chain
 * being loaded, so a user theme may inherit the installed one of the same
 * name). *path is set (caller frees), or NULL for the built-in default.
 * Returns 0, or -1 when nothing has that name. */
static int
theme_find(const char *name, char *const *skip, size_t nskip, char **path)
{
	char *dirs[2] = {theme_user_dir(), theme_data_dir()}, *p;
	size_t i, k;
	int found = -1;

	*path = NULL;
	for (i = 0; i < 2 && found != 0; i++) {
		if (dirs[i] == NULL ||
		    asprintf(&p, "%s/%s.yaml", dirs[i], name) < 0)
			continue;
		for (k = 0; k < nskip && strcmp(skip[k], p) != 0; k++)
			;
		if (k == nskip && access(p, F_OK) == 0) {
			*path = p;
			found = 0;
		} else
			free(p);
	}
	free(dirs[0]);
	free(dirs[1]);
	if (found != 0 && strcmp(name, "default") == 0)
		found = 0;
	return found;
}

/* A colour value: default, a name of the 8, or 0..max. */
static int
theme_colour(struct ydoc *d, yaml_node_t *v, const char *elem, const char *key,
    int max, short *out, char *err, size_t errlen)
{
	const char *s = ydoc_scalar(v);
	char *end;
	long n;
	int i;

	if (s != NULL && strcasecmp(s, "default") == 0) {
		*out = -1;
		return 0;
	}
	for (i = 0; s != NULL && theme_colour_names[i] != NULL; i++) {
		if (strcasecmp(s, theme_colour_names[i]) == 0) {
			*out = (short)i;
			return 0;
		}
	}
	if (s != NULL && *s >= '0' && *s <= '9') {
		n = strtol(s, &end, 10);
		if (*end == '\0' && n <= max) {
			*out = (short)n;
			return 0;
		}
	}
	return ydoc_error(d, v, err, errlen,
	    "%s: '%s' must be a colour: "
	    "default, black, red, green, yellow, blue, magenta, cyan, white "
	    "or 0-%d",
	    elem, key, max);
}

/* Add the attribute named by word (n bytes) to *a. */
static int
theme_attr_word(const char *word, size_t n, attr_t *a)
{
	size_t i;

	for (i = 0; i < sizeof theme_attrs / sizeof theme_attrs[0]; i++) {
		if (strlen(theme_attrs[i].name) == n &&
		    strncasecmp(word, theme_attrs[i].name, n) == 0) {
			*a |= theme_attrs[i].attr;
			return 0;
		}
	}
	return -1;
}

/* Attributes: a list, or words separated by spaces or commas. */
static int
theme_attr_list(struct ydoc *d, yaml_node_t *v, const char *elem,
    const char *key, attr_t *out, char *err, size_t errlen)
{
	yaml_node_item_t *it;
	const char *s;
	size_t n;
	attr_t a = A_NORMAL;

	if (v->type == YAML_SEQUENCE_NODE) {
		for (it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			yaml_node_t *w = ydoc_node(d, *it);

			s = ydoc_scalar(w);
			if (s == NULL || theme_attr_word(s, strlen(s), &a) != 0)
				goto bad;
		}
		*out = a;
		return 0;
	}
	if ((s = ydoc_scalar(v)) == NULL)
		goto bad;
	while (*s != '\0') {
		n = strcspn(s, " ,");
		if (n > 0 && theme_attr_word(s, n, &a) != 0)
			goto bad;
		s += n;
		s += strspn(s, " ,");
	}
	*out = a;
	return 0;
bad:
	return ydoc_error(d, v, err, errlen,
	    "%s: '%s' must be attributes "
	    "from normal, bold, dim, underline, reverse, standout, blink, "
	    "italic",
	    elem, key);
}

/* One element's mapping into *st (replacing what a parent gave). */
static int
theme_style(struct ydoc *d, yaml_node_t *n, const char *elem,
    struct theme_style *st, char *err, size_t errlen)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k, *v, *fg8 = NULL, *bg8 = NULL, *mono = NULL;
	struct theme_style s = {-1, -1, -1, -1, A_NORMAL, A_NORMAL, true};
	const char *ks, *near;
	int r = 0;

	if (n->type != YAML_MAPPING_NODE)
		return ydoc_error(d, n, err, errlen,
		    "%s: must be a mapping "
		    "such as {fg: 214, fg8: yellow, attr: bold}",
		    elem);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		k = ydoc_node(d, pr->key);
		v = ydoc_node(d, pr->value);
		ks = ydoc_scalar(k);
		if (ks != NULL && strcmp(ks, "fg") == 0)
			r = theme_colour(
			    d, v, elem, ks, 255, &s.fg, err, errlen);
		else if (ks != NULL && strcmp(ks, "bg") == 0)
			r = theme_colour(
			    d, v, elem, ks, 255, &s.bg, err, errlen);
		else if (ks != NULL && strcmp(ks, "fg8") == 0)
			fg8 = v;
		else if (ks != NULL && strcmp(ks, "bg8") == 0)
			bg8 = v;
		else if (ks != NULL && strcmp(ks, "attr") == 0)
			r = theme_attr_list(
			    d, v, elem, ks, &s.attr, err, errlen);
		else if (ks != NULL && strcmp(ks, "mono") == 0)
			mono = v;
		else {
			near = ks != NULL ? ydoc_suggest(ks, theme_style_keys)
			                  : NULL;
			return ydoc_error(d, k, err, errlen,
			    "%s: unknown key "
			    "'%s'%s%s%s (expected fg, bg, fg8, bg8, attr, "
			    "mono)",
			    elem, ks != NULL ? ks : "?",
			    near != NULL ? "; did you mean '" : "",
			    near != NULL ? near : "", near != NULL ? "'" : "");
		}
		if (r != 0)
			return -1;
	}
	/* The 8-colour fallbacks default to the 256-colour values when those
	 * are among the 8; otherwise they must be given. */
	s.fg8 = s.fg;
	s.bg8 = s.bg;
	if (fg8 != NULL &&
	    theme_colour(d, fg8, elem, "fg8", 7, &s.fg8, err, errlen) != 0)
		return -1;
	if (bg8 != NULL &&
	    theme_colour(d, bg8, elem, "bg8", 7, &s.bg8, err, errlen) != 0)
		return -1;
	if (s.fg8 > 7)
		return ydoc_error(d, n, err, errlen,
		    "%s: 'fg8' is needed: fg "
		    "%d has no 8-colour equivalent",
		    elem, s.fg);
	if (s.bg8 > 7)
		return ydoc_error(d, n, err, errlen,
		    "%s: 'bg8' is needed: bg "
		    "%d has no 8-colour equivalent",
		    elem, s.bg);
	s.mono = s.attr;
	if (mono != NULL &&
	    theme_attr_list(d, mono, elem, "mono", &s.mono, err, errlen) != 0)
		return -1;
	*st = s;
	return 0;
}

/* The elements: mapping of the file into t. */
static int
theme_elements(
    struct ydoc *d, yaml_node_t *n, struct theme *t, char *err, size_t errlen)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	const char *ks, *near;
	int e;

	if (n->type != YAML_MAPPING_NODE)
		return ydoc_error(d, n, err, errlen,
		    "'elements' must be a "
		    "mapping of element names to styles");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		k = ydoc_node(d, pr->key);
		ks = ydoc_scalar(k);
		for (e = 0; ks != NULL && e < THEME_ELEM_COUNT; e++) {
			if (strcmp(ks, theme_elems[e]) == 0)
				break;
		}
		if (ks == NULL || e == THEME_ELEM_COUNT) {
			near =
			    ks != NULL ? ydoc_suggest(ks, theme_elems) : NULL;
			if (near != NULL)
				return ydoc_error(d, k, err, errlen,
				    "unknown "
				    "element '%s'; did you mean '%s'?",
				    ks, near);
			return ydoc_error(d, k, err, errlen,
			    "unknown element "
			    "'%s' (see logdeck-theme(5))",
			    ks != NULL ? ks : "?");
		}
		if (theme_style(d, ydoc_node(d, pr->value), ks, &t->s[e], err,
		        errlen) != 0)
			return -1;
	}
	return 0;
}

static int theme_load_file(const char *path, char **chain, size_t depth,
    struct theme *t, char *err, size_t errlen);

/* Fill t from the theme called name (inherits:), skipping the chain. */
static int
theme_inherit(struct ydoc *d, yaml_node_t *v, char **chain, size_t depth,
    struct theme *t, char *err, size_t errlen)
{
	const char *name = ydoc_scalar(v);
	char *path;
	int r;

	if (name == NULL || !theme_name_ok(name))
		return ydoc_error(d, v, err, errlen,
		    "'inherits' must be a "
		    "theme name");
	if (depth + 1 >= THEME_MAX_DEPTH)
		return ydoc_error(d, v, err, errlen,
		    "themes inherit more "
		    "than %d deep (a loop?)",
		    THEME_MAX_DEPTH);
	if (theme_find(name, chain, depth + 1, &path) != 0)
		return ydoc_error(d, v, err, errlen,
		    "no theme '%s' to "
		    "inherit from",
		    name);
	if (path == NULL) {
		memcpy(t->s, theme_default, sizeof t->s);
		return 0;
	}
	r = theme_load_file(path, chain, depth + 1, t, err, errlen);
	free(path);
	return r;
}

/* Load the file at path (chain[depth] while it loads) into t. */
static int
theme_load_file(const char *path, char **chain, size_t depth, struct theme *t,
    char *err, size_t errlen)
{
	struct ydoc d;
	yaml_node_t *root, *k, *v, *elems = NULL, *inh = NULL;
	yaml_node_pair_t *pr;
	const char *ks, *near;
	int r = -1, e;

	chain[depth] = (char *)path;
	if (ydoc_load(&d, path, THEME_MAX_FILE, err, errlen) != 0)
		goto out;
	if ((root = ydoc_root(&d)) == NULL || root->type != YAML_MAPPING_NODE) {
		ydoc_error(&d, root, err, errlen,
		    "a theme must be a mapping "
		    "with 'elements' (and optionally 'inherits')");
		goto out;
	}
	for (pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		k = ydoc_node(&d, pr->key);
		v = ydoc_node(&d, pr->value);
		ks = ydoc_scalar(k);
		if (ks != NULL && strcmp(ks, "elements") == 0)
			elems = v;
		else if (ks != NULL && strcmp(ks, "inherits") == 0)
			inh = v;
		else if (ks == NULL || strcmp(ks, "description") != 0) {
			near = ks != NULL ? ydoc_suggest(ks, theme_top_keys)
			                  : NULL;
			ydoc_error(&d, k, err, errlen, "unknown key '%s'%s%s%s",
			    ks != NULL ? ks : "?",
			    near != NULL ? "; did you mean '" : "",
			    near != NULL ? near : "", near != NULL ? "'" : "");
			goto out;
		}
	}
	for (e = 0; e < THEME_ELEM_COUNT; e++)
		t->s[e].set = false;
	if (inh != NULL &&
	    theme_inherit(&d, inh, chain, depth, t, err, errlen) != 0)
		goto out;
	if (elems != NULL && theme_elements(&d, elems, t, err, errlen) != 0)
		goto out;
	for (e = 0; e < THEME_ELEM_COUNT; e++) {
		if (!t->s[e].set) {
			ydoc_error(&d, elems != NULL ? elems : root, err,
			    errlen,
			    "element '%s' is not defined (a theme "
			    "without 'inherits' must define every element)",
			    theme_elems[e]);
			goto out;
		}
	}
	r = 0;
out:
	ydoc_free(&d);
	return r;
}

/* The base name of path without .yaml (caller frees). */
static char *
theme_base(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
		n -= 5;
	return strndup(b, n);
}

/* Load a theme by name or path; the built-in default on failure. */
int
theme_load(
    const char *name_or_path, struct theme **out, char *err, size_t errlen)
{
	char *chain[THEME_MAX_DEPTH], *path = NULL, *name = NULL;
	struct theme *t = NULL;
	int r = -1;

	if (name_or_path == NULL)
		name_or_path = "default";
	if (theme_is_path(name_or_path)) {
		path = strdup(name_or_path);
	} else if (!theme_name_ok(name_or_path)) {
		snprintf(err, errlen,
		    "theme '%.64s': a theme name is letters, "
		    "digits, '_', '.' and '-' (or give a path)",
		    name_or_path);
		goto out;
	} else if (theme_find(name_or_path, NULL, 0, &path) != 0) {
		snprintf(err, errlen,
		    "no theme '%s' (logdeck --list-themes "
		    "shows the installed ones)",
		    name_or_path);
		goto out;
	}
	if (path == NULL) {
		/* The built-in default: nothing else is called that. */
		*out = theme_builtin();
		return 0;
	}
	name = theme_base(path);
	if (name == NULL || (t = theme_new(name, path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	r = theme_load_file(path, chain, 0, t, err, errlen);
out:
	free(path);
	free(name);
	if (r != 0) {
		theme_free(t);
		t = theme_builtin();
	}
	*out = t;
	return r;
}

/* Set up the colour pairs for a mode. */
void
theme_apply(const struct theme *t, int colors)
{
	const struct theme_style *s;
	int e;

	theme_colors = colors >= 256 ? 256 : colors >= 8 ? 8 : 0;
	if (theme_colors == 0)
		return;
	if (COLOR_PAIRS <= THEME_ELEM_COUNT) {
		/* Too few pairs for every element: attributes only. */
		theme_colors = 0;
		return;
	}
	use_default_colors();
	for (e = 0; e < THEME_ELEM_COUNT; e++) {
		s = &t->s[e];
		if (theme_colors == 256)
			init_pair((short)(e + 1), s->fg, s->bg);
		else
			init_pair((short)(e + 1), s->fg8, s->bg8);
	}
}

/* The attributes to draw an element with. */
attr_t
theme_attr(const struct theme *t, enum theme_elem e)
{
	if ((unsigned)e >= THEME_ELEM_COUNT)
		return A_NORMAL;
	if (theme_colors == 0)
		return t->s[e].mono;
	return COLOR_PAIR(e + 1) | t->s[e].attr;
}

/* Compare two list entries by name. */
static int
theme_list_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the themes of dir to names (NAME\tPATH strings), skipping names
 * already there. */
static void
theme_list_dir(const char *dir, char **names, size_t *n)
{
	struct dirent *de;
	DIR *dp;
	char *base, *line;
	size_t i, len;

	if (dir == NULL || (dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL && *n < THEME_MAX_LIST) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if ((base = theme_base(de->d_name)) == NULL)
			continue;
		for (i = 0; i < *n; i++) {
			if (strncmp(names[i], base, strlen(base)) == 0 &&
			    names[i][strlen(base)] == '\t')
				break;
		}
		if (i == *n && theme_name_ok(base) &&
		    asprintf(&line, "%s\t%s/%s", base, dir, de->d_name) >= 0)
			names[(*n)++] = line;
		free(base);
	}
	closedir(dp);
}

/* Print the themes the lookup finds. */
void
theme_list(FILE *out)
{
	char *names[THEME_MAX_LIST + 1], *user = theme_user_dir(),
	                                 *data = theme_data_dir();
	size_t n = 0, i;
	bool have_default = false;

	theme_list_dir(user, names, &n);
	theme_list_dir(data, names, &n);
	for (i = 0; i < n; i++)
		have_default |= strncmp(names[i], "default\t", 8) == 0;
	if (!have_default && (names[n] = strdup("default\tbuilt-in")) != NULL)
		n++;
	qsort(names, n, sizeof names[0], theme_list_cmp);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s\n", names[i]);
		free(names[i]);
	}
	free(user);
	free(data);
}
