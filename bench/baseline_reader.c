/* baseline_reader.c - the plainest follow client one would write by hand:
 * libcurl easy, split the SSE stream into lines, cJSON_Parse each data
 * line, snprintf "time LEVEL message" and fwrite it. The benchmark's
 * baseline for `logdeck -f` (bench/run.py, row "follow"): no reconnects,
 * no escaping, no limits beyond the line buffer below. Exits when the
 * server ends the stream. usage: baseline_reader URL */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest SSE line kept; longer lines are dropped whole. */
#define BASELINE_LINE_MAX (1 << 20)
/* Longest formatted output line; snprintf truncates beyond it. */
#define BASELINE_OUT_MAX 4096

/* The partial line carried between two write callbacks. */
struct baseline {
	char *line;
	size_t len;
	int dropping; /* the current line outgrew BASELINE_LINE_MAX */
	long events;
};

/* Parse one complete SSE line; print it when it is a log event's data. */
static void
baseline_line(struct baseline *b, char *p, size_t n)
{
	char out[BASELINE_OUT_MAX];
	const cJSON *ts, *lv, *msg;
	cJSON *j;
	int len;

	if (n < 7 || memcmp(p, "data: {\"id\"", n < 11 ? n : 11) != 0)
		return;
	p[n] = '\0';
	j = cJSON_Parse(p + 6);
	if (j == NULL)
		return;
	ts = cJSON_GetObjectItemCaseSensitive(j, "timestamp");
	lv = cJSON_GetObjectItemCaseSensitive(j, "level");
	msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	len = snprintf(out, sizeof out, "%s %-5s %s\n",
	    cJSON_IsString(ts) ? ts->valuestring : "",
	    cJSON_IsString(lv) ? lv->valuestring : "",
	    cJSON_IsString(msg) ? msg->valuestring : "");
	if (len > (int)sizeof out - 1)
		len = (int)sizeof out - 1;
	fwrite(out, 1, (size_t)len, stdout);
	b->events++;
	cJSON_Delete(j);
}

/* libcurl write callback: split data into lines; the rest waits in b. */
static size_t
baseline_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct baseline *b = arg;
	size_t n = size * nmemb, i, start = 0;

	for (i = 0; i < n; i++) {
		if (data[i] != '\n')
			continue;
		if (b->len == 0 && !b->dropping) {
			/* Whole line inside this chunk: parse a copy. */
			if (i - start < BASELINE_LINE_MAX) {
				memcpy(b->line, data + start, i - start);
				baseline_line(b, b->line, i - start);
			}
		} else if (!b->dropping &&
		    b->len + (i - start) < BASELINE_LINE_MAX) {
			memcpy(b->line + b->len, data + start, i - start);
			baseline_line(b, b->line, b->len + (i - start));
		}
		b->len = 0;
		b->dropping = 0;
		start = i + 1;
	}
	if (start < n && !b->dropping) {
		if (b->len + (n - start) < BASELINE_LINE_MAX) {
			memcpy(b->line + b->len, data + start, n - start);
			b->len += n - start;
		} else {
			b->dropping = 1;
			b->len = 0;
		}
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct baseline b = {0};
	struct curl_slist *h = NULL;
	CURL *c;
	CURLcode rc;

	if (argc != 2) {
		fprintf(stderr, "usage: baseline_reader URL\n");
		return 2;
	}
	b.line = malloc(BASELINE_LINE_MAX + 1);
	if (b.line == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	h = curl_slist_append(h, "Accept: text/event-stream");
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, baseline_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c);
	fflush(stdout);
	fprintf(stderr, "baseline_reader: %ld events\n", b.events);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(b.line);
	return rc == CURLE_OK ? 0 : 1;
}
