/*
 * wire.c -- the wire format (seed "Wire format"; the original's 28-byte
 * header, compat wire-and-mount.md section 1; layout in
 * docs/wire-format.md) and the incremental stream framer.
 *
 * Called by the transports and by anyone who stores messages. Pure code:
 * no I/O, no global state besides the thread's last-error string. Every
 * read from an outside buffer is bounds-checked before it happens.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "microkernel/wire.h"

/* Header offsets (docs/wire-format.md; the original's wire.h, compat
 * wire-and-mount.md section 1). */
enum {
    OFF_SOURCE = 0,   /* u64 */
    OFF_DEST = 8,     /* u64 */
    OFF_TYPE = 16,    /* u32 */
    OFF_LENGTH = 20,  /* u32 payload bytes */
    OFF_RESERVED = 24 /* u32, written 0, ignored on read */
};

/* Runtime-to-runtime frames whose payload size is fixed (compat section 3.2). */
static const struct {
    msg_type_t type;
    uint32_t size;
} fixed_sizes[] = {
    {0xFF000012u, 72},  /* MSG_NAME_REGISTER: name[64] + actor id */
    {0xFF000013u, 64},  /* MSG_NAME_UNREGISTER: name[64] */
    {0xFF00001Bu, 136}, /* MSG_PATH_REGISTER: path[128] + actor id */
    {0xFF00001Cu, 128}, /* MSG_PATH_UNREGISTER: path[128] */
};

/* Host <-> big-endian. Whole-word loads and stores with a byte swap
 * instead of byte loops: the framer and codec run once per message. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BE32(v) __builtin_bswap32(v)
#define BE64(v) __builtin_bswap64(v)
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BE32(v) (v)
#define BE64(v) (v)
#else
#error "wire.c: unknown host byte order"
#endif

static void put_u32(unsigned char *p, uint32_t v, bool net)
{
    if (net)
        v = BE32(v);
    memcpy(p, &v, sizeof v);
}

static void put_u64(unsigned char *p, uint64_t v, bool net)
{
    if (net)
        v = BE64(v);
    memcpy(p, &v, sizeof v);
}

static uint32_t get_u32(const unsigned char *p, bool net)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return net ? BE32(v) : v;
}

static uint64_t get_u64(const unsigned char *p, bool net)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return net ? BE64(v) : v;
}

bool wire_encode_header(const message_t *msg, bool net, unsigned char out[WIRE_HEADER_SIZE])
{
    if (!msg || !out)
        return mk_fail("wire: %s is NULL", msg ? "output buffer" : "message");
    if (msg->payload_size > WIRE_MAX_PAYLOAD)
        return mk_fail("wire: payload of %zu bytes exceeds the %u-byte limit", msg->payload_size,
                       WIRE_MAX_PAYLOAD);
    if (!msg->payload && msg->payload_size > 0)
        return mk_fail("wire: payload is NULL but payload_size is %zu", msg->payload_size);
    put_u64(out + OFF_SOURCE, msg->source, net);
    put_u64(out + OFF_DEST, msg->dest, net);
    put_u32(out + OFF_TYPE, msg->type, net);
    put_u32(out + OFF_LENGTH, (uint32_t)msg->payload_size, net);
    put_u32(out + OFF_RESERVED, 0, net);
    return true;
}

static void *serialize(const message_t *msg, size_t *out_size, bool net)
{
    if (!out_size) {
        mk_set_error("wire_serialize: out_size is NULL");
        return NULL;
    }
    unsigned char hdr[WIRE_HEADER_SIZE];
    if (!wire_encode_header(msg, net, hdr))
        return NULL;
    size_t total = WIRE_HEADER_SIZE + msg->payload_size;
    unsigned char *buf = mk_malloc(total);
    if (!buf) {
        mk_set_error("wire_serialize: out of memory for %zu bytes", total);
        return NULL;
    }
    memcpy(buf, hdr, WIRE_HEADER_SIZE);
    if (msg->payload_size)
        memcpy(buf + WIRE_HEADER_SIZE, msg->payload, msg->payload_size);
    *out_size = total;
    return buf;
}

void *wire_serialize(const message_t *msg, size_t *out_size)
{
    return serialize(msg, out_size, false);
}

void *wire_serialize_net(const message_t *msg, size_t *out_size)
{
    return serialize(msg, out_size, true);
}

wire_frame_status_t wire_frame_check(const void *buf, size_t len, bool net, size_t *frame_size)
{
    const unsigned char *p = buf;
    size_t dummy;
    if (!frame_size)
        frame_size = &dummy;
    *frame_size = WIRE_HEADER_SIZE;
    if (!p && len > 0) {
        mk_set_error("wire: buffer is NULL");
        return WIRE_FRAME_ERROR;
    }
    if (len < WIRE_HEADER_SIZE)
        return WIRE_FRAME_INCOMPLETE;
    uint32_t plen = get_u32(p + OFF_LENGTH, net);
    if (plen > WIRE_MAX_PAYLOAD) {
        mk_set_error("wire: payload length %u exceeds the %u-byte limit", plen, WIRE_MAX_PAYLOAD);
        return WIRE_FRAME_ERROR;
    }
    if (get_u64(p + OFF_DEST, net) == ACTOR_ID_INVALID) {
        uint32_t type = get_u32(p + OFF_TYPE, net);
        for (size_t i = 0; i < sizeof fixed_sizes / sizeof fixed_sizes[0]; i++) {
            if (fixed_sizes[i].type == type && fixed_sizes[i].size != plen) {
                mk_set_error("wire: runtime-to-runtime frame of type 0x%08x carries %u payload "
                             "bytes; its payload is %u bytes",
                             type, plen, fixed_sizes[i].size);
                return WIRE_FRAME_ERROR;
            }
        }
    }
    *frame_size = WIRE_HEADER_SIZE + (size_t)plen;
    return len >= *frame_size ? WIRE_FRAME_COMPLETE : WIRE_FRAME_INCOMPLETE;
}

static message_t *deserialize(const void *buf, size_t buf_size, bool net)
{
    if (!buf) {
        mk_set_error("wire_deserialize: buffer is NULL");
        return NULL;
    }
    size_t frame = 0;
    wire_frame_status_t st = wire_frame_check(buf, buf_size, net, &frame);
    if (st == WIRE_FRAME_ERROR)
        return NULL;
    if (st == WIRE_FRAME_INCOMPLETE) {
        if (buf_size < WIRE_HEADER_SIZE)
            mk_set_error("wire_deserialize: %zu bytes is shorter than the %u-byte header", buf_size,
                         WIRE_HEADER_SIZE);
        else
            mk_set_error("wire_deserialize: truncated frame: %zu of %zu bytes", buf_size, frame);
        return NULL;
    }
    const unsigned char *p = buf;
    size_t plen = frame - WIRE_HEADER_SIZE;
    return message_create(get_u64(p + OFF_SOURCE, net), get_u64(p + OFF_DEST, net),
                          get_u32(p + OFF_TYPE, net), plen ? p + WIRE_HEADER_SIZE : NULL, plen);
}

message_t *wire_deserialize(const void *buf, size_t buf_size)
{
    return deserialize(buf, buf_size, false);
}

message_t *wire_deserialize_net(const void *buf, size_t buf_size)
{
    return deserialize(buf, buf_size, true);
}
