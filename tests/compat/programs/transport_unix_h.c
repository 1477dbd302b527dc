/* transport_unix_h.c -- the original's transport_unix.h (seed 000,
 * compat/wire-and-mount.md 2): listen on a socket path, connect, a message
 * sent by the client arrives at the listener (which accepts lazily), and
 * one back; destroy unlinks the path. pkg-config flags only. */
#define _DEFAULT_SOURCE
#include <microkernel/message.h>
#include <microkernel/transport_unix.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Poll t->recv for up to ~2 s (the listener accepts on its first calls). */
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
    char dir[] = "/tmp/mk_compat_unixXXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[128];
    snprintf(path, sizeof path, "%s/sock", dir);
    transport_t *srv = transport_unix_listen(path, 2);
    transport_t *cli = srv ? transport_unix_connect(path, 1) : NULL;
    int ok = srv && cli && srv->peer_node == 2 && cli->peer_node == 1 && cli->is_connected(cli);
    message_t *m = message_create(0x0000000100000001ull, 0x0000000200000001ull, 42, "ping", 4);
    ok = ok && cli->send(cli, m);
    message_t *got = ok ? wait_recv(srv) : NULL;
    ok = ok && got && got->type == 42 && got->payload_size == 4 &&
         memcmp(got->payload, "ping", 4) == 0 && got->source == m->source;
    message_destroy(got);
    ok = ok && srv->is_connected(srv) && srv->send(srv, m);
    got = ok ? wait_recv(cli) : NULL;
    ok = ok && got && got->type == 42;
    message_destroy(got);
    message_destroy(m);
    if (cli)
        cli->destroy(cli);
    if (srv)
        srv->destroy(srv);
    ok = ok && access(path, F_OK) != 0; /* unlinked */
    unlink(path);
    rmdir(dir);
    puts(ok ? "transport_unix_h: ok" : "transport_unix_h: FAILED");
    return ok ? 0 : 1;
}
