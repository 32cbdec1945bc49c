/* logdeck.c - command line: parse options, pick follow, fetch or the
 * full-screen view. */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "net/auth.h"
#include "net/client.h"
#include "conf.h"
#include "core/esc.h"
#include "core/format.h"
#include "follow.h"
#include "net/resolve.h"
#include "core/source.h"
#include "core/sse.h"
#include "theme.h"
#include "tui/tui.h"

/* Most sources one invocation may name (arguments or a watch list). Each
 * is a stream and, over HTTP/1.1, a socket: the soft fd limit is raised
 * to the hard one at start (main_raise_fd_limit). The arrays of sources
 * live on main's stack (40 bytes a source). */
#define MAIN_MAX_SOURCES 4096
/* A macro's value as a string literal. */
#define MAIN_STR(x) MAIN_STR_(x)
#define MAIN_STR_(x) #x
#define MAIN_SHORT_OPTIONS "s:kfo:l:g:in:mavhV"
#define MAIN_DEFAULT_SERVER "http://127.0.0.1:8080"
#define MAIN_DEFAULT_HEARTBEAT_S 30
#define MAIN_DEFAULT_BACKOFF_CAP_MS 30000
#define MAIN_DEFAULT_SCROLLBACK_MIB 256
/* Longest --run: the API's longest runId (doc/api.md, Ingest). */
#define MAIN_MAX_RUN 128
/* Longest --quiet-after, in seconds (a day). */
#define MAIN_MAX_QUIET_S 86400
/* Furthest back --since DURATION reaches (ten years, in seconds). */
#define MAIN_MAX_SINCE_S (3650L * 86400)

enum {
	OPT_TOKEN = 256,
	OPT_CACERT,
	OPT_HEARTBEAT,
	OPT_MAX_EVENT,
	OPT_COLOR,
	OPT_UTC,
	OPT_SCROLLBACK,
	OPT_CONFIG,
	OPT_PROFILE,
	OPT_PRINT_CONFIG,
	OPT_LIST_PROFILES,
	OPT_THEME,
	OPT_LIST_THEMES,
	OPT_HTTP2,
	OPT_SINCE,
	OPT_RUN,
	OPT_UNTIL_STOPPED,
	OPT_ALERT,
	OPT_UNTIL,
	OPT_QUIET_AFTER,
	OPT_NEW_ERRORS,
};

static const struct option main_options[] = {
    {"server", required_argument, NULL, 's'},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"insecure", no_argument, NULL, 'k'},
    {"http2", no_argument, NULL, OPT_HTTP2},
    {"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
    {"max-event", required_argument, NULL, OPT_MAX_EVENT},
    {"follow", no_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"level", required_argument, NULL, 'l'},
    {"grep", required_argument, NULL, 'g'},
    {"ignore-case", no_argument, NULL, 'i'},
    {"tail", required_argument, NULL, 'n'},
    {"since", required_argument, NULL, OPT_SINCE},
    {"run", required_argument, NULL, OPT_RUN},
    {"until-stopped", no_argument, NULL, OPT_UNTIL_STOPPED},
    {"alert", required_argument, NULL, OPT_ALERT},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"new-errors", no_argument, NULL, OPT_NEW_ERRORS},
    {"quiet-after", required_argument, NULL, OPT_QUIET_AFTER},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"utc", no_argument, NULL, OPT_UTC},
    {"merged", no_argument, NULL, 'm'},
    {"all", no_argument, NULL, 'a'},
    {"scrollback", required_argument, NULL, OPT_SCROLLBACK},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"print-config", no_argument, NULL, OPT_PRINT_CONFIG},
    {"list-profiles", no_argument, NULL, OPT_LIST_PROFILES},
    {"theme", required_argument, NULL, OPT_THEME},
    {"list-themes", no_argument, NULL, OPT_LIST_THEMES},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Print --help to stdout. The text is laid out as it prints, so
 * clang-format leaves it alone. */
/* clang-format off */
static void
main_usage(void)
{
	fputs(
"Usage: logdeck [OPTION]... [SOURCE]...\n"
"  or:  logdeck [OPTION]... --follow SOURCE...\n"
"  or:  logdeck [OPTION]... automations|pipelines|artifacts logs ID... [--follow]\n"
"Watch the live logs of automations, pipelines and artifacts.\n"
"\n"
"On a terminal without --follow, logdeck opens the full-screen view.\n"
"SOURCE is an automation's id or unique name, or automation:ID, pipeline:ID,\n"
"artifact:ID.\n"
"\n"
"Connection:\n"
"  -s, --server=URL       the log server (default: $LOGDECK_URL, else the\n"
"                         profile's, else " MAIN_DEFAULT_SERVER ")\n"
"      --token=TOKEN      bearer token (default: $LOGDECK_TOKEN, else the\n"
"                         profile's token source)\n"
"      --cacert=FILE      trust the CA certificates in FILE\n"
"  -k, --insecure         do not verify the server's TLS certificate\n"
"      --http2            speak HTTP/2 to an http:// server that supports it\n"
"                         (prior knowledge), so all streams share one\n"
"                         connection; https:// negotiates it by itself\n"
"      --heartbeat=SEC    the server's heartbeat; a stream silent for three\n"
"                         heartbeats is dropped and resumed (default: 30)\n"
"      --max-event=BYTES  longest event kept whole; longer ones are cut and\n"
"                         marked (default: 1048576)\n"
"\n"
"Configuration:\n"
"      --config=FILE      read FILE instead of\n"
"                         $XDG_CONFIG_HOME/logdeck/config.yaml\n"
"      --profile=NAME     use the profile NAME of the configuration\n"
"      --print-config     print the effective configuration (tokens\n"
"                         masked) and exit\n"
"      --list-profiles    list the profiles of the configuration and exit\n"
"      --theme=NAME|PATH  colour theme of the full-screen view\n"
"      --list-themes      list the themes found and exit\n"
"\n"
"Output:\n"
"  -f, --follow           print lines as they arrive, from the first line of\n"
"                         each source's current run (else its last run);\n"
"                         exit when every followed run has ended\n"
"  -o, --output=FORMAT    text, json or csv (default: text)\n"
"  -l, --level=LEVEL      only LEVEL and above: trace, debug, info, warn,\n"
"                         error, fatal\n"
"  -g, --grep=REGEX       only lines whose message matches REGEX (POSIX\n"
"                         extended)\n"
"  -i, --ignore-case      --grep ignores case\n"
"  -n, --tail=N           start N lines back instead\n"
"      --since=TIME       start at TIME instead: ISO 8601, or a duration\n"
"                         back from now (90s, 10m, 2h, 1d)\n"
"      --run=RUN          follow run RUN instead: its number, its runId, or\n"
"                         previous\n"
"      --until-stopped    with --follow: follow run after run and never\n"
"                         exit on its own (run boundaries on stderr)\n"
"      --until=RULE|REGEX with --follow: stop when the rule named RULE\n"
"                         fires, or a line's message matches REGEX (exit 4)\n"
"      --new-errors       with --follow: print only the WARN, ERROR and FATAL\n"
"                         lines whose pattern (numbers, ids, durations,\n"
"                         quoted values set aside) did not occur in the\n"
"                         automation's last successful run; every such line,\n"
"                         not only the first (run boundaries on stderr)\n"
"      --color=WHEN       colour lines by level: auto, always or never\n"
"                         (default: auto; NO_COLOR is respected)\n"
"      --utc              show timestamps in UTC instead of local time\n"
"\n"
"Rules:\n"
"      --alert=RULE       add a rule for this run: KEY: VALUE, ... as in a\n"
"                         rule of logdeck.yaml(5), e.g.\n"
"                         --alert 'match: timeout, level: error, bell: true'\n"
"                         keys: name source level match field on bell notify\n"
"                         command webhook every timeout; may be repeated\n"
"      --quiet-after=DURATION  a running automation silent this long, and\n"
"                         much longer than its usual gap between lines, is\n"
"                         quiet: said once on stderr, quiet rules fire\n"
"                         (default: stall_floor of the configuration, 5m)\n"
"\n"
"Full-screen view:\n"
"  -m, --merged           start in the merged view of all watched sources\n"
"  -a, --all              watch every automation that runs (now or later)\n"
"      --scrollback=MIB   memory for the lines of all streams (default: 256)\n"
"\n"
"  -v, --verbose          more messages on stderr (twice: libcurl's too)\n"
"  -h, --help             display this help and exit\n"
"  -V, --version          output version information and exit\n"
"\n"
"Exit status of --follow and of fetching:\n"
"  0  every followed run completed (exit code 0)\n"
"  1  a run failed, was cancelled or completed with a non-zero exit code\n"
"  2  usage or configuration error, or an unknown source at start\n"
"  3  unrecoverable connection or authorization error\n"
"  4  the --until rule fired\n"
"  130  interrupted (Ctrl-C)\n"
"\n"
"Examples:\n"
"  logdeck --follow nightly-sync\n"
"  logdeck -f --level warn --output json nightly-sync invoice-export\n"
"  logdeck -f --run previous nightly-sync\n"
"  logdeck -f --until-stopped --since 2h nightly-sync\n"
"  logdeck -f --until-stopped --until 'disk full' nightly-sync\n"
"  logdeck -f --until-stopped --new-errors nightly-sync\n"
"  logdeck -f --alert 'on: failed, command: ./page-oncall.sh' nightly-sync\n"
"  logdeck automations logs nightly-sync --tail 100\n"
"\n"
"See logdeck(1) for the keys of the full-screen view, logdeck.yaml(5) for\n"
"the configuration file and logdeck-theme(5) for themes.\n",
	    stdout);
}
/* clang-format on */

/* One line on stderr and the usage exit status. */
static int
main_bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "logdeck: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'logdeck --help' for more information.\n");
	return EXIT_USAGE;
}

/* Parse a non-negative decimal number into *out; 0, or -1. */
static int
main_number(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Turn a --since argument (an ISO 8601 time, or a duration back from
 * now: 90s, 10m, 2h, 1d; the unit is required) into a UTC ISO 8601 time
 * in out; 0, or -1. */
static int
main_since(const char *arg, char *out, size_t outlen)
{
	size_t n = strlen(arg);
	int64_t ms = event_parse_time(arg, n);
	struct timeval now;
	struct tm tm;
	time_t t;
	long v;

	if (ms == INT64_MIN) {
		/* A bare number is no time back: say which unit. */
		if (n < 2 || isdigit((unsigned char)arg[n - 1]) ||
		    (v = format_parse_duration(arg, MAIN_MAX_SINCE_S)) < 0)
			return -1;
		gettimeofday(&now, NULL);
		ms = ((int64_t)now.tv_sec - (int64_t)v) * 1000 +
		     now.tv_usec / 1000;
	}
	t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms - (int64_t)t * 1000));
	return 0;
}

/* Check a --run argument: 1 to MAIN_MAX_RUN bytes, no control
 * characters; 0, or -1. */
static int
main_run(const char *arg)
{
	size_t n = strlen(arg), i;

	if (n == 0 || n > MAIN_MAX_RUN)
		return -1;
	for (i = 0; i < n; i++) {
		if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f)
			return -1;
	}
	return 0;
}

/* Map a --level argument; -1 when unknown. */
static int
main_level(const char *s)
{
	enum level l = level_parse(s, strlen(s));

	return l == LEVEL_OTHER ? -1 : (int)l;
}

/* What the configuration decided; the file is read before anything else
 * (and before curses) so a broken one only costs a message and status 2. */
struct main_conf {
	struct conf *conf;
	const struct conf_profile *profile;
	const char *path;         /* --config */
	const char *profile_name; /* --profile */
	const char *theme;        /* --theme, else the file's */
	bool print_config;
	bool list_profiles;
	bool list_themes;
};

/* First pass over the options: only --config and --profile matter, and
 * whether --help or --version makes reading the file needless. getopt's
 * own complaints wait for the second pass. */
static bool
main_prescan(int argc, char **argv, struct main_conf *mc)
{
	bool needed = true;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, MAIN_SHORT_OPTIONS, main_options,
	            NULL)) != -1) {
		if (c == OPT_CONFIG)
			mc->path = optarg;
		else if (c == OPT_PROFILE)
			mc->profile_name = optarg;
		else if (c == 'h' || c == 'V')
			needed = false;
	}
	opterr = 1;
	optind = 0; /* glibc: start over, permutation included */
	return needed;
}

/* Load the configuration and pick the profile; 0, or the exit status. */
static int
main_load_config(struct main_conf *mc)
{
	char err[1024];
	bool found;

	if (conf_load(mc->path, &mc->conf, err, sizeof err) != 0) {
		fprintf(stderr, "logdeck: %s\n", err);
		return EXIT_USAGE;
	}
	if (*mc->conf->warnings != '\0')
		fprintf(stderr, "%s", mc->conf->warnings);
	mc->profile =
	    conf_profile(mc->conf, mc->profile_name, &found, err, sizeof err);
	if (!found) {
		fprintf(stderr, "logdeck: --profile: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* Check the theme now, before curses, and name it for --print-config: one
 * that does not load is a warning, and the default is used. */
static const char *
main_check_theme(const char *name)
{
	struct theme *t;
	char err[1024];

	if (name == NULL)
		return "default";
	if (theme_load(name, &t, err, sizeof err) != 0) {
		fprintf(stderr,
		    "logdeck: warning: %s; using the default "
		    "theme\n",
		    err);
		name = "default";
	}
	theme_free(t);
	return name;
}

/* The configuration's watch list as sources (when the command line named
 * none); 0, or the exit status. */
static int
main_watch(const struct main_conf *mc, struct source *sources, size_t *n)
{
	const char *const *w;
	size_t nw, i;
	char err[512];

	w = conf_watch(mc->conf, mc->profile, &nw);
	for (i = 0; i < nw && *n < MAIN_MAX_SOURCES; i++) {
		if (source_parse(w[i], &sources[*n], err, sizeof err) != 0) {
			fprintf(stderr, "logdeck: %s: watch: %s\n",
			    mc->conf->path, err);
			return EXIT_USAGE;
		}
		(*n)++;
	}
	return 0;
}

/* The rule --until names, or a new one matching its regex; -1 without
 * --until. 0, or the exit status. */
static int
main_until(struct conf *c, const char *until, int *rule)
{
	char err[512];
	int i;

	*rule = -1;
	if (until == NULL)
		return 0;
	if ((i = rule_find(&c->rules, until)) >= 0) {
		*rule = i;
		return 0;
	}
	if ((i = rule_add(&c->rules, "--until", err, sizeof err)) < 0 ||
	    rule_set_key(&c->rules, i, "match", until, err, sizeof err) != 0)
		return main_bad("--until: %s", err);
	*rule = i;
	return 0;
}

/* The token sources in force: --token, LOGDECK_TOKEN, the profile's
 * sources, and the renewal ones from the environment (auth.h). */
static void
main_auth_opts(struct auth_opts *ao, const struct conf_profile *p,
    const char *cli_token)
{
	ao->cli_token = cli_token;
	ao->env_token = getenv("LOGDECK_TOKEN");
	if (p != NULL) {
		ao->profile = p->name;
		ao->token = p->token;
		ao->token_command = p->token_command;
		ao->token_file = p->token_file;
		ao->token_env = p->token_env;
		ao->command_timeout_ms = p->token_command_timeout_s * 1000;
	}
	ao->refresh_token = getenv("LOGDECK_REFRESH_TOKEN");
	ao->client_id = getenv("LOGDECK_CLIENT_ID");
	ao->client_secret = getenv("LOGDECK_CLIENT_SECRET");
}

/* Let the process hold as many fds as its hard limit allows: 1,000
 * streams over HTTP/1.1 are 1,000 sockets, past the usual soft 1,024 once
 * the terminal, pipes and curl's own are counted. */
static void
main_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct client_cfg client = {
	    .heartbeat_ms = MAIN_DEFAULT_HEARTBEAT_S * 1000L,
	    .backoff_cap_ms = MAIN_DEFAULT_BACKOFF_CAP_MS,
	    .max_event = SSE_DEFAULT_MAX_EVENT,
	};
	struct follow_opts fo = {.tail = -1, .floor = LEVEL_TRACE};
	struct source sources[MAIN_MAX_SOURCES];
	struct resolve_run runs[MAIN_MAX_SOURCES];
	char since[96]; /* room for any int the format could print */
	struct main_conf mc = {0};
	struct conf_view view;
	const char *color = "auto", *env;
	char *cli_token = NULL, *server_copy = NULL;
	struct auth_opts ao = {0};
	bool follow = false, cli_shape = false, watch_all = false;
	bool insecure_cli = false;
	const char *until = NULL;
	long num;
	size_t nsources = 0, i;
	char err[512], safe[512];
	int c, rc, first, kind = SOURCE_AUTOMATION;
	enum resolve_result res;

	setlocale(LC_ALL, "");
	main_raise_fd_limit();
	client.server = MAIN_DEFAULT_SERVER;
	if (main_prescan(argc, argv, &mc) &&
	    (rc = main_load_config(&mc)) != 0) {
		conf_free(mc.conf);
		return rc;
	}
	if (mc.conf == NULL)
		mc.conf = conf_new();
	/* Precedence: built-in defaults < profile < environment < options. */
	conf_apply_client(mc.profile, &client);
	view = mc.conf->view;
	mc.theme = mc.conf->theme;
	if ((env = getenv("LOGDECK_URL")) != NULL && *env != '\0')
		client.server = env;

	while ((c = getopt_long(argc, argv, MAIN_SHORT_OPTIONS, main_options,
	            NULL)) != -1) {
		switch (c) {
		case 's':
			client.server = optarg;
			break;
		case OPT_TOKEN:
			/* Keep a copy and blank the argument, so the token
			 * does not show in ps or /proc/PID/cmdline. */
			free(cli_token);
			cli_token = strdup(optarg);
			explicit_bzero(optarg, strlen(optarg));
			break;
		case OPT_CACERT:
			client.ca_file = optarg;
			break;
		case 'k':
			client.insecure = true;
			insecure_cli = true;
			break;
		case OPT_HTTP2:
			client.http2 = true;
			break;
		case OPT_HEARTBEAT:
			if (main_number(optarg, 86400, &num) != 0 || num == 0) {
				rc = main_bad("--heartbeat: '%s' is not a "
				              "number of seconds (1-86400)",
				    optarg);
				goto out_conf;
			}
			client.heartbeat_ms = num * 1000;
			break;
		case OPT_MAX_EVENT:
			if (main_number(optarg, 256L << 20, &num) != 0 ||
			    num < 1024) {
				rc = main_bad("--max-event: '%s' is not a byte "
				              "count from 1024 to 268435456",
				    optarg);
				goto out_conf;
			}
			client.max_event = (size_t)num;
			break;
		case 'f':
			follow = true;
			break;
		case 'o':
			if (strcmp(optarg, "text") == 0)
				fo.fmt.format = OUTPUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fo.fmt.format = OUTPUT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				fo.fmt.format = OUTPUT_CSV;
			else {
				rc = main_bad("--output: '%s' is not text, "
				              "json or csv",
				    optarg);
				goto out_conf;
			}
			break;
		case 'l':
			if ((rc = main_level(optarg)) < 0) {
				rc = main_bad(
				    "--level: '%s' is not trace, "
				    "debug, info, warn, error or fatal",
				    optarg);
				goto out_conf;
			}
			fo.floor = view.floor = (enum level)rc;
			break;
		case 'g':
			fo.grep = optarg;
			break;
		case 'i':
			fo.ignore_case = true;
			break;
		case 'n':
			if (main_number(optarg, 100000000L, &num) != 0) {
				rc = main_bad("--tail: '%s' is not a number of "
				              "lines",
				    optarg);
				goto out_conf;
			}
			fo.tail = num;
			break;
		case OPT_SINCE:
			if (main_since(optarg, since, sizeof since) != 0) {
				rc = main_bad(
				    "--since: '%s' is not an ISO 8601 time or "
				    "a duration such as 90s, 10m, 2h, 1d (at "
				    "most 3650d)",
				    optarg);
				goto out_conf;
			}
			fo.since = since;
			break;
		case OPT_RUN:
			if (main_run(optarg) != 0) {
				rc = main_bad(
				    "--run: '%s' is not a run number, runId "
				    "(at most 128 bytes) or previous",
				    optarg);
				goto out_conf;
			}
			fo.run = optarg;
			break;
		case OPT_UNTIL_STOPPED:
			fo.until_stopped = true;
			break;
		case OPT_ALERT:
			if (conf_alert(mc.conf, optarg, err, sizeof err) != 0) {
				rc = main_bad("%s", err);
				conf_free(mc.conf);
				return rc;
			}
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		case OPT_NEW_ERRORS:
			fo.new_errors = true;
			break;
		case OPT_QUIET_AFTER:
			if ((num = format_parse_duration(optarg, MAIN_MAX_QUIET_S)) < 1) {
				rc = main_bad("--quiet-after: '%s' is not a "
				              "duration of 1s to 1d (90s, 10m, "
				              "2h)",
				    optarg);
				goto out_conf;
			}
			fo.quiet_after_ms = num * 1000;
			break;
		case OPT_COLOR:
			color = optarg;
			if (strcmp(color, "auto") != 0 &&
			    strcmp(color, "always") != 0 &&
			    strcmp(color, "never") != 0) {
				rc = main_bad("--color: '%s' is not auto, "
				              "always or never",
				    color);
				goto out_conf;
			}
			break;
		case OPT_UTC:
			fo.fmt.utc = true;
			break;
		case 'a':
			watch_all = true;
			break;
		case 'm':
			view.merged = true;
			break;
		case OPT_SCROLLBACK:
			if (main_number(optarg, 65536, &num) != 0 || num < 1) {
				rc = main_bad("--scrollback: '%s' is not a "
				              "number of MiB (1-65536)",
				    optarg);
				goto out_conf;
			}
			view.scrollback_mib = num;
			break;
		case OPT_CONFIG:
		case OPT_PROFILE:
			/* Taken by main_prescan. */
			break;
		case OPT_PRINT_CONFIG:
			mc.print_config = true;
			break;
		case OPT_LIST_PROFILES:
			mc.list_profiles = true;
			break;
		case OPT_THEME:
			mc.theme = optarg;
			break;
		case OPT_LIST_THEMES:
			mc.list_themes = true;
			break;
		case 'v':
			client.verbose++;
			break;
		case 'h':
			main_usage();
			rc = EXIT_OK;
			goto out_conf;
		case 'V':
			printf("logdeck %s\n", PACKAGE_VERSION);
			rc = EXIT_OK;
			goto out_conf;
		default:
			fprintf(stderr, "Try 'logdeck --help' for more "
			                "information.\n");
			rc = EXIT_USAGE;
			goto out_conf;
		}
	}
	if (mc.list_themes) {
		theme_list(stdout);
		rc = EXIT_OK;
		goto out_conf;
	}
	if (mc.list_profiles) {
		for (i = 0; i < mc.conf->nprofiles; i++)
			printf("%s\n", mc.conf->profiles[i].name);
		rc = EXIT_OK;
		goto out_conf;
	}

	/* The familiar shape: logdeck automations logs ID... [--follow] */
	first = optind;
	if (argc - optind >= 2 && source_kind_parse(argv[optind]) >= 0 &&
	    strcmp(argv[optind + 1], "logs") == 0) {
		kind = source_kind_parse(argv[optind]);
		first = optind + 2;
		cli_shape = true;
		if (first == argc) {
			rc = main_bad(
			    "%s logs: which one? Give an id.", argv[optind]);
			goto out_conf;
		}
	}
	for (i = (size_t)first; i < (size_t)argc; i++) {
		if (nsources == MAIN_MAX_SOURCES) {
			rc = main_bad("more than %s sources",
			    MAIN_STR(MAIN_MAX_SOURCES));
			goto out_conf;
		}
		if (source_parse(
		        argv[i], &sources[nsources], err, sizeof err) != 0) {
			rc = main_bad("%s", err);
			goto out_conf;
		}
		if (cli_shape && strchr(argv[i], ':') == NULL)
			sources[nsources].kind = (enum source_kind)kind;
		nsources++;
	}
	if (strlen(client.server) > 0 &&
	    client.server[strlen(client.server) - 1] == '/' &&
	    (server_copy = strdup(client.server)) != NULL) {
		/* "http://host/" and "http://host" name the same server. */
		while (*server_copy != '\0' &&
		       server_copy[strlen(server_copy) - 1] == '/')
			server_copy[strlen(server_copy) - 1] = '\0';
		client.server = server_copy;
	}
	if (strncmp(client.server, "http://", 7) != 0 &&
	    strncmp(client.server, "https://", 8) != 0) {
		rc = main_bad("--server: '%s' is not an http:// or https:// "
		              "URL",
		    client.server);
		goto out_conf;
	}
	mc.theme = main_check_theme(mc.theme);
	main_auth_opts(&ao, mc.profile, cli_token);
	if (nsources == 0 && !follow && !cli_shape &&
	    (rc = main_watch(&mc, sources, &nsources)) != 0)
		goto out_conf;
	if (mc.print_config) {
		/* The watch list as written: the sources on the command line
		 * of the full-screen view, else the configuration's. */
		struct conf_effective e = {.conf = mc.conf,
		    .profile = mc.profile != NULL ? mc.profile->name : NULL,
		    .client = &client,
		    .view = &view,
		    .theme = mc.theme,
		    .watch = (const char *const *)argv + first,
		    .nwatch = nsources};

		if (first == argc || follow || cli_shape)
			e.watch = conf_watch(mc.conf, mc.profile, &e.nwatch);
		e.token_origin = auth_origin(&ao);
		conf_print(stdout, &e);
		rc = EXIT_OK;
		goto out_conf;
	}
	if (client.insecure)
		fprintf(stderr,
		    "logdeck: warning: TLS certificate "
		    "verification is off (%s)\n",
		    insecure_cli ? "--insecure"
		                 : "insecure: true in the profile");

	if (strcmp(color, "always") == 0)
		fo.fmt.color = true;
	else if (strcmp(color, "auto") == 0)
		fo.fmt.color =
		    isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
		    (env = getenv("TERM")) != NULL && strcmp(env, "dumb") != 0;

	if (!follow && !cli_shape && !isatty(STDOUT_FILENO)) {
		rc = main_bad("%s", "the full-screen view needs a terminal; "
		                    "use --follow to print lines");
		goto out_conf;
	}
	if ((follow || cli_shape) && nsources == 0) {
		rc = main_bad("%s", "--follow: name at least one source");
		goto out_conf;
	}
	if (fo.until_stopped && !follow) {
		rc = main_bad("%s", "--until-stopped: only with --follow");
		goto out_conf;
	}
	if (until != NULL && !follow) {
		rc = main_bad("%s", "--until: only with --follow");
		goto out_conf;
	}
	if (fo.new_errors && !follow) {
		rc = main_bad("%s", "--new-errors: only with --follow");
		goto out_conf;
	}
	if ((rc = main_until(mc.conf, until, &fo.until_rule)) != 0)
		goto out_conf;
	fo.rules = &mc.conf->rules;
	if (fo.quiet_after_ms == 0)
		fo.quiet_after_ms = mc.conf->stall_floor_s * 1000;
	if ((client.auth = auth_new(&ao)) == NULL) {
		fprintf(stderr, "logdeck: out of memory\n");
		rc = EXIT_UNREACHABLE;
		goto out_conf;
	}
	if (auth_load(client.auth, err, sizeof err) != 0) {
		fprintf(stderr, "logdeck: %s\n", err);
		rc = EXIT_USAGE;
		goto out_conf;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (auth_start(client.auth, &client, err, sizeof err) != 0) {
		/* The renewal may quote the server: escape it. */
		esc_line(safe, sizeof safe, err);
		fprintf(stderr, "logdeck: %s\n", safe);
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	rc = EXIT_OK;
	if (nsources > 0) {
		res = resolve_sources(
		    &client, sources, nsources, runs, err, sizeof err);
		if (res != RESOLVE_OK) {
			esc_line(safe, sizeof safe, err);
			fprintf(stderr, "logdeck: %s\n", safe);
			rc = res == RESOLVE_BAD_SOURCE ? EXIT_USAGE
			                               : EXIT_UNREACHABLE;
			goto out;
		}
	}
	fo.client = &client;
	fo.sources = sources;
	fo.nsources = nsources;
	fo.runs = runs;
	fo.fmt.with_source = nsources > 1;
	fo.verbose = client.verbose;
	if (follow) {
		rc = follow_run(&fo);
	} else if (cli_shape) {
		rc = follow_fetch(&fo);
	} else {
		struct tui_opts to = {
		    .client = &client,
		    .watch = sources,
		    .nwatch = nsources,
		    .tail = fo.tail,
		    .since = fo.since,
		    .run = fo.run,
		    .profile = mc.profile != NULL ? mc.profile->name : NULL,
		    .floor = view.floor,
		    .merged = view.merged,
		    .watch_all = watch_all,
		    .utc = fo.fmt.utc,
		    .color = strcmp(color, "never") != 0 &&
		             getenv("NO_COLOR") == NULL,
		    .scrollback_cap = (size_t)view.scrollback_mib << 20,
		    .theme = mc.theme,
		    .timestamps = view.timestamps,
		    .wrap = view.wrap,
		    .fold = view.fold,
		    .list_width = view.list_width,
		    .keys = mc.conf->keys,
		    .nkeys = mc.conf->nkeys,
		    .rules = &mc.conf->rules,
		    .quiet_after_ms = fo.quiet_after_ms,
		};
		rc = tui_run(&to);
	}
out:
	curl_global_cleanup();
out_conf:
	auth_free(client.auth);
	for (i = 0; i < nsources; i++)
		source_clear(&sources[i]);
	if (cli_token != NULL)
		explicit_bzero(cli_token, strlen(cli_token));
	free(cli_token);
	free(server_copy);
	conf_free(mc.conf);
	return rc;
}
