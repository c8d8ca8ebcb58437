/* Unit tests: err_log (pending). */
#include <config.h>

#include "suites.h"

Suite *err_log_suite(void)
{
	return suite_create("err_log");
}
