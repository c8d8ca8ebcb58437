/* Unit tests: ntp (pending). */
#include <config.h>

#include "suites.h"

Suite *ntp_suite(void)
{
	return suite_create("ntp");
}
