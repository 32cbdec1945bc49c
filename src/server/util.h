/* util.h - small helpers shared by the server modules: clock, timestamps,
 * integer formatting, constant-time comparison, safe log lines. */
#ifndef LOGDECK_SERVER_UTIL_H
#define LOGDECK_SERVER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of an ISO 8601 timestamp "2024-12-07T14:23:45.123Z". */
#define UTIL_ISO_LEN 24
/* Longest message of one log line, NUL included (longer ones are cut). */
#define UTIL_LOG_MAX 2048

/* Wall-clock time in milliseconds since the epoch. */
int64_t util_now_ms(void);
/* Monotonic time in milliseconds. */
int64_t util_mono_ms(void);
/* Monotonic time in microseconds (durations in the metrics and the access
 * log). */
int64_t util_mono_us(void);
/* Write ms (epoch milliseconds) as UTIL_ISO_LEN characters plus a NUL. */
void util_iso_time(char out[UTIL_ISO_LEN + 1], int64_t ms);
/* Write v in decimal (no NUL); returns the number of digits (at most 20). */
size_t util_u64_dec(char *out, uint64_t v);
/* Parse a whole string as a decimal integer in [min, max]; 0 or -1. */
int util_parse_ll(const char *s, long long min, long long max, long long *out);
/* Compare secret (the server's) with given (the client's) in time that does
 * not depend on where they differ. */
bool util_secret_equal(
    const char *given, size_t given_len, const char *secret, size_t secret_len);
/* True when s (n bytes) is a valid source id. */
bool util_valid_id(const char *s, size_t n);
/* Print one line to stderr: time, "logdeck-server:", the message; with
 * util_log_set_json, one JSON object {"time","message"} instead. */
void util_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write log lines as JSON objects (--log-format json), or as text. */
void util_log_set_json(bool json);
/* Whether log lines are JSON objects. */
bool util_log_json(void);
/* Copy untrusted text into out (NUL-terminated, at most outlen bytes) with
 * every byte outside printable ASCII written as \xHH, for log lines. */
void util_log_safe(char *out, size_t outlen, const char *s);

#endif
