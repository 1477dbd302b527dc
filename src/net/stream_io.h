/*
 * stream_io.h -- the I/O method table of a stream transport (stream.c):
 * how the bytes of the connection are read and written. By default the
 * plain socket (read/send with MSG_NOSIGNAL); an authenticated node link
 * sets TLS (link_tls.c) after its handshake. Private to the runtime.
 */
#ifndef MK_NET_STREAM_IO_H
#define MK_NET_STREAM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "microkernel/transport.h"

typedef struct mk_stream_io {
    /* Like read(2): > 0 bytes read, 0 end of stream, -1 with errno
     * (EAGAIN / EWOULDBLOCK: nothing now, wait for the fd). */
    ssize_t (*read)(void *ctx, void *buf, size_t len);
    /* Like send(2) with MSG_NOSIGNAL: bytes taken (maybe fewer), -1 with
     * errno (EAGAIN: try again when writable; after EAGAIN the next call
     * passes at least the same bytes again). Never raises SIGPIPE. */
    ssize_t (*write)(void *ctx, const void *buf, size_t len);
    /* Bytes already received and decoded that a read returns without the
     * fd becoming readable (TLS records buffered in user space). */
    size_t (*pending)(void *ctx);
    /* Release ctx (the stream closes the fd itself afterwards). */
    void (*close)(void *ctx);
} mk_stream_io_t;

/*
 * Make the connected stream transport `t` (from mk_stream_create with a
 * conn_fd) do its I/O through `io` with `ctx`, which `t` owns from here on
 * (io->close(ctx) when the connection is dropped or the transport
 * destroyed, also when this call fails). False with a reason when `t` is
 * not a connected stream transport.
 */
bool mk_stream_set_io(transport_t *t, const mk_stream_io_t *io, void *ctx);

#endif
