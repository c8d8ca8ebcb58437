/* Unit tests: buf (pending). */
#include <config.h>

#include "suites.h"

Suite *buf_suite(void)
{
	return suite_create("buf");
}
