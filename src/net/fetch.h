/* fetch.h - one JSON GET or POST on the shared curl multi handle, never
 * blocking the loop: for look-ups the viewer makes while it runs (a
 * source's runs) and for token renewal (transport layer). */
#ifndef LOGDECK_FETCH_H
#define LOGDECK_FETCH_H

#include <stddef.h>

struct loop;
struct client_cfg;
struct fetch;

/* Largest answer a fetch takes; past it the fetch fails, saying so. */
#define FETCH_MAX_BODY (4 * 1024 * 1024)
/* Longest a fetch may take, in seconds. */
#define FETCH_TIMEOUT_S 10

/* Called once from the loop when the fetch ends: the HTTP status (0 when
 * no answer came, with err saying why), and the body (len bytes, NUL
 * ended, valid only during the call). The fetch is freed after it. */
typedef void (*fetch_done_fn)(
    long status, const char *body, size_t len, const char *err, void *arg);

/* GET url (copied) with the client's TLS and token settings; done is
 * called later, never from inside fetch_get. A 401 or 403 renews the
 * token (cfg->auth, on the loop, as streams and the list do) and asks
 * once more; done hears the refusal only when that fails for good (a
 * renewal that failed for now ends the fetch with status 0 and err
 * "token renewal failed (...)", as a network error does). cfg must
 * outlive the fetch. NULL on allocation failure (done is not called
 * then). */
struct fetch *fetch_get(struct loop *loop, const struct client_cfg *cfg,
    const char *url, fetch_done_fn done, void *arg);
/* POST json (copied; wiped with the answer when the fetch is freed, for
 * both may carry secrets) as application/json; otherwise as fetch_get,
 * but a refusal is not retried (token renewal itself posts). */
struct fetch *fetch_post(struct loop *loop, const struct client_cfg *cfg,
    const char *url, const char *json, fetch_done_fn done, void *arg);
/* The Retry-After of the answer, in ms (client_retry_after_ms), or -1
 * when it had none; for done, while it runs. */
long fetch_retry_after_ms(const struct fetch *f);
/* Abandon a fetch that has not ended; done is not called. NULL is fine. */
void fetch_cancel(struct fetch *f);

#endif
