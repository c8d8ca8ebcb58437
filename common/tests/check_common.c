/* Runs every Check suite of the common program library; the exit status is the verdict. */
#include <config.h>

#include <stdlib.h>

#include "common/tests/suites.h"

int main(void)
{
	Suite *(*const suites[])(void) = {
		keystore_suite, logsink_suite, opt_suite, keclient_suite,
	};
	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
