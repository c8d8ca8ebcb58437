/* Fuzz target: nts-pcap's file parsers: the NSS key log (SSLKEYLOGFILE), the
 * session keys file (--keys) and the server master-key file. The input is
 * the file text (after a selector octet), handed over through a memfd. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "capture.h"
#include "np.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int fd = memfd_create("nts-fuzz-keys", MFD_CLOEXEC);
	FUZZ_SETUP(fd >= 0);
	if (size > 1)
		FUZZ_SETUP(write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
	char path[64], err[512];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	switch (data[0] % 3) {
	case 0: {
		struct np_keylog *kl = NULL;
		if (np_keylog_load(&kl, path, err, sizeof err) == 0) {
			uint8_t random[32] = { 0 };
			/* look up the random of the first line, if it has one */
			if (size > 1 + 32 + 32)
				memcpy(random, data + 1 + 32, 32);
			(void)np_keylog_find(kl, random);
			np_keylog_free(kl);
		}
		break;
	}
	default: {
		struct np_verify *v = NULL;
		FUZZ_SETUP(np_verify_new(&v) == 0);
		if (data[0] % 3 == 1)
			(void)np_verify_load_keys(v, path, err, sizeof err);
		else
			(void)np_verify_load_server_key(v, path, err, sizeof err);
		np_verify_free(v);
		break;
	}
	}
	close(fd);
	return 0;
}
