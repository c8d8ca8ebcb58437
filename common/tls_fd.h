/* A TLS session's transport over a socket the program owns. */
#ifndef COMMON_TLS_FD_H
#define COMMON_TLS_FD_H

#include "nts/tls.h"

/* recv/sendmsg on fd (MSG_NOSIGNAL: a peer that hung up gives EPIPE, not
 * SIGPIPE); read/writev when fd is not a socket. The fd stays the caller's. */
struct nts_tls_transport tls_fd_transport(int fd);

#endif
