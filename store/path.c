/*
 * path.c - the rules for tracked paths and modes; see path.h.
 */
#include "path.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int
mic_mode_is_file(unsigned mode)
{
	return mode == MIC_MODE_FILE || mode == MIC_MODE_EXEC ||
	    mode == MIC_MODE_LINK;
}

int
mic_path_name_ok(const char *name, size_t len)
{
	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return memchr(name, '/', len) == NULL &&
	    memchr(name, '\0', len) == NULL;
}

int
mic_path_ok(const char *path, size_t len)
{
	size_t i, start = 0;

	if (len >= 4 && memcmp(path, ".mic", 4) == 0 &&
	    (len == 4 || path[4] == '/'))
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (!mic_path_name_ok(path + start, i - start) ||
		    mic_path_name_is_git(path + start, i - start))
			return 0;
		start = i + 1;
	}
	return 1;
}

int
mic_path_name_is_git(const char *name, size_t len)
{
	return len == 4 && strncasecmp(name, ".git", 4) == 0;
}

int
mic_path_is_temp(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && strlen(name) == n + 6 &&
	    strchr(name + n, '/') == NULL;
}

int
mic_path_under(const char *path, const char *prefix)
{
	size_t len = strlen(prefix);

	return len == 0 ||
	    (strncmp(path, prefix, len) == 0 &&
		(path[len] == '\0' || path[len] == '/'));
}

static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static mode_t umask_value;

static void
read_umask(void)
{
	umask_value = umask(0);
	umask(umask_value);
}

mode_t
mic_umask(void)
{
	pthread_once(&umask_once, read_umask);
	return umask_value;
}
