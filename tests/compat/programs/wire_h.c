/* wire_h.c -- the original's wire.h (compat/wire-and-mount.md 1): the
 * 28-byte header, checked against golden bytes written from the table
 * (host order = little-endian, _net = big-endian), and deserialize
 * accepting trailing bytes. pkg-config flags only. */

#include <microkernel/message.h>
#include <microkernel/wire.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char golden_net[] = {
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* source 0x0000000100000001 */
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, /* dest 0x0000000200000005 */
    0xFF, 0x00, 0x00, 0x12,                         /* type 0xFF000012 */
    0x00, 0x00, 0x00, 0x02,                         /* payload_size 2 */
    0x00, 0x00, 0x00, 0x00,                         /* reserved */
    'h',  'i'};
static const unsigned char golden_host[] = {
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* source, little-endian */
    0x05, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* dest */
    0x12, 0x00, 0x00, 0xFF,                         /* type */
    0x02, 0x00, 0x00, 0x00,                         /* payload_size */
    0x00, 0x00, 0x00, 0x00,                         /* reserved */
    'h',  'i'};

int main(void)
{
    int ok = WIRE_HEADER_SIZE == 28 && sizeof(wire_header_t) == 28 &&
             offsetof(wire_header_t, source) == 0 && offsetof(wire_header_t, dest) == 8 &&
             offsetof(wire_header_t, type) == 16 && offsetof(wire_header_t, payload_size) == 20 &&
             offsetof(wire_header_t, reserved) == 24;
    message_t *m =
        message_create(0x0000000100000001ull, 0x0000000200000005ull, 0xFF000012u, "hi", 2);
    size_t n = 0;
    unsigned char *net = wire_serialize_net(m, &n);
    ok = ok && net && n == sizeof golden_net && memcmp(net, golden_net, n) == 0;
    unsigned char *host = wire_serialize(m, &n);
    ok = ok && host && n == sizeof golden_host && memcmp(host, golden_host, n) == 0;

    /* A longer buffer is accepted; the frame ends where the header says. */
    unsigned char longer[sizeof golden_net + 5];
    memcpy(longer, golden_net, sizeof golden_net);
    memset(longer + sizeof golden_net, 0xEE, 5);
    message_t *d = wire_deserialize_net(longer, sizeof longer);
    ok = ok && d && d->source == m->source && d->dest == m->dest && d->type == m->type &&
         d->payload_size == 2 && memcmp(d->payload, "hi", 2) == 0;
    message_destroy(d);
    d = wire_deserialize(golden_host, sizeof golden_host);
    ok = ok && d && d->source == m->source && d->type == 0xFF000012u;
    message_destroy(d);
    /* The host-order bytes read through the struct. */
    wire_header_t h;
    memcpy(&h, golden_host, sizeof h);
    ok = ok && h.source == m->source && h.dest == m->dest && h.type == 0xFF000012u &&
         h.payload_size == 2 && h.reserved == 0;
    /* Too short for the header or for the announced payload: NULL. */
    ok = ok && wire_deserialize_net(golden_net, 27) == NULL &&
         wire_deserialize_net(golden_net, 29) == NULL;
    free(net);
    free(host);
    message_destroy(m);
    puts(ok ? "wire_h: ok" : "wire_h: FAILED");
    return ok ? 0 : 1;
}
