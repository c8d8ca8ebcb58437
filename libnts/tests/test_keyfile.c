/* Unit tests: keyfile (pending). */
#include <config.h>

#include "suites.h"

Suite *keyfile_suite(void)
{
	return suite_create("keyfile");
}
