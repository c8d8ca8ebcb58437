/* Unit tests: nts_ef (pending). */
#include <config.h>

#include "suites.h"

Suite *nts_ef_suite(void)
{
	return suite_create("nts_ef");
}
