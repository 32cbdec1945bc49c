/* fuzzutil.c - helpers shared by the fuzz targets (see fuzzutil.h). */
#include "fuzzutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The scratch files' paths, made once per process. */
static char fuzz_path[FUZZ_FILES][256];

/* Report and abort. */
void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: property failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Remove the scratch files at exit. */
static void
fuzz_file_remove(void)
{
	int i;

	for (i = 0; i < FUZZ_FILES; i++) {
		if (fuzz_path[i][0] != '\0')
			unlink(fuzz_path[i]);
	}
}

/* Write data to scratch file slot. */
const char *
fuzz_file(int slot, const void *data, size_t size)
{
	static bool registered;
	const char *dir = getenv("TMPDIR");
	char *path = fuzz_path[slot];
	size_t done = 0;
	ssize_t n;
	int fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof fuzz_path[slot],
		    "%s/logdeck-fuzz-%ld-%d.yaml",
		    dir != NULL && dir[0] != '\0' ? dir : "/tmp",
		    (long)getpid(), slot);
		if (!registered)
			atexit(fuzz_file_remove);
		registered = true;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0)
		fuzz_fail("cannot write %s", path);
	while (done < size) {
		n = write(fd, (const char *)data + done, size - done);
		if (n <= 0)
			fuzz_fail("cannot write %s", path);
		done += (size_t)n;
	}
	close(fd);
	return path;
}

/* Copy data and end it with a NUL. */
char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		fuzz_fail("out of memory");
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Where fuzz_touch leaves its result, so the reads are not optimised
 * away. */
static volatile unsigned char fuzz_sink;

/* Read every byte. */
void
fuzz_touch(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned char x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= b[i];
	fuzz_sink = x;
}
