/*
 * net_test_util.h -- helpers shared by the tests of src/net/: transport
 * pairs over real sockets (Unix sockets in a temp dir, TCP/UDP on
 * 127.0.0.1 with kernel-chosen ports), and pumping two runtimes.
 */
#ifndef MK_TESTS_NET_UTIL_H
#define MK_TESTS_NET_UTIL_H

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "microkernel/runtime.h"
#include "microkernel/transport_tcp.h"
#include "microkernel/transport_udp.h"
#include "microkernel/transport_unix.h"
#include "net/net_internal.h"

typedef enum { KIND_UNIX, KIND_TCP } stream_kind_t;

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Temp dirs made by temp_socket_path(), removed (with a socket file left
 * in them) when the test program exits. */
#define TEMP_DIRS_MAX 256
static char temp_dirs[TEMP_DIRS_MAX][32];
static int n_temp_dirs;

static void remove_temp_dirs(void)
{
    for (int i = 0; i < n_temp_dirs; i++) {
        char sock[48];
        snprintf(sock, sizeof sock, "%.31s/sock", temp_dirs[i]);
        unlink(sock);
        rmdir(temp_dirs[i]);
    }
    n_temp_dirs = 0;
}

/* A fresh Unix socket path in its own mkdtemp dir (caller frees the
 * string; the socket file is unlinked by destroy, the dir at exit). */
static inline char *temp_socket_path(void)
{
    if (n_temp_dirs == TEMP_DIRS_MAX)
        return NULL;
    char *dir = temp_dirs[n_temp_dirs];
    snprintf(dir, sizeof temp_dirs[0], "/tmp/mk-net-test-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    if (n_temp_dirs++ == 0)
        atexit(remove_temp_dirs);
    char *path = malloc(strlen(dir) + 8);
    sprintf(path, "%s/sock", dir);
    return path;
}

/* A listener for node `peer` and its connected counterpart for node `me`
 * (what the two sides would each register). The listener's lazy accept is
 * driven here. Returns false on failure. */
static inline bool stream_pair(stream_kind_t kind, node_id_t listener_peer,
                               node_id_t connector_peer, transport_t **listener,
                               transport_t **connector)
{
    if (kind == KIND_UNIX) {
        char *path = temp_socket_path();
        *listener = transport_unix_listen(path, listener_peer);
        *connector = *listener ? transport_unix_connect(path, connector_peer) : NULL;
        free(path);
    } else {
        *listener = transport_tcp_listen("127.0.0.1", 0, listener_peer);
        uint16_t port = transport_tcp_port(*listener);
        *connector = *listener ? transport_tcp_connect("127.0.0.1", port, connector_peer) : NULL;
    }
    if (!*listener || !*connector)
        return false;
    for (int i = 0; i < 1000 && !(*listener)->is_connected(*listener); i++) {
        struct pollfd p = {.fd = (*listener)->fd, .events = POLLIN};
        poll(&p, 1, 10);
        message_t *m = (*listener)->recv(*listener);
        if (m)
            return false; /* nothing may arrive before the accept */
    }
    return (*listener)->is_connected(*listener);
}

/* Wait until `t`'s fd is readable (at most `ms`). */
static inline void wait_readable(transport_t *t, int ms)
{
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    poll(&p, 1, ms);
}

/* Step two runtimes alternately until `*done` or `seconds` pass. */
static inline bool pump2(runtime_t *a, runtime_t *b, volatile bool *done, double seconds)
{
    double end = now_s() + seconds;
    while (!*done && now_s() < end) {
        runtime_step(a);
        runtime_step(b);
    }
    return *done;
}

#endif
