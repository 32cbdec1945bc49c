/* client.c - how to reach the log server: common curl options, URLs and a
 * blocking GET for start-up look-ups. */
#include "config.h"
#include "net/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/auth.h"
#include "net/policy.h"
#include "core/buf.h"

/* How long a start-up look-up may take in all. */
#define CLIENT_SYNC_TIMEOUT_S 30
#define CLIENT_CONNECT_TIMEOUT_MS 10000

/* libcurl's -vv trace with the Authorization header masked: the token
 * must never reach a terminal or a log file. */
static int
client_trace(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	const char *prefix;
	size_t i, n;

	switch (type) {
	case CURLINFO_TEXT:
		prefix = "* ";
		break;
	case CURLINFO_HEADER_IN:
		prefix = "< ";
		break;
	case CURLINFO_HEADER_OUT:
		prefix = "> ";
		break;
	default:
		return 0; /* bodies are the data itself */
	}
	for (i = 0; i < size; i += n) {
		const char *nl = memchr(data + i, '\n', size - i);

		n = nl ? (size_t)(nl - (data + i)) + 1 : size - i;
		if (n > 14 &&
		    strncasecmp(data + i, "Authorization:", 14) == 0) {
			fprintf(stderr, "%sAuthorization: [masked]\n", prefix);
			continue;
		}
		fputs(prefix, stderr);
		for (size_t k = 0; k < n; k++) {
			unsigned char ch = (unsigned char)data[i + k];

			if (ch == '\n' || (ch >= 0x20 && ch < 0x7f))
				fputc(ch, stderr);
			else if (ch != '\r')
				fprintf(stderr, "\\x%02x", ch);
		}
		if (data[i + n - 1] != '\n')
			fputc('\n', stderr);
	}
	return 0;
}

void
client_setup(const struct client_cfg *c, CURL *easy, struct curl_slist **hdrs,
    const char *accept)
{
	char line[64 + AUTH_MAX_TOKEN];
	const char *token;

	curl_easy_setopt(
	    easy, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(
	    easy, CURLOPT_CONNECTTIMEOUT_MS, (long)CLIENT_CONNECT_TIMEOUT_MS);
	/* Kernel keepalive finds a dead peer even when the server sends
	 * nothing; the stall timer covers the rest. */
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	if (c->insecure) {
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->ca_file != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file);
	/* https negotiates HTTP/2 through ALPN by default; plain http only
	 * speaks it when told the server does. */
	if (c->http2 && strncmp(c->server, "http://", 7) == 0)
		curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
		    (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	if (c->verbose > 1) {
		curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, client_trace);
		curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
	}

	*hdrs = NULL;
	if (accept != NULL) {
		snprintf(line, sizeof line, "Accept: %s", accept);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	if ((token = auth_token(c->auth)) != NULL) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", token);
		*hdrs = curl_slist_append(*hdrs, line);
		/* The token lived on the stack only for the copy. */
		memset(line, 0, sizeof line);
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, *hdrs);
}

bool
client_multiplexed(const struct client_cfg *c)
{
	return c->http2 || strncmp(c->server, "https://", 8) == 0;
}

char *
client_url(const struct client_cfg *c, const char *kind_path, const char *id,
    const char *suffix)
{
	struct buf b;
	char *esc = NULL;

	buf_init(&b, 16384);
	if (id != NULL && (esc = curl_easy_escape(NULL, id, 0)) == NULL)
		return NULL;
	buf_printf(&b, "%s/api/%s", c->server, kind_path);
	if (esc != NULL)
		buf_printf(&b, "/%s", esc);
	if (suffix != NULL)
		buf_puts(&b, suffix);
	curl_free(esc);
	return b.p;
}

/* Write callback of the blocking GET: append to a bounded buffer. */
static size_t
client_sync_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) != 0)
		return 0;
	return size * n;
}

long
client_get_sync(const struct client_cfg *c, const char *url, char **body,
    size_t *len, char *err, size_t errlen)
{
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf b;
	CURLcode rc;
	long status = 0;

	*body = NULL;
	*len = 0;
	if ((easy = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	buf_init(&b, CLIENT_MAX_BODY);
	client_setup(c, easy, &hdrs, "application/json");
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)CLIENT_SYNC_TIMEOUT_S);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, client_sync_write);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(easy);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		*body = b.p != NULL ? b.p : strdup("");
		*len = b.len;
	} else {
		if (rc == CURLE_WRITE_ERROR)
			snprintf(err, errlen, "response larger than %d bytes",
			    CLIENT_MAX_BODY);
		else
			snprintf(err, errlen, "%s",
			    *errbuf ? errbuf : curl_easy_strerror(rc));
		buf_free(&b);
	}
	curl_easy_cleanup(easy);
	curl_slist_free_all(hdrs);
	return status;
}

long
client_retry_after_ms(const char *v, size_t n)
{
	char tmp[64];
	long secs;
	char *end;
	time_t when;

	while (
	    n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n > 0 && *v == ' ') {
		v++;
		n--;
	}
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	secs = strtol(tmp, &end, 10);
	if (*end != '\0') {
		/* An HTTP date: the seconds from now, a past one now. */
		if ((when = curl_getdate(tmp, NULL)) < 0)
			return -1;
		secs = (long)(when - time(NULL));
		if (secs < 0)
			secs = 0;
	}
	return policy_retry_after_ms(secs);
}
