/* Unit tests: ntske (pending). */
#include <config.h>

#include "suites.h"

Suite *ntske_suite(void)
{
	return suite_create("ntske");
}
