/* main.c - command line: parse options, pick follow, fetch or the
 * full-screen view. */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "follow.h"
#include "resolve.h"
#include "source.h"
#include "sse.h"

/* Most sources one invocation may name. */
#define MAIN_MAX_SOURCES 256
#define MAIN_DEFAULT_SERVER "http://127.0.0.1:8080"
#define MAIN_DEFAULT_HEARTBEAT_S 30
#define MAIN_DEFAULT_BACKOFF_CAP_MS 30000
#define MAIN_DEFAULT_SCROLLBACK_MIB 256

enum {
	OPT_TOKEN = 256,
	OPT_CACERT,
	OPT_HEARTBEAT,
	OPT_MAX_EVENT,
	OPT_COLOR,
	OPT_UTC,
	OPT_SCROLLBACK,
};

static const struct option main_options[] = {
	{"server", required_argument, NULL, 's'},
	{"token", required_argument, NULL, OPT_TOKEN},
	{"cacert", required_argument, NULL, OPT_CACERT},
	{"insecure", no_argument, NULL, 'k'},
	{"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
	{"max-event", required_argument, NULL, OPT_MAX_EVENT},
	{"follow", no_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"level", required_argument, NULL, 'l'},
	{"grep", required_argument, NULL, 'g'},
	{"ignore-case", no_argument, NULL, 'i'},
	{"tail", required_argument, NULL, 'n'},
	{"color", required_argument, NULL, OPT_COLOR},
	{"colour", required_argument, NULL, OPT_COLOR},
	{"utc", no_argument, NULL, OPT_UTC},
	{"merged", no_argument, NULL, 'm'},
	{"scrollback", required_argument, NULL, OPT_SCROLLBACK},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Print --help to stdout. */
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
"  -s, --server=URL       the log server (default: $LOGDECK_URL, else\n"
"                         " MAIN_DEFAULT_SERVER ")\n"
"      --token=TOKEN      bearer token (default: $LOGDECK_TOKEN)\n"
"      --cacert=FILE      trust the CA certificates in FILE\n"
"  -k, --insecure         do not verify the server's TLS certificate\n"
"      --heartbeat=SEC    the server's heartbeat; a stream silent for three\n"
"                         heartbeats is dropped and resumed (default: 30)\n"
"      --max-event=BYTES  longest event kept whole; longer ones are cut and\n"
"                         marked (default: 1048576)\n"
"\n"
"Output:\n"
"  -f, --follow           print lines as they arrive; exit when every source\n"
"                         reaches a final status\n"
"  -o, --output=FORMAT    text, json or csv (default: text)\n"
"  -l, --level=LEVEL      only LEVEL and above: trace, debug, info, warn,\n"
"                         error, fatal\n"
"  -g, --grep=REGEX       only lines whose message matches REGEX (POSIX\n"
"                         extended)\n"
"  -i, --ignore-case      --grep ignores case\n"
"  -n, --tail=N           start N lines back instead of at the first line\n"
"                         the server retains\n"
"      --color=WHEN       colour lines by level: auto, always or never\n"
"                         (default: auto; NO_COLOR is respected)\n"
"      --utc              show timestamps in UTC instead of local time\n"
"\n"
"Full-screen view:\n"
"  -m, --merged           start in the merged view of all watched sources\n"
"      --scrollback=MIB   memory for the lines of all streams (default: 256)\n"
"\n"
"  -v, --verbose          more messages on stderr (twice: libcurl's too)\n"
"  -h, --help             display this help and exit\n"
"  -V, --version          output version information and exit\n"
"\n"
"Exit status of --follow and of fetching:\n"
"  0  every run completed        1  a run failed or was cancelled\n"
"  2  usage or configuration error\n"
"  3  unrecoverable connection or authorization error\n"
"  130  interrupted (Ctrl-C)\n"
"\n"
"Examples:\n"
"  logdeck --follow nightly-sync\n"
"  logdeck -f --level warn --output json nightly-sync invoice-export\n"
"  logdeck automations logs nightly-sync --tail 100\n"
"\n"
"See logdeck(1) for the keys of the full-screen view.\n",
	    stdout);
}

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

/* Map a --level argument; -1 when unknown. */
static int
main_level(const char *s)
{
	enum level l = level_parse(s, strlen(s));

	return l == LEVEL_OTHER ? -1 : (int)l;
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
	const char *color = "auto", *env;
	bool follow = false, cli_shape = false;
	long num;
	size_t nsources = 0, i;
	char err[512];
	int c, rc, first, kind = SOURCE_AUTOMATION;
	enum resolve_result res;

	setlocale(LC_ALL, "");
	client.server = (env = getenv("LOGDECK_URL")) && *env ? env :
	    MAIN_DEFAULT_SERVER;
	client.token = getenv("LOGDECK_TOKEN");

	while ((c = getopt_long(argc, argv, "s:kfo:l:g:in:mvhV", main_options,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			client.server = optarg;
			break;
		case OPT_TOKEN:
			client.token = optarg;
			break;
		case OPT_CACERT:
			client.ca_file = optarg;
			break;
		case 'k':
			client.insecure = true;
			break;
		case OPT_HEARTBEAT:
			if (main_number(optarg, 86400, &num) != 0 || num == 0)
				return main_bad("--heartbeat: '%s' is not a "
				    "number of seconds (1-86400)", optarg);
			client.heartbeat_ms = num * 1000;
			break;
		case OPT_MAX_EVENT:
			if (main_number(optarg, 256L << 20, &num) != 0 ||
			    num < 1024)
				return main_bad("--max-event: '%s' is not a byte "
				    "count from 1024 to 268435456", optarg);
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
			else
				return main_bad("--output: '%s' is not text, "
				    "json or csv", optarg);
			break;
		case 'l':
			if ((rc = main_level(optarg)) < 0)
				return main_bad("--level: '%s' is not trace, "
				    "debug, info, warn, error or fatal", optarg);
			fo.floor = (enum level)rc;
			break;
		case 'g':
			fo.grep = optarg;
			break;
		case 'i':
			fo.ignore_case = true;
			break;
		case 'n':
			if (main_number(optarg, 100000000L, &num) != 0)
				return main_bad("--tail: '%s' is not a number of "
				    "lines", optarg);
			fo.tail = num;
			break;
		case OPT_COLOR:
			color = optarg;
			if (strcmp(color, "auto") != 0 &&
			    strcmp(color, "always") != 0 &&
			    strcmp(color, "never") != 0)
				return main_bad("--color: '%s' is not auto, "
				    "always or never", color);
			break;
		case OPT_UTC:
			fo.fmt.utc = true;
			break;
		case 'm':
			break;
		case OPT_SCROLLBACK:
			if (main_number(optarg, 65536, &num) != 0 || num < 1)
				return main_bad("--scrollback: '%s' is not a "
				    "number of MiB (1-65536)", optarg);
			break;
		case 'v':
			client.verbose++;
			break;
		case 'h':
			main_usage();
			return EXIT_OK;
		case 'V':
			printf("logdeck %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'logdeck --help' for more "
			    "information.\n");
			return EXIT_USAGE;
		}
	}

	/* The familiar shape: logdeck automations logs ID... [--follow] */
	first = optind;
	if (argc - optind >= 2 && source_kind_parse(argv[optind]) >= 0 &&
	    strcmp(argv[optind + 1], "logs") == 0) {
		kind = source_kind_parse(argv[optind]);
		first = optind + 2;
		cli_shape = true;
		if (first == argc)
			return main_bad("%s logs: which one? Give an id.",
			    argv[optind]);
	}
	for (i = (size_t)first; i < (size_t)argc; i++) {
		if (nsources == MAIN_MAX_SOURCES)
			return main_bad("more than %s sources", "256");
		if (source_parse(argv[i], &sources[nsources], err,
		    sizeof err) != 0)
			return main_bad("%s", err);
		if (cli_shape && strchr(argv[i], ':') == NULL)
			sources[nsources].kind = (enum source_kind)kind;
		nsources++;
	}
	while (strlen(client.server) > 0 &&
	    client.server[strlen(client.server) - 1] == '/') {
		/* "http://host/" and "http://host" name the same server. */
		char *trimmed = strdup(client.server);

		trimmed[strlen(trimmed) - 1] = '\0';
		client.server = trimmed;
	}
	if (strncmp(client.server, "http://", 7) != 0 &&
	    strncmp(client.server, "https://", 8) != 0)
		return main_bad("--server: '%s' is not an http:// or https:// "
		    "URL", client.server);
	if (client.insecure)
		fprintf(stderr, "logdeck: warning: TLS certificate "
		    "verification is off (--insecure)\n");

	if (strcmp(color, "always") == 0)
		fo.fmt.color = true;
	else if (strcmp(color, "auto") == 0)
		fo.fmt.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") ==
		    NULL && (env = getenv("TERM")) != NULL &&
		    strcmp(env, "dumb") != 0;

	if (!follow && !cli_shape && !isatty(STDOUT_FILENO))
		return main_bad("%s", "the full-screen view needs a terminal; "
		    "use --follow to print lines");
	if ((follow || cli_shape) && nsources == 0)
		return main_bad("%s", "--follow: name at least one source");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = EXIT_OK;
	if (nsources > 0) {
		res = resolve_sources(&client, sources, nsources, err,
		    sizeof err);
		if (res != RESOLVE_OK) {
			fprintf(stderr, "logdeck: %s\n", err);
			rc = res == RESOLVE_BAD_SOURCE ? EXIT_USAGE :
			    EXIT_UNREACHABLE;
			goto out;
		}
	}
	fo.client = &client;
	fo.sources = sources;
	fo.nsources = nsources;
	fo.fmt.with_source = nsources > 1;
	fo.verbose = client.verbose;
	if (follow) {
		rc = follow_run(&fo);
	} else if (cli_shape) {
		rc = follow_fetch(&fo);
	} else {
		fprintf(stderr, "logdeck: the full-screen view is not built "
		    "yet; use --follow\n");
		rc = EXIT_USAGE;
	}
out:
	for (i = 0; i < nsources; i++)
		source_clear(&sources[i]);
	curl_global_cleanup();
	return rc;
}
