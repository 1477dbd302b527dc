/*
 * microkernel/wire.h -- the wire format: one message as a 28-byte header and
 * its payload, in host byte order (Unix sockets) or big-endian (TCP, UDP).
 *
 * Source: seed API reference (000), "Wire format", and the original's
 * wire.h (../shared/compat/wire-and-mount.md section 1): source u64 @0,
 * dest u64 @8, type u32 @16, payload_size u32 @20, reserved u32 @24
 * (written 0, ignored on read); no magic, no version. Offsets, sizes and
 * limits are in docs/wire-format.md. Every function here is pure: no I/O,
 * no global state except the thread's mk_last_error().
 */
#ifndef MICROKERNEL_WIRE_H
#define MICROKERNEL_WIRE_H

#include <stdint.h>

#include "microkernel/message.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WIRE_HEADER_SIZE 28u /* bytes before the payload (the original's value) */

/*
 * The header as the original declares it (compat/wire-and-mount.md
 * section 1): packed, exactly WIRE_HEADER_SIZE bytes. Fields are in host
 * order for wire_serialize() and big-endian for the _net variants; reserved
 * is written 0 and ignored on read. The functions below read and write the
 * bytes directly; the struct is for programs that look at a frame.
 */
typedef struct __attribute__((packed)) {
    actor_id_t source;     /* @0: sending actor, 0 outside an actor and for registry sync */
    actor_id_t dest;       /* @8: destination actor, 0 for registry messages */
    msg_type_t type;       /* @16 */
    uint32_t payload_size; /* @20: payload bytes after the header */
    uint32_t reserved;     /* @24: 0 */
} wire_header_t;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(wire_header_t) == WIRE_HEADER_SIZE, "wire_header_t is 28 bytes");
#endif
/* Largest payload accepted or produced: 16 MiB. Our limit, beyond the
 * original (which grows its buffer to whatever a header announces). */
#ifndef WIRE_MAX_PAYLOAD
#define WIRE_MAX_PAYLOAD (16u << 20) /* bytes; may be set at build time */
#endif
#define WIRE_UDP_MAX_DATAGRAM 65507u /* largest UDP/IPv4 datagram, header included */
#define WIRE_UDP_MAX_PAYLOAD  (WIRE_UDP_MAX_DATAGRAM - WIRE_HEADER_SIZE) /* 65479 */

/*
 * Serialise `msg` in host byte order: WIRE_HEADER_SIZE header bytes followed
 * by msg->payload_size payload bytes, copied verbatim (the payload is opaque;
 * its own byte order is the application's business). Stores the total size
 * in *out_size. Returns a buffer from the library allocator, which the caller
 * frees with free(3) (or the allocator's free when mk_set_allocator() is in
 * use). Returns NULL, with a reason in mk_last_error(), when msg or out_size
 * is NULL, the payload is NULL with a non-zero size, the payload exceeds
 * WIRE_MAX_PAYLOAD, or memory runs out.
 */
void *wire_serialize(const message_t *msg, size_t *out_size);

/*
 * Parse the host-order frame at the start of the `buf_size` bytes at `buf`
 * into a new message (freed by the caller with message_destroy()); bytes
 * after the frame are ignored, as the original does. The reserved field is
 * not looked at. Returns NULL, with a reason in mk_last_error(), and never
 * reads outside buf, when buf is NULL, the buffer is shorter than the
 * header or than header + payload (truncated), the payload length exceeds
 * WIRE_MAX_PAYLOAD, a runtime-to-runtime registry frame (dest 0, type
 * MSG_NAME_REGISTER 72, MSG_NAME_UNREGISTER 64, MSG_PATH_REGISTER 136,
 * MSG_PATH_UNREGISTER 128 bytes) has another payload size, or memory runs
 * out.
 */
message_t *wire_deserialize(const void *buf, size_t buf_size);

/* As wire_serialize(), with every header field big-endian (network order). */
void *wire_serialize_net(const message_t *msg, size_t *out_size);

/* As wire_deserialize(), for a big-endian (network order) frame. */
message_t *wire_deserialize_net(const void *buf, size_t buf_size);

/*
 * Extension (not in the seed): the incremental stream framer. Stream
 * transports accumulate bytes and ask how long the frame at the start of
 * the buffer is.
 */
typedef enum {
    WIRE_FRAME_ERROR = -1,     /* the bytes can never become a valid frame */
    WIRE_FRAME_INCOMPLETE = 0, /* valid so far; more bytes are needed */
    WIRE_FRAME_COMPLETE = 1    /* a whole frame of *frame_size bytes is at buf */
} wire_frame_status_t;

/*
 * Look at the `len` bytes at `buf` (the start of a frame; may be 0 bytes)
 * in host order (`net_order` false) or big-endian (`net_order` true).
 * Frames are delimited by the header's payload_size field alone, so
 * nothing can be judged before the 28 header bytes are there. Sets
 * *frame_size to the whole frame's size (header + payload) once the header
 * is complete, else to WIRE_HEADER_SIZE. Returns WIRE_FRAME_ERROR with a
 * reason in mk_last_error() for a payload length above WIRE_MAX_PAYLOAD or
 * a registry frame (dest 0) whose payload size is not its type's fixed
 * size (see wire_deserialize()); a stream that produced one cannot be
 * trusted any more. Bytes after the frame are not looked at. Pure: no I/O,
 * no allocation.
 */
wire_frame_status_t wire_frame_check(const void *buf, size_t len, bool net_order,
                                     size_t *frame_size);

/*
 * Extension: write the header of `msg` (WIRE_HEADER_SIZE bytes) to `out`,
 * without the payload, so transports can send header and payload with one
 * gather write. Returns false with a reason when the payload exceeds
 * WIRE_MAX_PAYLOAD or is NULL with a non-zero size.
 */
bool wire_encode_header(const message_t *msg, bool net_order, unsigned char out[WIRE_HEADER_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
