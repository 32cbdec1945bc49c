/* tokens.c - static token, auth file clients, issued tokens. An issued token
 * is TOKENS_LEN hex digits: the client's index (4), the slot it sits
 * in (2) and 29 random bytes (58). The index and slot only say where to
 * look, never whether it matches: the whole token is then compared in
 * constant time with the one stored in that slot. */
#include "tokens.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

/* Hex digits of the client index and of the slot at a token's start. */
#define TOKENS_INDEX_DIGITS 4
#define TOKENS_SLOT_DIGITS 2
/* Random bytes in a token. */
#define TOKENS_RANDOM_BYTES                                                      \
	((TOKENS_LEN - TOKENS_INDEX_DIGITS - TOKENS_SLOT_DIGITS) / 2)

struct tokens_slot {
	char token[TOKENS_LEN + 1]; /* "" when free */
	bool refresh;
	int64_t expires_ms;
	uint64_t serial; /* issue order, to find the oldest */
};

struct tokens_client {
	char *id;
	char *secret;
	struct tokens_slot slots[TOKENS_PER_CLIENT];
};

struct tokens {
	char *token; /* the static token, or NULL */
	struct tokens_client *clients;
	size_t nclients;
	int64_t token_ttl_ms;
	int64_t refresh_ttl_ms;
	uint64_t serial; /* tokens issued so far */
	int urandom;
};

/* Read the whole file at path (at most TOKENS_FILE_MAX bytes) into a new
 * allocation; NULL with err set. Refuses a file group or others can use. */
static char *
tokens_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen,
		    "%s holds secrets but group or others have access to it "
		    "(chmod 600 it)",
		    path);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > TOKENS_FILE_MAX) {
		snprintf(err, errlen, "%s: not a file of at most %d bytes",
		    path, TOKENS_FILE_MAX);
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((n = read(fd, buf, (size_t)sb.st_size)) != sb.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		goto fail;
	}
	close(fd);
	*len = (size_t)n;
	return buf;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The scalar value of key in mapping node m, or NULL; *nul is set when
 * it holds a NUL ("pw\0tail"), which C strings would cut it at. */
static const char *
tokens_yaml_get(
    yaml_document_t *doc, yaml_node_t *m, const char *key, bool *nul)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;

	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		k = yaml_document_get_node(doc, p->key);
		v = yaml_document_get_node(doc, p->value);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0) {
			if (v == NULL || v->type != YAML_SCALAR_NODE)
				return NULL;
			if (strlen((char *)v->data.scalar.value) !=
			    v->data.scalar.length)
				*nul = true;
			return (const char *)v->data.scalar.value;
		}
	}
	return NULL;
}

/* The index of the client named id in a->clients, or -1. */
static long
tokens_index(const struct tokens *a, const char *id)
{
	size_t i;

	for (i = 0; i < a->nclients; i++)
		if (a->clients[i].id != NULL &&
		    strcmp(a->clients[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* Fill a->clients from the parsed document: a list of {client_id,
 * client_secret}, or a mapping whose "clients" member is one. 0 or -1
 * with err set. */
static int
tokens_load_clients(
    struct tokens *a, yaml_document_t *doc, char *err, size_t errlen)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *item;
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	const char *id, *secret;
	size_t n, i;
	bool nul;

	if (root != NULL && root->type == YAML_MAPPING_NODE) {
		root = NULL;
		p = yaml_document_get_root_node(doc)->data.mapping.pairs.start;
		for (; p <
		       yaml_document_get_root_node(doc)->data.mapping.pairs.top;
		     p++) {
			item = yaml_document_get_node(doc, p->key);
			if (item->type == YAML_SCALAR_NODE &&
			    strcmp((char *)item->data.scalar.value,
			        "clients") == 0)
				root = yaml_document_get_node(doc, p->value);
		}
	}
	if (root == NULL || root->type != YAML_SEQUENCE_NODE) {
		snprintf(err, errlen,
		    "expected a list of {client_id, client_secret}");
		return -1;
	}
	n = (size_t)(root->data.sequence.items.top -
	             root->data.sequence.items.start);
	if (n == 0 || n > TOKENS_CLIENTS_MAX) {
		snprintf(err, errlen, "expected 1 to %d clients, not %zu",
		    TOKENS_CLIENTS_MAX, n);
		return -1;
	}
	if ((a->clients = calloc(n, sizeof *a->clients)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (it = root->data.sequence.items.start, i = 0;
	     it < root->data.sequence.items.top; it++, i++) {
		item = yaml_document_get_node(doc, *it);
		id = secret = NULL;
		nul = false;
		if (item != NULL && item->type == YAML_MAPPING_NODE) {
			id = tokens_yaml_get(doc, item, "client_id", &nul);
			secret =
			    tokens_yaml_get(doc, item, "client_secret", &nul);
		}
		/* A secret cut at its NUL would let its start in alone. */
		if (nul) {
			snprintf(err, errlen,
			    "client %zu: client_id and client_secret must not "
			    "hold a NUL",
			    i + 1);
			return -1;
		}
		if (id == NULL || secret == NULL || *id == '\0' ||
		    *secret == '\0' || strlen(id) > TOKENS_FIELD_MAX ||
		    strlen(secret) > TOKENS_FIELD_MAX) {
			snprintf(err, errlen,
			    "client %zu needs client_id and client_secret "
			    "(1 to %d bytes each)",
			    i + 1, TOKENS_FIELD_MAX);
			return -1;
		}
		if (tokens_index(a, id) >= 0) {
			snprintf(err, errlen,
			    "client %zu repeats client_id '%.64s'", i + 1, id);
			return -1;
		}
		a->nclients = i + 1;
		if ((a->clients[i].id = strdup(id)) == NULL ||
		    (a->clients[i].secret = strdup(secret)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Parse the auth file at path into a->clients; 0 or -1 with err set. */
static int
tokens_load(struct tokens *a, const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	char why[256];
	size_t len = 0;
	char *text;
	int rc = -1;

	if ((text = tokens_read_file(path, &len, err, errlen)) == NULL)
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s: line %zu: %s", path,
		    parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "parse error");
	} else {
		if ((rc = tokens_load_clients(a, &doc, why, sizeof why)) != 0)
			snprintf(err, errlen, "%s: %s", path, why);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	explicit_bzero(text, len);
	free(text);
	return rc;
}

struct tokens *
tokens_new(const struct tokens_cfg *cfg, char *err, size_t errlen)
{
	struct tokens *a;

	if ((a = calloc(1, sizeof *a)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->urandom = -1;
	a->token_ttl_ms = cfg->token_ttl_s * 1000;
	a->refresh_ttl_ms = cfg->refresh_ttl_s * 1000;
	if (cfg->token != NULL && (a->token = strdup(cfg->token)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->file != NULL) {
		if (tokens_load(a, cfg->file, err, errlen) != 0)
			goto fail;
		if ((a->urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) <
		    0) {
			snprintf(
			    err, errlen, "/dev/urandom: %s", strerror(errno));
			goto fail;
		}
	}
	return a;
fail:
	tokens_free(a);
	return NULL;
}

/* Wipe and free what client c holds, leaving an empty entry (id NULL). */
static void
tokens_client_clear(struct tokens_client *c)
{
	free(c->id);
	if (c->secret != NULL)
		explicit_bzero(c->secret, strlen(c->secret));
	free(c->secret);
	explicit_bzero(c, sizeof *c);
}

/* Wipe and free every client of a. */
static void
tokens_clients_free(struct tokens *a)
{
	size_t i;

	for (i = 0; i < a->nclients; i++)
		tokens_client_clear(&a->clients[i]);
	free(a->clients);
	a->clients = NULL;
	a->nclients = 0;
}

void
tokens_free(struct tokens *a)
{
	if (a == NULL)
		return;
	tokens_clients_free(a);
	free(a->token);
	if (a->urandom >= 0)
		close(a->urandom);
	free(a);
}

bool
tokens_required(const struct tokens *a)
{
	return a != NULL && (a->token != NULL || a->nclients > 0);
}

bool
tokens_has_clients(const struct tokens *a)
{
	return a != NULL && a->nclients > 0;
}

/* The value of n hex digits at s, or -1. */
static long
tokens_hex(const char *s, int n)
{
	long v = 0;
	int i, d;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The live slot holding token (n bytes) of the wanted type, or NULL. */
static struct tokens_slot *
tokens_find(struct tokens *a, const char *token, size_t n, bool refresh,
    int64_t now_ms, struct tokens_client **client)
{
	struct tokens_slot *s;
	long ci, si;

	if (n != TOKENS_LEN ||
	    (ci = tokens_hex(token, TOKENS_INDEX_DIGITS)) < 0 ||
	    (size_t)ci >= a->nclients ||
	    (si = tokens_hex(token + TOKENS_INDEX_DIGITS, TOKENS_SLOT_DIGITS)) < 0 ||
	    si >= TOKENS_PER_CLIENT)
		return NULL;
	*client = &a->clients[ci];
	s = &(*client)->slots[si];
	if (s->token[0] == '\0' || s->refresh != refresh ||
	    s->expires_ms <= now_ms ||
	    !util_secret_equal(token, n, s->token, TOKENS_LEN))
		return NULL;
	return s;
}

int
tokens_check(struct tokens *a, const char *token, size_t n, int64_t now_ms,
    const char **who, int64_t *expires_ms)
{
	struct tokens_client *c;
	struct tokens_slot *s;

	if (token == NULL)
		return TOKENS_MISSING;
	if (a->token != NULL &&
	    util_secret_equal(token, n, a->token, strlen(a->token))) {
		*who = "static token";
		*expires_ms = 0;
		return TOKENS_OK;
	}
	if ((s = tokens_find(a, token, n, false, now_ms, &c)) == NULL)
		return TOKENS_INVALID;
	*who = c->id;
	*expires_ms = s->expires_ms;
	return TOKENS_OK;
}

/* Put a new token of client c into a slot (a free or expired one, else
 * the oldest) and write it to out; 0 or TOKENS_ERROR. */
static int
tokens_mint(struct tokens *a, struct tokens_client *c, bool refresh, int64_t now_ms,
    char out[TOKENS_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[TOKENS_RANDOM_BYTES];
	struct tokens_slot *s, *pick = &c->slots[0];
	size_t i;

	for (s = c->slots; s < c->slots + TOKENS_PER_CLIENT; s++) {
		if (s->token[0] == '\0' || s->expires_ms <= now_ms) {
			pick = s;
			break;
		}
		if (s->serial < pick->serial)
			pick = s;
	}
	if (read(a->urandom, rnd, sizeof rnd) != (ssize_t)sizeof rnd)
		return TOKENS_ERROR;
	snprintf(out, TOKENS_LEN + 1, "%04zx%02zx",
	    (size_t)(c - a->clients), (size_t)(pick - c->slots));
	for (i = 0; i < sizeof rnd; i++) {
		out[TOKENS_INDEX_DIGITS + TOKENS_SLOT_DIGITS + 2 * i] =
		    hex[rnd[i] >> 4];
		out[TOKENS_INDEX_DIGITS + TOKENS_SLOT_DIGITS + 2 * i + 1] =
		    hex[rnd[i] & 15];
	}
	out[TOKENS_LEN] = '\0';
	explicit_bzero(rnd, sizeof rnd);
	memcpy(pick->token, out, TOKENS_LEN + 1);
	pick->refresh = refresh;
	pick->serial = ++a->serial;
	pick->expires_ms =
	    now_ms + (refresh ? a->refresh_ttl_ms : a->token_ttl_ms);
	return TOKENS_OK;
}

/* Issue an access and a refresh token to c. */
static int
tokens_grant(struct tokens *a, struct tokens_client *c, int64_t now_ms,
    struct tokens_grant *out)
{
	if (tokens_mint(a, c, true, now_ms, out->refresh) != 0 ||
	    tokens_mint(a, c, false, now_ms, out->access) != 0)
		return TOKENS_ERROR;
	out->expires_in = a->token_ttl_ms / 1000;
	return TOKENS_OK;
}

int
tokens_issue(struct tokens *a, const char *client_id, const char *secret,
    int64_t now_ms, struct tokens_grant *out)
{
	struct tokens_client *c;
	long i;

	if ((i = tokens_index(a, client_id)) < 0)
		return TOKENS_INVALID;
	c = &a->clients[i];
	if (!util_secret_equal(
	        secret, strlen(secret), c->secret, strlen(c->secret)))
		return TOKENS_INVALID;
	return tokens_grant(a, c, now_ms, out);
}

int
tokens_refresh(
    struct tokens *a, const char *refresh, int64_t now_ms, struct tokens_grant *out)
{
	struct tokens_client *c;
	struct tokens_slot *s;

	if ((s = tokens_find(a, refresh, strlen(refresh), true, now_ms, &c)) ==
	    NULL)
		return TOKENS_INVALID;
	explicit_bzero(s, sizeof *s);
	return tokens_grant(a, c, now_ms, out);
}

/* Move the clients of fresh into a. A client still listed keeps its index
 * (issued tokens name it) and its tokens, and takes the new secret; a
 * client no longer listed is wiped with its tokens; a new client takes
 * the first empty index. fresh is left empty. 0 or -1 (out of memory,
 * nothing changed). */
static int
tokens_merge(struct tokens *a, struct tokens *fresh)
{
	size_t n =
	    a->nclients > fresh->nclients ? a->nclients : fresh->nclients;
	struct tokens_client *merged, *c;
	size_t i, next = 0;
	long j;

	if ((merged = calloc(n, sizeof *merged)) == NULL)
		return -1;
	for (i = 0; i < a->nclients; i++) {
		c = &a->clients[i];
		if (c->id == NULL)
			continue;
		if ((j = tokens_index(fresh, c->id)) < 0) {
			tokens_client_clear(c);
			continue;
		}
		merged[i] = *c;
		merged[i].secret = fresh->clients[j].secret;
		fresh->clients[j].secret = c->secret;
		tokens_client_clear(&fresh->clients[j]);
	}
	for (i = 0; i < fresh->nclients; i++) {
		if (fresh->clients[i].id == NULL)
			continue;
		while (merged[next].id != NULL)
			next++;
		merged[next] = fresh->clients[i];
		explicit_bzero(&fresh->clients[i], sizeof fresh->clients[i]);
	}
	explicit_bzero(a->clients, a->nclients * sizeof *a->clients);
	free(a->clients);
	a->clients = merged;
	a->nclients = n;
	tokens_clients_free(fresh);
	return 0;
}

int
tokens_reload(struct tokens *a, const char *path, char *err, size_t errlen)
{
	struct tokens fresh = {.urandom = -1};

	if (a->urandom < 0) {
		snprintf(err, errlen,
		    "the server was started without an "
		    "auth file");
		return -1;
	}
	if (tokens_load(&fresh, path, err, errlen) != 0) {
		tokens_clients_free(&fresh);
		return -1;
	}
	if (tokens_merge(a, &fresh) != 0) {
		snprintf(err, errlen, "out of memory");
		tokens_clients_free(&fresh);
		return -1;
	}
	return 0;
}
