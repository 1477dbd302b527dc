/*
 * have_tls_none.c -- compiled into test_http_compat: without a TLS backend
 * macro, microkernel/mk_socket.h defines no HAVE_TLS (and declares no
 * mk_socket_tls_connect).
 */
#undef HAVE_TLS
#undef HAVE_OPENSSL
#undef HAVE_MBEDTLS
#include "microkernel/mk_socket.h"

#ifdef HAVE_TLS
#error "mk_socket.h: HAVE_TLS without a backend"
#endif

int have_tls_without_backend(void);

int have_tls_without_backend(void)
{
    return 0;
}
