/* Unit tests: aead (pending). */
#include <config.h>

#include "suites.h"

Suite *aead_suite(void)
{
	return suite_create("aead");
}
