/*
 * microkernel/transport.h -- the transport method table.
 *
 * Source: seed API reference (000), "Transport". A transport carries
 * messages to and from one peer node. The runtime polls `fd` for input and
 * then calls recv() until it returns NULL.
 */
#ifndef MICROKERNEL_TRANSPORT_H
#define MICROKERNEL_TRANSPORT_H

#include "microkernel/message.h"
#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct transport {
    node_id_t peer_node;                                   /* node this transport reaches */
    int fd;                                                /* polled for input; -1 if none yet */
    bool (*send)(transport_t *self, const message_t *msg); /* false: not sent (reason set) */
    message_t *(*recv)(transport_t *self);   /* next whole message or NULL; caller frees */
    bool (*is_connected)(transport_t *self); /* peer reachable */
    void (*destroy)(transport_t *self);      /* close and free everything */
    void *impl;                              /* implementation state */
};

#ifdef __cplusplus
}
#endif

#endif
