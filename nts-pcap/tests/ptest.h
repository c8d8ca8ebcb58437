/* nts-pcap unit test suites and shared helpers. */
#ifndef NP_PTEST_H
#define NP_PTEST_H

#include <check.h>

Suite *ntp_decode_suite(void);
Suite *ke_suite(void);
Suite *pipeline_suite(void);

/* tv_path(), tv_load_hex(): the test-vector helpers of libnts's tests */
#include "libnts/tests/suites.h"

#endif
