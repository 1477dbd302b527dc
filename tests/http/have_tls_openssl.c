/*
 * have_tls_openssl.c -- compiled into test_http_compat: a consumer that
 * defines only HAVE_OPENSSL gets HAVE_TLS from microkernel/mk_socket.h
 * (seed, mk_socket_tls_connect "#ifdef HAVE_TLS"; issue 14 §2). Fails to
 * compile otherwise.
 */
#undef HAVE_TLS
#undef HAVE_MBEDTLS
#ifndef HAVE_OPENSSL
#define HAVE_OPENSSL 1
#endif
#include "microkernel/mk_socket.h"

#ifndef HAVE_TLS
#error "mk_socket.h: HAVE_OPENSSL without HAVE_TLS"
#endif

int have_tls_with_openssl(void);

/* 1, and mk_socket_tls_connect is declared (its address is taken). */
int have_tls_with_openssl(void)
{
    mk_socket_t *(*fn)(const char *, uint16_t) = mk_socket_tls_connect;
    return fn != NULL;
}
