/* The Check suites of libnts, one per module, and the test-vector loader. */
#ifndef NTS_TEST_SUITES_H
#define NTS_TEST_SUITES_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

Suite *buf_suite(void);
Suite *err_log_suite(void);
Suite *ntp_suite(void);
Suite *ntske_suite(void);
Suite *aead_suite(void);
Suite *cookie_suite(void);
Suite *keyfile_suite(void);
Suite *nts_ef_suite(void);
Suite *tls_suite(void);
Suite *conf_suite(void);
Suite *mode6_suite(void);
Suite *serve_suite(void);
Suite *ratelimit_suite(void);
Suite *time_suite(void);
Suite *nts_assoc_suite(void);
Suite *rules_suite(void);
Suite *hex_suite(void);
Suite *num_suite(void);
Suite *refclock_suite(void);
Suite *rcfilter_suite(void);

/* Load testvectors/NAME (hex text: '#' starts a comment, whitespace is
 * ignored). Aborts the test with a clear message if the file is missing or
 * malformed. The caller frees the result. */
uint8_t *tv_load_hex(const char *name, size_t *len);
/* Full path of testvectors/NAME in a static buffer. */
const char *tv_path(const char *name);
/* A master-key ring (rotation 100 s, 7 kept) rotated 'rotations' times at
 * t0, t0 + 100, ...: the key files' tests' fixture. */
struct nts_cookie_ring *tv_ring_rotated(unsigned rotations, time_t t0);
/* A fresh empty directory under the build tree for file tests. */
const char *tv_tmpdir(void);

#endif
