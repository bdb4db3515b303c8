/* How every test program's main() runs its suite: check's normal output,
 * exit status from the number of failures. A header of its own, with no
 * code to link, so that test programs which link nothing else of tests/
 * (check_log, check_slab) use it too. */
#ifndef SBC_TEST_RUN_H
#define SBC_TEST_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int sbc_test_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
