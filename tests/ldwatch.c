/* ldwatch.c - a test driver of the client transport: it runs the real
 * srclist (or one stream) on the real loop against a server and prints
 * one line per callback, so integration tests can watch what a viewer
 * would be told. Not installed.
 *
 *   ldwatch list URL KIND [HEARTBEAT_S]   the live list of KIND; a line
 *                                         "refresh" on stdin refreshes it
 *   ldwatch stream URL ID RUN             a stream of automation ID's run
 *
 * It exits when stdin ends (list) or the stream finishes (stream). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "net/client.h"
#include "core/esc.h"
#include "net/loop.h"
#include "core/source.h"
#include "net/srclist.h"
#include "net/stream.h"

/* Longest command line read from stdin. */
#define LDWATCH_MAX_INPUT 256

struct ldwatch {
	struct loop *loop;
	struct srclist *list;
	struct buf line;
	char input[LDWATCH_MAX_INPUT];
	size_t inlen;
};

/* Print text escaped (it comes from the server) and a newline. */
static void
ldwatch_puts(struct ldwatch *w, const char *text)
{
	buf_clear(&w->line);
	esc_text(&w->line, text, strlen(text));
	buf_putc(&w->line, '\n');
	fwrite(w->line.p, 1, w->line.len, stdout);
	fflush(stdout);
}

/* srclist: a whole list follows. */
static void
ldwatch_begin(void *arg)
{
	ldwatch_puts(arg, "begin");
}

/* srclist: one source. */
static void
ldwatch_source(const struct srclist_entry *e, void *arg)
{
	char text[1600];

	snprintf(text, sizeof text,
	    "source %s name=%s status=%s exit=%d run=%lld runId=%s "
	    "runStatus=%s live=%d",
	    e->id, e->name, run_status_name(e->status),
	    e->has_exit_code ? e->exit_code : -1, e->run,
	    e->run_id != NULL ? e->run_id : "", run_status_name(e->run_status),
	    srclist_live(((struct ldwatch *)arg)->list));
	ldwatch_puts(arg, text);
}

/* srclist: the whole list was given. */
static void
ldwatch_end(void *arg)
{
	struct ldwatch *w = arg;

	ldwatch_puts(w, srclist_live(w->list) ? "end live" : "end polling");
}

/* srclist: an error, or NULL when it works again. */
static void
ldwatch_error(const char *msg, void *arg)
{
	char text[400];

	snprintf(
	    text, sizeof text, "%s%s", msg ? "error " : "ok", msg ? msg : "");
	ldwatch_puts(arg, text);
}

static const struct srclist_handlers ldwatch_list_handlers = {
    .on_snapshot_begin = ldwatch_begin,
    .on_source = ldwatch_source,
    .on_snapshot_end = ldwatch_end,
    .on_error = ldwatch_error,
};

/* stdin: "refresh" lines; the end stops the driver. */
static void
ldwatch_on_stdin(int fd, void *arg)
{
	struct ldwatch *w = arg;
	ssize_t n = read(fd, w->input + w->inlen, sizeof w->input - w->inlen);
	char *nl;

	if (n <= 0) {
		loop_remove_fd(w->loop, fd);
		loop_stop(w->loop, 0);
		return;
	}
	w->inlen += (size_t)n;
	while ((nl = memchr(w->input, '\n', w->inlen)) != NULL) {
		if (nl - w->input == 7 && memcmp(w->input, "refresh", 7) == 0)
			srclist_refresh(w->list);
		w->inlen -= (size_t)(nl + 1 - w->input);
		memmove(w->input, nl + 1, w->inlen);
	}
	if (w->inlen == sizeof w->input)
		w->inlen = 0; /* a line too long to be a command */
}

/* stream: print the state, and stop once it is over. */
static void
ldwatch_stream_state(struct stream *s, void *arg)
{
	struct ldwatch *w = arg;
	const struct stream_status *st = stream_status(s);
	char text[400];

	snprintf(text, sizeof text, "state %s %s", stream_state_name(st->state),
	    st->error);
	ldwatch_puts(w, text);
	if (stream_finished(s))
		loop_stop(w->loop, 0);
}

/* stream: a line. */
static void
ldwatch_stream_log(struct stream *s, const struct log_event *ev, void *arg)
{
	struct ldwatch *w = arg;

	buf_clear(&w->line);
	buf_puts(&w->line, "log ");
	esc_text(&w->line, ev->message.p, ev->message.n);
	buf_putc(&w->line, '\n');
	fwrite(w->line.p, 1, w->line.len, stdout);
	fflush(stdout);
}

static const struct stream_handlers ldwatch_stream_handlers = {
    .on_log = ldwatch_stream_log,
    .on_state = ldwatch_stream_state,
};

int
main(int argc, char **argv)
{
	struct client_cfg cfg = {
	    .heartbeat_ms = 30000,
	    .backoff_cap_ms = 2000,
	    .max_event = 1024 * 1024,
	};
	struct ldwatch w = {0};
	struct stream_mgr *m = NULL;
	int rc;

	if (argc < 4 || (strcmp(argv[1], "list") != 0 &&
	                    (strcmp(argv[1], "stream") != 0 || argc < 5))) {
		fprintf(stderr, "usage: ldwatch list URL KIND [HEARTBEAT_S]\n"
		                "       ldwatch stream URL ID RUN\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cfg.server = argv[2];
	buf_init(&w.line, 1 << 20);
	if ((w.loop = loop_new()) == NULL)
		return 1;
	if (strcmp(argv[1], "list") == 0) {
		if (argc > 4)
			cfg.heartbeat_ms = atol(argv[4]) * 1000;
		w.list = srclist_new(w.loop, &cfg,
		    (enum source_kind)source_kind_parse(argv[3]),
		    &ldwatch_list_handlers, &w);
		if (w.list == NULL || loop_add_fd(w.loop, STDIN_FILENO,
		                          ldwatch_on_stdin, &w) != 0)
			return 1;
	} else {
		struct source src = {SOURCE_AUTOMATION, argv[3], argv[3]};
		struct stream_start start = {
		    .tail = -1, .after = -1, .run = argv[4]};

		m = stream_mgr_new(w.loop, &cfg, &ldwatch_stream_handlers, &w);
		if (m == NULL || stream_open(m, &src, &start) == NULL)
			return 1;
	}
	rc = loop_run(w.loop);
	srclist_free(w.list);
	stream_mgr_free(m);
	loop_free(w.loop);
	buf_free(&w.line);
	curl_global_cleanup();
	return rc;
}
