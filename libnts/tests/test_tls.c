/* Unit tests: tls (pending). */
#include <config.h>

#include "suites.h"

Suite *tls_suite(void)
{
	return suite_create("tls");
}
