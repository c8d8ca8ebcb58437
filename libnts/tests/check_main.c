/* Runs every libnts Check suite; the exit status is the test verdict. */
#include <config.h>

#include <stdlib.h>

#include "suites.h"

int main(void)
{
	Suite *(*const suites[])(void) = {
		buf_suite, err_log_suite, ntp_suite, ntske_suite, aead_suite,
		cookie_suite, keyfile_suite, nts_ef_suite, tls_suite,
		conf_suite, mode6_suite, serve_suite, nts_assoc_suite, rules_suite, ratelimit_suite,
		time_suite, hex_suite, num_suite,
		refclock_suite, rcfilter_suite,
	};
	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
