/* Unit tests: cookie (pending). */
#include <config.h>

#include "suites.h"

Suite *cookie_suite(void)
{
	return suite_create("cookie");
}
