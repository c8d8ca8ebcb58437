/* nts-pcap unit test suites and shared helpers. */
#ifndef NP_PTEST_H
#define NP_PTEST_H

#include <check.h>

Suite *ntp_decode_suite(void);
Suite *ke_suite(void);
Suite *pipeline_suite(void);

/* Full path of testvectors/NAME (NTS_TESTVECTORS or ./testvectors). */
const char *pt_path(const char *name);

#endif
