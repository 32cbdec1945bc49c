/* policy.c - what a stream does when a transfer ends (see policy.h). */
#include "net/policy.h"

struct policy_decision
policy_decide(const struct policy_facts *f)
{
	struct policy_decision d = {POLICY_FAILED, POLICY_WHY_NONE};
	long st = f->status;

#define DECIDE(a, w) \
	do { \
		d.action = (a); \
		d.why = (w); \
		return d; \
	} while (0)

	/* First what the body said, then the transport, then the status. */
	if (f->terminal && f->is_sse)
		DECIDE(POLICY_ENDED, POLICY_WHY_NONE);
	if (f->too_big) /* asking again would fetch the same page again */
		DECIDE(POLICY_FAILED, POLICY_WHY_TOO_BIG);
	if (f->token_expired && f->renewable)
		DECIDE(POLICY_RENEW, POLICY_WHY_UNAUTHORIZED);
	if (st == 200 && f->is_json && f->net == POLICY_NET_OK)
		DECIDE(POLICY_POLL, POLICY_WHY_NONE);
	if (st == 200 && f->req != POLICY_REQ_STREAM && f->net == POLICY_NET_OK)
		DECIDE(POLICY_FAILED, POLICY_WHY_NOT_JSON);
	if (f->net == POLICY_NET_FATAL) /* a certificate, a URL */
		DECIDE(POLICY_FAILED, POLICY_WHY_TRANSPORT);
	if (f->net != POLICY_NET_OK || st == 0)
		DECIDE(POLICY_RETRY, POLICY_WHY_TRANSPORT);
	/* A clean end without a terminal status: libcurl 7.88 may report a
	 * reset HTTP/2 stream this way. Resume. */
	if (st == 200)
		DECIDE(POLICY_RETRY, POLICY_WHY_CLOSED);
	if (st == 204)
		DECIDE(POLICY_GONE, POLICY_WHY_NO_MORE_LOGS);
	if (st == 404 && f->req == POLICY_REQ_POLL_STATE && f->uses_runs &&
	    !f->no_runs)
		DECIDE(POLICY_RUNS_FALLBACK, POLICY_WHY_NONE);
	if (st == 404 && f->has_run && f->body_names_run)
		DECIDE(POLICY_GONE, POLICY_WHY_NO_RUN);
	if (st == 404)
		DECIDE(POLICY_GONE, POLICY_WHY_NOT_FOUND);
	if ((st == 401 || st == 403) && f->renewable)
		DECIDE(POLICY_RENEW, POLICY_WHY_UNAUTHORIZED);
	if (st == 401 || st == 403 || f->token_expired)
		DECIDE(POLICY_UNAUTHORIZED, POLICY_WHY_UNAUTHORIZED);
	if (st == 429 || st >= 500 || st == 408)
		DECIDE(POLICY_RETRY, POLICY_WHY_BUSY);
	DECIDE(POLICY_FAILED, POLICY_WHY_REFUSED);
#undef DECIDE
}

struct policy_wait
policy_backoff(long base_ms, unsigned attempt, long cap_ms,
    long retry_after_ms, uint64_t rnd)
{
	struct policy_wait w;
	unsigned shift =
	    attempt < POLICY_MAX_DOUBLINGS ? attempt : POLICY_MAX_DOUBLINGS;

	if (base_ms <= 0)
		base_ms = POLICY_DEFAULT_RETRY_MS;
	w.ceiling_ms = (uint64_t)base_ms << shift;
	if (cap_ms > 0 && w.ceiling_ms > (uint64_t)cap_ms)
		w.ceiling_ms = (uint64_t)cap_ms;
	w.delay_ms = (w.ceiling_ms ? rnd % w.ceiling_ms : 0) +
	             POLICY_MIN_WAIT_MS;
	if (retry_after_ms >= 0 && (uint64_t)retry_after_ms > w.delay_ms)
		w.delay_ms = (uint64_t)retry_after_ms;
	return w;
}

long
policy_retry_after_ms(long long secs)
{
	if (secs < 0)
		return -1;
	if (secs > POLICY_MAX_RETRY_AFTER_MS / 1000)
		return POLICY_MAX_RETRY_AFTER_MS;
	return (long)secs * 1000;
}

int
policy_exit_status(enum policy_action stop, long http_status,
    enum run_status run, bool has_exit_code, int exit_code)
{
	switch (stop) {
	case POLICY_ENDED:
		/* A run that completed with a non-zero exit code failed. */
		if (run == RUN_FAILED || run == RUN_CANCELLED ||
		    (has_exit_code && exit_code != 0))
			return POLICY_EXIT_RUN_FAILED;
		return POLICY_EXIT_OK;
	case POLICY_GONE:
		/* 204 is the server's documented "stop": not an error. */
		return http_status == 204 ? POLICY_EXIT_OK
		                          : POLICY_EXIT_UNREACHABLE;
	case POLICY_UNAUTHORIZED:
	case POLICY_FAILED:
		return POLICY_EXIT_UNREACHABLE;
	case POLICY_POLL:
	case POLICY_RENEW:
	case POLICY_RETRY:
	case POLICY_RUNS_FALLBACK:
		break;
	}
	return -1;
}
