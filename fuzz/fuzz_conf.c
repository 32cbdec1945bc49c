/* fuzz_conf.c - libFuzzer target for the configuration file (conf.c on
 * core/ydoc.c and libyaml): the input is a config.yaml.
 * Properties beyond no crash or leak: a refused file says why in one
 * "file:line:col: reason" message; an accepted one prints (--print-config)
 * as YAML that loads again and prints the same, so every value the
 * printer writes is one the loader reads back unchanged. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzzutil.h"
#include "net/auth.h"
#include "net/client.h"

/* Print c as --print-config does with its default profile and nothing from
 * the command line or the environment; the text is the caller's to
 * free. */
static char *
fuzz_print(const struct conf *c)
{
	const struct conf_profile *p;
	struct client_cfg cl = {.heartbeat_ms = 15000,
	    .backoff_cap_ms = 30000,
	    .max_event = 1024 * 1024};
	struct conf_effective e = {0};
	struct auth_opts ao = {0};
	char *text = NULL, err[512];
	size_t len = 0;
	bool found;
	FILE *out;

	p = conf_profile(c, NULL, &found, err, sizeof err);
	conf_apply_client(p, &cl);
	e.conf = c;
	e.profile = p != NULL ? p->name : NULL;
	e.client = &cl;
	if (p != NULL) {
		ao.profile = p->name;
		ao.token = p->token;
		ao.token_command = p->token_command;
		ao.token_file = p->token_file;
		ao.token_env = p->token_env;
	}
	e.token_origin = auth_origin(&ao);
	e.view = &c->view;
	e.theme = c->theme;
	e.watch = conf_watch(c, p, &e.nwatch);
	if ((out = open_memstream(&text, &len)) == NULL)
		fuzz_fail("out of memory");
	conf_print(out, &e);
	fclose(out);
	return text;
}

/* The printed text without its comment lines (they name the file and the
 * token's origin, which the printed file does not carry). */
static void
fuzz_drop_comments(char *s)
{
	char *w = s, *line = s, *nl;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		size_t n = nl != NULL ? (size_t)(nl - line) + 1 : strlen(line);
		const char *t = line + strspn(line, " ");

		if (*t != '#') {
			memmove(w, line, n);
			w += n;
		}
		line += n;
	}
	*w = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct conf *c = NULL, *c2 = NULL;
	char err[1024], *once, *twice;
	const char *path = fuzz_file(0, in, size);

	err[0] = '\0';
	if (conf_load(path, &c, err, sizeof err) != 0) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			fuzz_fail("refused without a one-line reason: %s", err);
		return 0;
	}
	once = fuzz_print(c);
	path = fuzz_file(1, once, strlen(once));
	if (conf_load(path, &c2, err, sizeof err) != 0)
		fuzz_fail("the printed configuration does not load: %s\n%s",
		    err, once);
	twice = fuzz_print(c2);
	fuzz_drop_comments(once);
	fuzz_drop_comments(twice);
	if (strcmp(once, twice) != 0)
		fuzz_fail("printed twice differs:\n%s---\n%s", once, twice);
	free(once);
	free(twice);
	conf_free(c);
	conf_free(c2);
	return 0;
}
