/* transport_udp_h.c -- the original's transport_udp.h (seed 000,
 * compat/wire-and-mount.md 2): bind on 127.0.0.1 (ephemeral port read back
 * from the fd), connect, one message per datagram; the bound side learns
 * its peer from the first datagram and answers; more than 65507 bytes is
 * refused. pkg-config flags only. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <microkernel/message.h>
#include <microkernel/transport_udp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static message_t *wait_recv(transport_t *t)
{
    for (int i = 0; i < 200; i++) {
        message_t *m = t->recv(t);
        if (m)
            return m;
        poll(NULL, 0, 10);
    }
    return NULL;
}

int main(void)
{
    transport_t *srv = transport_udp_bind("127.0.0.1", 0, 2);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int ok = srv && srv->fd >= 0 && getsockname(srv->fd, (struct sockaddr *)&a, &al) == 0;
    transport_t *cli = ok ? transport_udp_connect("127.0.0.1", ntohs(a.sin_port), 1) : NULL;
    ok = ok && cli != NULL;
    message_t *m = message_create(1, 0x0000000200000001ull, 7, "dgram", 5);
    ok = ok && cli->send(cli, m);
    message_t *got = ok ? wait_recv(srv) : NULL;
    ok = ok && got && got->type == 7 && got->payload_size == 5 &&
         memcmp(got->payload, "dgram", 5) == 0;
    message_destroy(got);
    ok = ok && srv->send(srv, m);
    got = ok ? wait_recv(cli) : NULL;
    ok = ok && got && got->type == 7;
    message_destroy(got);
    message_destroy(m);
    /* 28 + 65480 > 65507: refused. */
    char *big = calloc(1, 65480);
    message_t *bm = big ? message_create(1, 2, 8, big, 65480) : NULL;
    ok = ok && bm && !cli->send(cli, bm);
    message_destroy(bm);
    free(big);
    if (cli)
        cli->destroy(cli);
    if (srv)
        srv->destroy(srv);
    puts(ok ? "transport_udp_h: ok" : "transport_udp_h: FAILED");
    return ok ? 0 : 1;
}
