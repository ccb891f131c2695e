/*
 * tap.h - a tiny TAP producer for mic's C unit tests.
 *
 *	ok(x == 1, "x is one");
 *	is_str(got, "want", "name");
 *	skip("git is missing");		// one test that could not run
 *	todo(x == 1, "x is one", "bug: ...");	// a known bug: not a failure
 *	return tap_done();	// prints the plan; exit 1 if anything failed
 */
#ifndef MIC_TAP_H
#define MIC_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int
tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))

#define is_str(got, want, name) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if (!tap_ok(g_ && w_ && strcmp(g_, w_) == 0, __FILE__, \
			__LINE__, (name))) \
			printf("#   got:  '%s'\n#   want: '%s'\n", \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

/* A test that could not run here: "ok N # SKIP why". */
static inline void
tap_skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

#define skip(why) tap_skip(why)

/*
 * A test of a known bug: "not ok N - name # TODO why" does not fail the
 * suite; once the bug is fixed it passes and the harness reports an
 * unexpected pass, so the TODO can go.
 */
static inline int
tap_todo(int cond, const char *file, int line, const char *name,
    const char *why)
{
	tap_n++;
	printf("%sok %d - %s # TODO %s\n", cond ? "" : "not ", tap_n, name,
	    why);
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
	return cond;
}

#define todo(cond, name, why) \
	tap_todo(!!(cond), __FILE__, __LINE__, (name), (why))

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
