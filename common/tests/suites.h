/* The Check suites of the common program library, one per module. */
#ifndef COMMON_TEST_SUITES_H
#define COMMON_TEST_SUITES_H

#include <check.h>

#include "libnts/tests/suites.h"   /* tv_tmpdir(), tv_path() */

Suite *keystore_suite(void);
Suite *logsink_suite(void);
Suite *opt_suite(void);
Suite *keclient_suite(void);

#endif
