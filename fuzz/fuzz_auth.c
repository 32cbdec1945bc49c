/* fuzz_auth.c - libFuzzer target for the server's auth file (server/tokens.c:
 * a YAML or JSON list of {client_id, client_secret}, or a mapping whose
 * "clients" member is one). The harness reads the file with libyaml too,
 * as an independent view of what it lists.
 * Properties beyond no crash or leak: a refused file says why; an
 * accepted one lists only clients whose id and secret are whole strings
 * (a secret cut at a NUL would let a shorter one in), every listed
 * client trades its secret for tokens that check as that client, a wrong
 * secret and a made-up token are refused, and reloading the same file
 * succeeds. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "fuzzutil.h"
#include "server/tokens.h"

/* The time the fuzz target issues and checks tokens at. */
#define FUZZ_NOW_MS 1733581425123LL

/* The scalar of key in mapping m, its length in *n; NULL otherwise. */
static const char *
fuzz_get(yaml_document_t *doc, yaml_node_t *m, const char *key, size_t *n)
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
			*n = v->data.scalar.length;
			return (const char *)v->data.scalar.value;
		}
	}
	return NULL;
}

/* Check every client the file lists against the loaded auth. */
static void
fuzz_check_clients(struct tokens *a, const uint8_t *in, size_t size)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *item, *k;
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	struct tokens_grant g;
	const char *id, *secret, *who;
	size_t idn = 0, secn = 0;
	int64_t exp;

	if (!yaml_parser_initialize(&parser))
		fuzz_fail("out of memory");
	yaml_parser_set_input_string(&parser, in, size);
	if (!yaml_parser_load(&parser, &doc))
		fuzz_fail("accepted a file libyaml does not read");
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && root->type == YAML_MAPPING_NODE) {
		yaml_node_t *m = root;

		root = NULL;
		for (p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			k = yaml_document_get_node(&doc, p->key);
			if (k->type == YAML_SCALAR_NODE &&
			    strcmp((char *)k->data.scalar.value, "clients") ==
			        0)
				root = yaml_document_get_node(&doc, p->value);
		}
	}
	if (root == NULL || root->type != YAML_SEQUENCE_NODE)
		fuzz_fail("accepted a file without a list of clients");
	for (it = root->data.sequence.items.start;
	     it < root->data.sequence.items.top; it++) {
		item = yaml_document_get_node(&doc, *it);
		if (item == NULL || item->type != YAML_MAPPING_NODE)
			fuzz_fail("accepted a client that is no mapping");
		id = fuzz_get(&doc, item, "client_id", &idn);
		secret = fuzz_get(&doc, item, "client_secret", &secn);
		if (id == NULL || secret == NULL)
			fuzz_fail("accepted a client without id or secret");
		if (strlen(id) != idn || strlen(secret) != secn)
			fuzz_fail("accepted an id or secret with a NUL: "
			          "it counts only up to the NUL");
		if (tokens_issue(a, id, secret, FUZZ_NOW_MS, &g) != TOKENS_OK)
			fuzz_fail("client '%s' cannot get a token", id);
		if (tokens_check(a, g.access, strlen(g.access), FUZZ_NOW_MS, &who,
		        &exp) != TOKENS_OK ||
		    strcmp(who, id) != 0)
			fuzz_fail("client '%s' token checks otherwise", id);
		if (tokens_issue(a, id, "", FUZZ_NOW_MS, &g) == TOKENS_OK)
			fuzz_fail("an empty secret got a token");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct tokens_cfg cfg = {.file = fuzz_file(0, in, size),
	    .token_ttl_s = 60,
	    .refresh_ttl_s = 600};
	struct tokens *a;
	char err[512];
	const char *who;
	int64_t exp;

	err[0] = '\0';
	if ((a = tokens_new(&cfg, err, sizeof err)) == NULL) {
		if (err[0] == '\0')
			fuzz_fail("refused without a reason");
		return 0;
	}
	if (!tokens_required(a) || !tokens_has_clients(a))
		fuzz_fail("an auth file that requires nothing");
	if (tokens_check(a, "0123456789abcdef", 16, FUZZ_NOW_MS, &who, &exp) !=
	    TOKENS_INVALID)
		fuzz_fail("a made-up token passed");
	fuzz_check_clients(a, in, size);
	if (tokens_reload(a, cfg.file, err, sizeof err) != 0)
		fuzz_fail("the same file does not reload: %s", err);
	tokens_free(a);
	return 0;
}
