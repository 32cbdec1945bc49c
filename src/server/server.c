/* server.c - logdeck-server: options, signals, and the event loop. */
#include "config.h"

#include "api.h"
#include "access.h"
#include "tokens.h"
#include "burst.h"
#include "conn.h"
#include "feed.h"
#include "idem.h"
#include "mstore.h"
#include "optfile.h"
#include "pgstore.h"
#include "sim.h"
#include "store.h"
#include "util.h"

#include <getopt.h>
#include <signal.h>
#if defined(__GLIBC__)
#include <malloc.h> /* mallopt */
#endif
#include <sys/resource.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

/* Longest --listen value. */
#define MAIN_LISTEN_MAX 256
/* Upper bounds of the numeric options. */
#define MAIN_RING_MAX 10000000LL
#define MAIN_BURST_MAX 1000000000000LL
#define MAIN_TTL_MAX (366LL * 86400)
/* Largest --max-stream-memory (bytes). */
#define MAIN_STREAM_MEMORY_MAX (1LL << 40)
/* How long a shutdown lets the last bytes of ended streams go out. */
#define MAIN_DRAIN_MS 300

struct options {
	char host[MAIN_LISTEN_MAX];
	int port;
	int heartbeat_s;
	int stall_timeout_s;
	long retry_ms;
	const char *token;
	const char *auth_file;
	long long token_ttl;
	long long refresh_ttl;
	const char *store;
	long long retain_days;
	long long ring;
	bool ring_set;
	long long simulate;
	bool simulate_set;
	double rate;
	long long burst;
	long long seed;
	long long max_streams;
	long long max_per_token;
	long long max_stream_memory;
	long long max_connections; /* 0: conn_default_max() */
	long long header_timeout_s;
	long long body_timeout_s;
	long long max_store_memory; /* 0: mstore_default_memory() */
	long long idem_window_s;
	long long idem_keys;
	bool verbose;
	char metrics_host[MAIN_LISTEN_MAX]; /* "": /metrics on --listen */
	int metrics_port;
	const char *metrics_token;
	bool access_log;
	bool log_json;
};

/* What the signal handlers need to drain and to reload. */
struct main_ctx {
	struct event_base *base;
	struct api *api;
	struct feed_mgr *feeds;
	struct tokens *tokens;
	const char *auth_file; /* NULL: nothing to reload */
	bool stopping;
};

static const char main_usage[] =
    "usage: logdeck-server [options]\n"
    "\n"
    "Reference server of the logdeck log-stream API (see doc/api.md).\n"
    "\n"
    "  --config FILE        read options from a YAML file: each long option\n"
    "                       is a key (listen: 127.0.0.1:8080, verbose: true);\n"
    "                       the command line wins; mode 600 when it holds\n"
    "                       a token or a database password\n"
    "  --listen HOST:PORT   address to serve (default 127.0.0.1:8080;\n"
    "                       port 0 picks a free port)\n"
    "  --store URL          keep sources and events in PostgreSQL\n"
    "                       (postgresql://...; default: $DATABASE_URL when\n"
    "                       set, else \"memory\", the in-memory store)\n"
    "  --retain-days N      PostgreSQL: delete events older than N days\n"
    "  --token TOKEN        accept Authorization: Bearer TOKEN (never\n"
    "                       expires)\n"
    "  --auth-file FILE     clients (YAML or JSON list of client_id,\n"
    "                       client_secret) that get tokens from\n"
    "                       POST /api/auth/token; mode 600\n"
    "  --token-ttl SEC      lifetime of access tokens (default 3600)\n"
    "  --refresh-ttl SEC    lifetime of refresh tokens (default 86400)\n"
    "  --heartbeat SEC      keepalive comment interval (default 30)\n"
    "  --retry-ms MS        reconnect delay told to clients (default 2000)\n"
    "  --stall-timeout SEC  drop a stream whose output has not drained\n"
    "                       for this long (default 60)\n"
    "  --max-streams N      streams served at once (default 10000)\n"
    "  --max-connections N  client connections open at once, both\n"
    "                       addresses together; past it a connection is\n"
    "                       answered 503 with Retry-After and closed\n"
    "                       (default: the descriptor limit less 128, at\n"
    "                       most 65536; half the limit when under 256)\n"
    "  --header-timeout SEC a request head (request line and headers) must\n"
    "                       be complete this long after its first byte, or\n"
    "                       the connection is closed (default 10)\n"
    "  --body-timeout SEC   a request body must be read whole this long\n"
    "                       after its head, or it is answered 408 and\n"
    "                       the connection closed (default 120)\n"
    "  --max-stream-memory BYTES\n"
    "                       unsent output of all streams together; past\n"
    "                       it the clients furthest behind are cut and\n"
    "                       resume (default 268435456: 256 MiB)\n"
    "  --max-streams-per-token N\n"
    "                       streams one client may hold (default: no\n"
    "                       limit of its own)\n"
    "  --idempotency-window SEC\n"
    "                       how long the Idempotency-Key of an ingest is\n"
    "                       remembered: a retry within it stores nothing\n"
    "                       again (default 86400)\n"
    "  --idempotency-keys N in-memory store: most keys remembered, the\n"
    "                       oldest forgotten first (default 65536)\n"
    "  --ring N             events kept per source (default 100000; with\n"
    "                       PostgreSQL only when given)\n"
    "  --max-store-memory BYTES\n"
    "                       in-memory store: all it allocates, every\n"
    "                       source together; past it the oldest events of\n"
    "                       the whole store go (default 1073741824: 1 GiB,\n"
    "                       or half the physical memory when less)\n"
    "  --simulate N         simulate N automations, 2 pipelines and an\n"
    "                       artifact\n"
    "  --rate R             events per second per simulated source\n"
    "                       (default 5)\n"
    "  --burst COUNT        benchmark: automations burst-1..burst-N (N from\n"
    "                       --simulate, default 1), each COUNT events\n"
    "                       computed on demand, instead of the simulation\n"
    "  --seed S             seed of the simulation (default 1)\n"
    "  --metrics-listen HOST:PORT\n"
    "                       serve /metrics, /healthz and /readyz on this\n"
    "                       address too, and /metrics no longer on --listen\n"
    "  --metrics-token TOKEN\n"
    "                       /metrics asks for Authorization: Bearer TOKEN\n"
    "                       (default: no token; API tokens do not count)\n"
    "  --access-log         log every request and finished stream on stderr\n"
    "                       (method, path, kept query parameters, status,\n"
    "                       bytes, duration, client; never a token)\n"
    "  --log-format FORMAT  text (default) or json: one JSON object per\n"
    "                       stderr line\n"
    "  --verbose            log stream starts and ends and database work;\n"
    "                       implies --access-log\n"
    "  --help               show this help\n"
    "  --version            show the version\n"
    "\n"
    "GET /healthz and /readyz need no token. When ready it prints\n"
    "\"listening on http://HOST:PORT\" on stdout (and \"metrics on\n"
    "http://HOST:PORT\" with --metrics-listen)\n"
    "(and tells systemd, when built with libsystemd). SIGHUP reads the\n"
    "--auth-file again; open streams stay. SIGINT or SIGTERM stops it:\n"
    "it stops accepting, ends open streams (clients resume elsewhere)\n"
    "and exits 0.\n";

/* The options, by long name; every one but those of main_not_settings is
 * also a key of --config FILE. */
static const struct option main_longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"token", required_argument, NULL, 't'},
    {"auth-file", required_argument, NULL, 'A'},
    {"token-ttl", required_argument, NULL, 'T'},
    {"refresh-ttl", required_argument, NULL, 'F'},
    {"store", required_argument, NULL, 'D'},
    {"retain-days", required_argument, NULL, 'd'},
    {"max-streams-per-token", required_argument, NULL, 'p'},
    {"heartbeat", required_argument, NULL, 'H'},
    {"retry-ms", required_argument, NULL, 'r'},
    {"stall-timeout", required_argument, NULL, 'S'},
    {"max-streams", required_argument, NULL, 'm'},
    {"max-stream-memory", required_argument, NULL, 'B'},
    {"max-connections", required_argument, NULL, 'C'},
    {"header-timeout", required_argument, NULL, 'O'},
    {"body-timeout", required_argument, NULL, 'Y'},
    {"max-store-memory", required_argument, NULL, 'G'},
    {"idempotency-window", required_argument, NULL, 'I'},
    {"idempotency-keys", required_argument, NULL, 'k'},
    {"ring", required_argument, NULL, 'R'},
    {"simulate", required_argument, NULL, 's'},
    {"rate", required_argument, NULL, 'a'},
    {"burst", required_argument, NULL, 'b'},
    {"seed", required_argument, NULL, 'e'},
    {"metrics-listen", required_argument, NULL, 'M'},
    {"metrics-token", required_argument, NULL, 'K'},
    {"access-log", no_argument, NULL, 'L'},
    {"log-format", required_argument, NULL, 'f'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
/* Options that are not settings of a --config file. */
static const char *const main_not_settings[] = {
    "config", "help", "version", NULL};

/* Options whose values are secrets: a --config file holding one must be
 * mode 600 (as must one with a database password in any value). */
static const char *const main_secret_settings[] = {
    "token", "metrics-token", NULL};

/* "FILE:LINE:COL: " of the configuration value being parsed, or NULL
 * while the command line is. */
static const char *main_where;

/* Complain about a bad command line or configuration value in one line and
 * exit 2. */
static void main_bad(const char *fmt, const char *arg)
    __attribute__((noreturn));

static void
main_bad(const char *fmt, const char *arg)
{
	fputs(main_where != NULL ? main_where : "logdeck-server: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(main_where != NULL ? "\n" : " (see --help)\n", stderr);
	exit(2);
}

/* Parse a non-negative numeric option value in [min, max] or exit 2. */
static long long
main_number(const char *name, const char *v, long long min, long long max)
{
	long long out;

	if (util_parse_ll(v, min, max, &out) != 0) {
		char msg[256];

		snprintf(msg, sizeof msg,
		    "%s needs an integer from %lld to "
		    "%lld, not '%%s'",
		    name, min, max);
		main_bad(msg, v);
	}
	return out;
}

/* Split HOST:PORT (or [V6]:PORT), the value of option opt, into host
 * (MAIN_LISTEN_MAX bytes) and *port. */
static void
main_hostport(const char *opt, const char *v, char *host, int *port)
{
	const char *colon = strrchr(v, ':');
	char msg[128];
	size_t hl;

	if (colon == NULL || colon == v) {
		snprintf(msg, sizeof msg, "%s needs HOST:PORT, not '%%s'", opt);
		main_bad(msg, v);
	}
	hl = (size_t)(colon - v);
	if (v[0] == '[' && hl >= 2 && v[hl - 1] == ']') {
		v++;
		hl -= 2;
	}
	if (hl >= MAIN_LISTEN_MAX) {
		snprintf(msg, sizeof msg, "%s host too long: '%%s'", opt);
		main_bad(msg, v);
	}
	memcpy(host, v, hl);
	host[hl] = '\0';
	snprintf(msg, sizeof msg, "%s port", opt);
	*port = (int)main_number(msg, colon + 1, 0, 65535);
}

/* Apply the options of one argument vector to o; where[i] (NULL for the
 * command line) is the location argv[i] came from (exits on --help,
 * --version, errors). */
static void
main_apply(int argc, char **argv, char *const *where, struct options *o)
{
	char *end;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", main_longopts, NULL)) != -1) {
		main_where = where != NULL ? where[optind - 1] : NULL;
		switch (c) {
		case 'c':
			break;
		case 'l':
			main_hostport("--listen", optarg, o->host, &o->port);
			break;
		case 'M':
			main_hostport("--metrics-listen", optarg,
			    o->metrics_host, &o->metrics_port);
			if (o->metrics_host[0] == '\0')
				main_bad("--metrics-listen needs a host, not "
				         "'%s'",
				    optarg);
			break;
		case 'K':
			if (optarg[0] == '\0')
				main_bad(
				    "--metrics-token must not be empty%s", "");
			o->metrics_token = optarg;
			break;
		case 'L':
			o->access_log = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0)
				main_bad("--log-format is text or json, not "
				         "'%s'",
				    optarg);
			o->log_json = strcmp(optarg, "json") == 0;
			break;
		case 't':
			if (optarg[0] == '\0')
				main_bad("--token must not be empty%s", "");
			o->token = optarg;
			break;
		case 'A':
			o->auth_file = optarg;
			break;
		case 'T':
			o->token_ttl =
			    main_number("--token-ttl", optarg, 1, MAIN_TTL_MAX);
			break;
		case 'F':
			o->refresh_ttl = main_number(
			    "--refresh-ttl", optarg, 1, MAIN_TTL_MAX);
			break;
		case 'D':
			o->store = optarg;
			break;
		case 'd':
			o->retain_days =
			    main_number("--retain-days", optarg, 1, 100000);
			break;
		case 'p':
			o->max_per_token = main_number(
			    "--max-streams-per-token", optarg, 1, 1000000);
			break;
		case 'H':
			o->heartbeat_s =
			    (int)main_number("--heartbeat", optarg, 1, 3600);
			break;
		case 'r':
			o->retry_ms =
			    (long)main_number("--retry-ms", optarg, 0, 3600000);
			break;
		case 'S':
			o->stall_timeout_s = (int)main_number(
			    "--stall-timeout", optarg, 1, 86400);
			break;
		case 'm':
			o->max_streams =
			    main_number("--max-streams", optarg, 0, 1000000);
			break;
		case 'B':
			o->max_stream_memory = main_number("--max-stream-memory",
			    optarg, 65536, MAIN_STREAM_MEMORY_MAX);
			break;
		case 'C':
			o->max_connections = main_number(
			    "--max-connections", optarg, 1, CONN_MAX);
			break;
		case 'O':
			o->header_timeout_s = main_number(
			    "--header-timeout", optarg, 1, 3600);
			break;
		case 'Y':
			o->body_timeout_s = main_number(
			    "--body-timeout", optarg, 1, 3600);
			break;
		case 'G':
			o->max_store_memory = main_number("--max-store-memory",
			    optarg, (long long)MSTORE_MEMORY_MIN,
			    (long long)MSTORE_MEMORY_MAX);
			break;
		case 'I':
			o->idem_window_s = main_number("--idempotency-window",
			    optarg, 1, MAIN_TTL_MAX);
			break;
		case 'k':
			o->idem_keys = main_number("--idempotency-keys", optarg,
			    1, IDEM_KEYS_MAX);
			break;
		case 'R':
			o->ring =
			    main_number("--ring", optarg, 1, MAIN_RING_MAX);
			o->ring_set = true;
			break;
		case 's':
			o->simulate = main_number(
			    "--simulate", optarg, 0, BURST_SOURCES_MAX);
			o->simulate_set = true;
			break;
		case 'a':
			o->rate = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(o->rate > 0) ||
			    o->rate > SIM_RATE_MAX)
				main_bad("--rate needs a number above 0 and up "
				         "to 100000, not '%s'",
				    optarg);
			break;
		case 'b':
			o->burst =
			    main_number("--burst", optarg, 0, MAIN_BURST_MAX);
			break;
		case 'e':
			o->seed = main_number(
			    "--seed", optarg, 0, 999999999999999999LL);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(main_usage, stdout);
			exit(0);
		case 'V':
			printf("logdeck-server %s\n", PACKAGE_VERSION);
			exit(0);
		case ':':
			main_bad("option '%s' needs a value", argv[optind - 1]);
		default:
			main_bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		main_bad("unexpected argument '%s'", argv[optind]);
	main_where = NULL;
}

/* The FILE of --config FILE on the command line, or NULL. */
static const char *
main_config_path(int argc, char **argv)
{
	const char *path = NULL;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", main_longopts, NULL)) != -1)
		if (c == 'c')
			path = optarg;
	return path;
}

/* Fill o from the --config file (into f, which o points into) and then the
 * command line, which wins (exits on --help, --version, errors). */
static void
main_options(int argc, char **argv, struct options *o, struct optfile *f)
{
	const char *path = main_config_path(argc, argv);
	char err[1400];

	if (path != NULL) {
		if (optfile_load(f, path, argv[0], main_longopts,
		        main_not_settings, main_secret_settings, err,
		        sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			exit(2);
		}
		main_apply(f->argc, f->argv, f->where, o);
	}
	main_apply(argc, argv, NULL, o);
	if (o->store == NULL)
		o->store = getenv("DATABASE_URL");
	if (o->store != NULL &&
	    (*o->store == '\0' || strcmp(o->store, "memory") == 0))
		o->store = NULL;
	if (o->store != NULL && o->burst > 0)
		main_bad("--burst needs the in-memory store%s", "");
	if (o->store == NULL && o->retain_days > 0)
		main_bad("--retain-days needs --store postgresql://...%s", "");
}

/* Freed heap that glibc's allocator keeps for reuse rather than giving it
 * back to the kernel (M_TRIM_THRESHOLD). Its default (128 KiB, raised as
 * large blocks come and go) is below what one batch fanned out to 100
 * streams allocates and frees (a reply chunk each): the heap's top was
 * given back and faulted in again for every batch, page faults and brk
 * were a fifth of the server's time in a fan-out profile. */
#define MAIN_MALLOC_TRIM ((size_t)8 << 20)
/* Allocations at least this large get pages of their own (mmap), smaller
 * ones come from the heap (M_MMAP_THRESHOLD). Fixed, as setting the trim
 * threshold stops glibc adjusting it; above FEED_CHUNK, so the scratch
 * buffers of fast streams are reused heap, not pages mapped and unmapped
 * each time. */
#define MAIN_MALLOC_MMAP ((size_t)1 << 20)

/* Tune glibc's allocator for the server's churn of reply buffers (a
 * no-op with other C libraries). */
static void
main_tune_malloc(void)
{
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, (int)MAIN_MALLOC_MMAP);
	mallopt(M_TRIM_THRESHOLD, (int)MAIN_MALLOC_TRIM);
#endif
}

/* Allow as many descriptors as the hard limit does: every stream holds
 * one, and the default soft limit (often 1024) is far below max-streams. */
static void
main_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Tell systemd (a Type=notify service) what the server is doing: one
 * sd_notify state such as "READY=1". Without libsystemd, or when not run
 * by systemd ($NOTIFY_SOCKET unset), nothing happens. */
static void
main_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

/* SIGHUP: read the auth file again. A broken file is logged and the
 * clients in use stay; open streams are never touched either way. */
static void
main_reload(evutil_socket_t sig, short what, void *arg)
{
	struct main_ctx *ctx = arg;
	char err[512];

	if (ctx->auth_file == NULL) {
		util_log("caught SIGHUP: no --auth-file to read again");
		return;
	}
	main_notify("RELOADING=1");
	if (tokens_reload(ctx->tokens, ctx->auth_file, err, sizeof err) != 0)
		util_log("caught SIGHUP: kept the clients in use: %s", err);
	else
		util_log("caught SIGHUP: read %s again", ctx->auth_file);
	main_notify("READY=1");
}

/* SIGINT / SIGTERM: stop accepting, end every stream so its client
 * resumes elsewhere, give their last bytes a moment to go out, leave the
 * loop (cleanup happens in main). Every ingest is committed when it is
 * answered, so nothing else is pending. A second signal leaves at once. */
static void
main_signal(evutil_socket_t sig, short what, void *arg)
{
	struct main_ctx *ctx = arg;
	struct timeval tv = {0, MAIN_DRAIN_MS * 1000};

	if (ctx->stopping) {
		event_base_loopexit(ctx->base, NULL);
		return;
	}
	ctx->stopping = true;
	main_notify("STOPPING=1");
	util_log("caught signal %d, draining and shutting down", (int)sig);
	api_stop_accepting(ctx->api);
	feed_mgr_drain(ctx->feeds);
	event_base_loopexit(ctx->base, &tv);
}

/* Make the store the options ask for; NULL after logging why not. */
static struct store *
main_store(struct event_base *base, const struct options *o)
{
	struct pgstore_cfg pc = {.url = o->store,
	    .ring = o->ring_set ? (size_t)o->ring : 0,
	    .retain_days = (int)o->retain_days,
	    .verbose = o->verbose,
	    .idem_window_ms = o->idem_window_s * 1000};
	struct store *st;
	char err[512];

	if (o->store != NULL) {
		if ((st = pgstore_new(base, &pc, err, sizeof err)) == NULL)
			util_log("cannot use the database: %s", err);
		return st;
	}
	if ((st = mstore_new((size_t)o->ring)) != NULL) {
		mstore_set_idem_keys(st, (size_t)o->idem_keys);
		mstore_set_memory_max(st, (size_t)o->max_store_memory);
	}
	if (o->burst > 0)
		st = burst_store_new(
		    st, o->simulate_set ? (unsigned)o->simulate : 1, o->burst);
	if (st == NULL)
		util_log("cannot create the store");
	return st;
}

int
main(int argc, char **argv)
{
	struct options o = {.host = "127.0.0.1",
	    .port = 8080,
	    .heartbeat_s = 30,
	    .stall_timeout_s = 60,
	    .retry_ms = 2000,
	    .ring = 100000,
	    .rate = 5,
	    .seed = 1,
	    .token_ttl = 3600,
	    .refresh_ttl = 86400,
	    .max_streams = 10000,
	    .max_stream_memory = (long long)FEED_MEMORY_MAX,
	    .header_timeout_s = CONN_HEADER_TIMEOUT_S,
	    .body_timeout_s = CONN_BODY_TIMEOUT_S,
	    .idem_window_s = STORE_IDEM_WINDOW_S,
	    .idem_keys = IDEM_KEYS_DEFAULT};
	struct tokens_cfg ac;
	struct tokens *tokens = NULL;
	struct main_ctx ctx = {0};
	char err[512];
	struct event_base *base = NULL;
	struct event *sigint = NULL, *sigterm = NULL, *sighup = NULL;
	struct store *st = NULL;
	struct feed_mgr *feeds = NULL;
	struct conn_mgr *conns = NULL;
	struct api *api = NULL;
	struct sim *sim = NULL;
	struct feed_cfg fc;
	struct optfile of = {0};
	int port = 0, mport = 0, rc = 1;

	main_options(argc, argv, &o, &of);
	util_log_set_json(o.log_json);
	access_set(o.access_log || o.verbose);
	signal(SIGPIPE, SIG_IGN);
	main_raise_fd_limit();
	if (o.max_connections == 0)
		o.max_connections = (long long)conn_default_max();
	if (o.max_store_memory == 0)
		o.max_store_memory = (long long)mstore_default_memory();
	main_tune_malloc();
	ac = (struct tokens_cfg){.file = o.auth_file,
	    .token = o.token,
	    .token_ttl_s = o.token_ttl,
	    .refresh_ttl_s = o.refresh_ttl};
	if ((tokens = tokens_new(&ac, err, sizeof err)) == NULL) {
		util_log("cannot use the auth file: %s", err);
		goto out;
	}
	if ((base = event_base_new()) == NULL ||
	    (st = main_store(base, &o)) == NULL)
		goto out;
	fc = (struct feed_cfg){.heartbeat_s = o.heartbeat_s,
	    .retry_ms = o.retry_ms,
	    .stall_timeout_s = o.stall_timeout_s,
	    .idle_timeout_s = API_IDLE_TIMEOUT,
	    .max_streams = (size_t)o.max_streams,
	    .max_per_who = (size_t)o.max_per_token,
	    .memory_max = (size_t)o.max_stream_memory,
	    .verbose = o.verbose};
	if ((feeds = feed_mgr_new(base, st, &fc)) == NULL ||
	    (conns = conn_mgr_new(base, (size_t)o.max_connections,
	         (int)o.header_timeout_s, (int)o.body_timeout_s)) == NULL ||
	    (api = api_new(base, st, feeds, tokens)) == NULL)
		goto out;
	api_set_conns(api, conns);
	if (api_listen(api, o.host, o.port, &port) != 0) {
		util_log("cannot listen on %s:%d", o.host, o.port);
		goto out;
	}
	api_set_idem_window(api, o.idem_window_s * 1000);
	if (api_set_metrics_token(api, o.metrics_token) != 0)
		goto out;
	if (o.metrics_host[0] != '\0' && api_listen_metrics(api, o.metrics_host,
	                                     o.metrics_port, &mport) != 0) {
		util_log(
		    "cannot listen on %s:%d", o.metrics_host, o.metrics_port);
		goto out;
	}
	if (o.burst == 0 && o.simulate > 0 &&
	    (sim = sim_new(base, st, (unsigned)o.simulate, o.rate,
	         (uint64_t)o.seed)) == NULL) {
		util_log("cannot start the simulation");
		goto out;
	}
	ctx = (struct main_ctx){.base = base,
	    .api = api,
	    .feeds = feeds,
	    .tokens = tokens,
	    .auth_file = o.auth_file};
	sigint = evsignal_new(base, SIGINT, main_signal, &ctx);
	sigterm = evsignal_new(base, SIGTERM, main_signal, &ctx);
	sighup = evsignal_new(base, SIGHUP, main_reload, &ctx);
	if (sigint == NULL || sigterm == NULL || sighup == NULL ||
	    evsignal_add(sigint, NULL) || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sighup, NULL))
		goto out;
	if (o.store == NULL)
		snprintf(err, sizeof err, "in-memory store of %lld bytes at most",
		    o.max_store_memory);
	util_log("started: %s, heartbeat %d s, auth %s, "
	         "%lld connections at most, %s",
	    o.store != NULL ? "PostgreSQL store" : err, o.heartbeat_s,
	    tokens_required(tokens) ? "on" : "off", o.max_connections,
	    o.burst > 0      ? "burst sources"
	    : o.simulate > 0 ? "simulating"
	                     : "ingest only");
	printf("listening on http://%s%s%s:%d\n",
	    strchr(o.host, ':') ? "[" : "", o.host,
	    strchr(o.host, ':') ? "]" : "", port);
	if (o.metrics_host[0] != '\0')
		printf("metrics on http://%s%s%s:%d\n",
		    strchr(o.metrics_host, ':') ? "[" : "", o.metrics_host,
		    strchr(o.metrics_host, ':') ? "]" : "", mport);
	fflush(stdout);
	main_notify("READY=1");
	event_base_dispatch(base);
	rc = 0;
out:
	sim_free(sim);
	feed_mgr_free(feeds);
	api_free(api);
	conn_mgr_free(conns);
	store_free(st);
	tokens_free(tokens);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sighup != NULL)
		event_free(sighup);
	if (base != NULL)
		event_base_free(base);
	libevent_global_shutdown();
	optfile_free(&of);
	return rc;
}
