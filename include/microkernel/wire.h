/*
 * microkernel/wire.h -- the wire format: one message as a 28-byte header and
 * its payload, in host byte order (Unix sockets) or big-endian (TCP, UDP).
 *
 * Source: seed API reference (000), "Wire format". The exact layout, with
 * offsets, sizes and limits, is in docs/wire-format.md. Every function here
 * is pure: no I/O, no global state except the thread's mk_last_error().
 */
#ifndef MICROKERNEL_WIRE_H
#define MICROKERNEL_WIRE_H

#include "microkernel/message.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WIRE_HEADER_SIZE 28u     /* bytes before the payload */
#define WIRE_MAGIC       0x4D4Bu /* "MK" as a 16-bit value in the frame's byte order */
#define WIRE_VERSION     1u      /* format version at offset 2 */
#ifndef WIRE_MAX_PAYLOAD
#define WIRE_MAX_PAYLOAD (16u << 20) /* largest payload accepted or produced: 16 MiB */
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
 * Parse exactly one host-order frame of `buf_size` bytes into a new message
 * (freed by the caller with message_destroy()). Returns NULL, with a reason
 * in mk_last_error(), and never reads outside buf, when buf is NULL, the
 * buffer is shorter than the header, the magic, version or reserved byte is
 * wrong, the payload length exceeds WIRE_MAX_PAYLOAD, the buffer is shorter
 * than header + payload (truncated) or longer (trailing bytes), or memory
 * runs out.
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
 * Checks every header byte as soon as it is present, so garbage is caught
 * after at most 4 bytes and an oversized length as soon as the header is
 * complete. Sets *frame_size to the whole frame's size (header + payload)
 * once the header is complete, else to WIRE_HEADER_SIZE. Returns
 * WIRE_FRAME_ERROR with a reason in mk_last_error() for a bad magic,
 * version or reserved byte, or a payload length above WIRE_MAX_PAYLOAD.
 * Bytes after the frame are not looked at. Pure: no I/O, no allocation.
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
