/* transport_h.c -- the original's transport.h (seed 000 "Transport",
 * compat/wire-and-mount.md 2): the vtable's fields in order. pkg-config
 * flags only. */
#include <microkernel/transport.h>
#include <stddef.h>
#include <stdio.h>

int main(void)
{
    int ok = offsetof(transport_t, peer_node) == 0 &&
             offsetof(transport_t, fd) > offsetof(transport_t, peer_node) &&
             offsetof(transport_t, send) > offsetof(transport_t, fd) &&
             offsetof(transport_t, recv) > offsetof(transport_t, send) &&
             offsetof(transport_t, is_connected) > offsetof(transport_t, recv) &&
             offsetof(transport_t, destroy) > offsetof(transport_t, is_connected) &&
             offsetof(transport_t, impl) > offsetof(transport_t, destroy);
    transport_t t = {0};
    t.peer_node = 2;
    t.fd = -1;
    bool (*send)(transport_t *, const message_t *) = t.send;
    message_t *(*recv)(transport_t *) = t.recv;
    ok = ok && send == NULL && recv == NULL && t.impl == NULL;
    puts(ok ? "transport_h: ok" : "transport_h: FAILED");
    return ok ? 0 : 1;
}
