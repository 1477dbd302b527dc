/*
 * fuzz_wire.c -- libFuzzer target for the wire format: wire_deserialize,
 * wire_deserialize_net, the incremental framer (wire_frame_check) fed in
 * chunks the input chooses, and the real stream transport receiving the
 * bytes over a socketpair. Invariants checked beyond "no crash":
 *  - a frame that deserialises re-serialises to its own bytes (the frame
 *    only: a longer buffer is allowed; the reserved field reads back as 0);
 *  - a frame the framer calls complete always deserialises.
 * Seed corpus: tests/fuzz/corpus/wire/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "microkernel/message.h"
#include "microkernel/wire.h"
#include "net/net_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const uint8_t *data, size_t size, bool net)
{
    message_t *m = net ? wire_deserialize_net(data, size) : wire_deserialize(data, size);
    if (!m)
        return;
    size_t n = 0;
    void *again = net ? wire_serialize_net(m, &n) : wire_serialize(m, &n);
    if (!again || n != WIRE_HEADER_SIZE + m->payload_size || n > size)
        abort();
    unsigned char *want = malloc(n);
    memcpy(want, data, n);
    memset(want + 24, 0, 4); /* reserved: ignored on read, written 0 */
    if (memcmp(again, want, n) != 0)
        abort();
    free(want);
    free(again);
    message_destroy(m);
}

/* Feed `data` to the framer in chunks sized by the input's own bytes. */
static void frame_in_chunks(const uint8_t *data, size_t size, bool net)
{
    uint8_t *buf = malloc(size + 1);
    size_t have = 0, fed = 0, start = 0;
    unsigned k = 0;
    while (fed < size) {
        size_t chunk = 1 + (data[k++ % size] % 37);
        if (chunk > size - fed)
            chunk = size - fed;
        memcpy(buf + have, data + fed, chunk);
        have += chunk;
        fed += chunk;
        for (;;) {
            size_t frame = 0;
            wire_frame_status_t st = wire_frame_check(buf + start, have - start, net, &frame);
            if (st == WIRE_FRAME_ERROR)
                goto done;
            if (st == WIRE_FRAME_INCOMPLETE)
                break;
            if (frame < WIRE_HEADER_SIZE || frame > have - start)
                abort();
            message_t *m = net ? wire_deserialize_net(buf + start, frame)
                               : wire_deserialize(buf + start, frame);
            if (!m)
                abort();
            message_destroy(m);
            start += frame;
        }
    }
done:
    free(buf);
}

static void quiet(void *ctx, int level, const char *text)
{
    (void)ctx;
    (void)level;
    (void)text;
}

/* The real receive path: bytes through a socketpair into a stream transport. */
static void stream_receive(const uint8_t *data, size_t size, bool net)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
        return;
    transport_t *t = mk_stream_create(2, -1, sv[0], "fuzz", net, 1 << 20, NULL);
    if (!t) {
        close(sv[1]);
        return;
    }
    mk_net_common(t)->log = quiet;
    size_t off = 0;
    unsigned k = 0;
    while (off < size && t->is_connected(t)) {
        size_t chunk = 1 + (data[k++ % size] % 97);
        if (chunk > size - off)
            chunk = size - off;
        ssize_t w = write(sv[1], data + off, chunk);
        if (w <= 0)
            break;
        off += (size_t)w;
        message_t *m;
        while ((m = t->recv(t)) != NULL)
            message_destroy(m);
    }
    close(sv[1]);
    message_t *m;
    while ((m = t->recv(t)) != NULL)
        message_destroy(m);
    t->destroy(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    round_trip(data, size, false);
    round_trip(data, size, true);
    if (size == 0)
        return 0;
    frame_in_chunks(data, size, false);
    frame_in_chunks(data, size, true);
    stream_receive(data, size, data[0] & 1);
    return 0;
}
