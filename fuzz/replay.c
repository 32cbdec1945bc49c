/* replay.c - the replay test of a fuzz target without libFuzzer: feeds
 * every file of its seed corpus (FUZZ_CORPUS, or the directories and files
 * named on the command line) to LLVMFuzzerTestOneInput once. A property
 * that fails aborts, so `make check` fails; built with gcc like the other
 * unit tests. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzzutil.h"

/* Largest corpus file replayed (libFuzzer's default -max_len is 4096;
 * hand-made seeds stay well under this). */
#define REPLAY_FILE_MAX (8 * 1024 * 1024)

/* Feed one file; 0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((data = malloc(REPLAY_FILE_MAX)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(data, 1, REPLAY_FILE_MAX, f);
	fclose(f);
	/* A copy of exactly n bytes, so a read past the end is one. */
	data = realloc(data, n > 0 ? n : 1);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

/* Feed every regular file of dir, or dir itself when it is a file; the
 * count fed is added to *count. 0, or -1. */
static int
replay_path(const char *path, long *count)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (stat(sub, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		fprintf(stderr, "replay: %s\n", sub);
		if (replay_file(sub) != 0)
			rc = -1;
		(*count)++;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	long count = 0;
	int i, rc = 0;

	if (argc < 2)
		rc = replay_path(FUZZ_CORPUS, &count);
	for (i = 1; i < argc; i++) {
		if (replay_path(argv[i], &count) != 0)
			rc = -1;
	}
	if (count == 0) {
		fprintf(stderr, "replay: no input replayed\n");
		return 1;
	}
	printf("replayed %ld inputs\n", count);
	return rc == 0 ? 0 : 1;
}
