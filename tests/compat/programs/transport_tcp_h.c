/* transport_tcp_h.c -- the original's transport_tcp.h (seed 000,
 * compat/wire-and-mount.md 2): listen on 127.0.0.1 (an ephemeral port read
 * back from the vtable's fd), connect, exchange a message each way.
 * pkg-config flags only. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <microkernel/message.h>
#include <microkernel/transport_tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
    transport_t *srv = transport_tcp_listen("127.0.0.1", 0, 2);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int ok = srv && srv->fd >= 0 && getsockname(srv->fd, (struct sockaddr *)&a, &al) == 0;
    transport_t *cli = ok ? transport_tcp_connect("127.0.0.1", ntohs(a.sin_port), 1) : NULL;
    ok = ok && cli && cli->is_connected(cli) && cli->peer_node == 1;
    message_t *m =
        message_create(0x0000000100000003ull, 0x0000000200000004ull, 0xFF000012u, "abc", 3);
    ok = ok && cli->send(cli, m);
    message_t *got = ok ? wait_recv(srv) : NULL;
    ok = ok && got && got->type == 0xFF000012u && got->dest == m->dest && got->payload_size == 3 &&
         memcmp(got->payload, "abc", 3) == 0;
    message_destroy(got);
    ok = ok && srv->send(srv, m);
    got = ok ? wait_recv(cli) : NULL;
    ok = ok && got && got->source == m->source;
    message_destroy(got);
    message_destroy(m);
    if (cli)
        cli->destroy(cli);
    if (srv)
        srv->destroy(srv);
    ok = ok && transport_tcp_connect("not-an-ip", 1, 1) == NULL; /* IPv4 literals only */

    /* transport_tcp_from_fd: a socket connected by the program itself. */
    srv = transport_tcp_listen("127.0.0.1", 0, 2);
    al = sizeof a;
    ok = ok && srv && getsockname(srv->fd, (struct sockaddr *)&a, &al) == 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ok = ok && fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    cli = ok ? transport_tcp_from_fd(fd, 2) : NULL;
    m = message_create(0x0000000100000003ull, 0x0000000200000004ull, 0xFF000012u, "fd", 2);
    ok = ok && cli && cli->is_connected(cli) && cli->send(cli, m);
    got = ok ? wait_recv(srv) : NULL;
    ok = ok && got && got->payload_size == 2 && memcmp(got->payload, "fd", 2) == 0;
    message_destroy(got);
    message_destroy(m);
    if (cli)
        cli->destroy(cli);
    if (srv)
        srv->destroy(srv);
    int unconnected = socket(AF_INET, SOCK_STREAM, 0);
    ok =
        ok && transport_tcp_from_fd(unconnected, 2) == NULL && transport_tcp_from_fd(-1, 2) == NULL;
    close(unconnected);
    puts(ok ? "transport_tcp_h: ok" : "transport_tcp_h: FAILED");
    return ok ? 0 : 1;
}
