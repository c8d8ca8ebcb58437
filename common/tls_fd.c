/* tls_fd: libnts's TLS sessions moving bytes over the program's socket. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/tls_fd.h"

static int ctx_fd(void *ctx)
{
	return (int)(intptr_t)ctx;
}

static long fd_pull(void *ctx, void *buf, size_t len)
{
	ssize_t n = recv(ctx_fd(ctx), buf, len, 0);
	if (n < 0 && errno == ENOTSOCK)
		n = read(ctx_fd(ctx), buf, len);
	return (long)n;
}

static long fd_push(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct msghdr m = {.msg_iov = (struct iovec *)(uintptr_t)iov, .msg_iovlen = (size_t)iovcnt};
	ssize_t n = sendmsg(ctx_fd(ctx), &m, MSG_NOSIGNAL);
	if (n < 0 && errno == ENOTSOCK)
		n = writev(ctx_fd(ctx), iov, iovcnt);
	return (long)n;
}

struct nts_tls_transport tls_fd_transport(int fd)
{
	return (struct nts_tls_transport){.pull = fd_pull, .push = fd_push,
					  .ctx = (void *)(intptr_t)fd};
}
