/*
 * have_tls_mbedtls.c -- compiled into test_http_compat: HAVE_MBEDTLS alone
 * (the original's ESP32 backend) also gives HAVE_TLS in
 * microkernel/mk_socket.h, and no TLS macro gives none. Only the header is
 * checked; nothing from mbedTLS is linked.
 */
#undef HAVE_TLS
#undef HAVE_OPENSSL
#define HAVE_MBEDTLS 1
#include "microkernel/mk_socket.h"

#ifndef HAVE_TLS
#error "mk_socket.h: HAVE_MBEDTLS without HAVE_TLS"
#endif

int have_tls_with_mbedtls(void);

int have_tls_with_mbedtls(void)
{
    return HAVE_TLS;
}
