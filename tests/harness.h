/* \summary: the shared CUnit harness: each test file registers its suites */
#ifndef VPCSIM_TEST_HARNESS_H
#define VPCSIM_TEST_HARNESS_H

#include <CUnit/CUnit.h>
#include <glib.h>
#include <math.h>

/* Each tests/test_*.c defines this and adds its suites and tests with
 * harness_suite() / CU_add_test(). */
void register_tests(void);

/* Adds a suite with no setup/teardown; aborts on CUnit failure. */
CU_pSuite harness_suite(const char *name);

/* A fresh empty directory under the system's temp dir, removed with its
 * contents by harness_rmtree(); caller frees the string. */
char *harness_tmpdir(void);
void harness_rmtree(const char *dir);

/* Path of a file in the source tree (VPCSIM_SOURCE_DIR), caller frees. */
char *harness_source_path(const char *rel);

/* The text of a file in the source tree ("" if unreadable), caller frees. */
char *harness_source_text(const char *rel);

/* Runs argv (NULL-terminated) capturing stdout and stderr; returns the exit
 * status (-1 if it could not be run). */
int harness_run(const char *const *argv, char **out, char **err);

/* Runs the vpcsim binary under test (VPCSIM_BIN) with the arguments in
 * args (NULL-terminated), from the source tree so bundled scenario paths
 * such as "scenarios/vpc-peering.ini" resolve; out and err may be NULL.
 * Returns the exit status. */
int harness_vpcsim(char **out, char **err, const char *const *args);
/* The same with the arguments listed, ending with NULL. */
int harness_vpcsim_v(char **out, char **err, ...) G_GNUC_NULL_TERMINATED;

/* Everything a child writes on fd until it closes it ("" on error); closes
 * fd.  Through a GIOChannel: <unistd.h>'s read() would bring its link(),
 * which clashes with the link type of net.h. */
char *harness_read_fd(int fd);

/* TRUE if `prog` is on PATH. */
gboolean harness_have(const char *prog);

/* `msg` without the line numbers of "FILE.ini:LINE: " ("t.ini:12: [vpc a]"
 * becomes "t.ini: [vpc a]"), for tests about the rest of a message.
 * Caller frees. */
char *harness_unline(const char *msg);

#define ASSERT_NEAR(actual, expected, tol) \
	CU_ASSERT(fabs((double)(actual) - (double)(expected)) <= (double)(tol))

#endif
