/*
 * transport_unix.c -- Unix domain stream socket transports (seed
 * "Transport" -> "Unix domain sockets"): socket setup only; framing,
 * queueing and lazy accept live in stream.c. Host byte order frames.
 *
 * Called by the application before runtime_add_transport(); may block only
 * in connect(), which for Unix sockets returns at once.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "microkernel/transport_unix.h"
#include "net/net_internal.h"

/* Fill `sa` for `path`; false with a reason when it does not fit. */
static bool make_addr(const char *fn, const char *path, struct sockaddr_un *sa)
{
    if (!path || !path[0])
        return mk_fail("%s: path is %s", fn, path ? "empty" : "NULL");
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len >= sizeof sa->sun_path)
        return mk_fail("%s: path \"%s\" is %zu bytes; at most %zu fit", fn, path, len,
                       sizeof sa->sun_path - 1);
    memcpy(sa->sun_path, path, len + 1);
    return true;
}

/* Whether something accepts connections at `sa` right now. */
static bool someone_listens(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool live = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    close(fd);
    return live;
}

transport_t *transport_unix_listen(const char *path, node_id_t peer_node)
{
    struct sockaddr_un sa;
    if (!make_addr("transport_unix_listen", path, &sa))
        return NULL;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mk_set_error("transport_unix_listen: socket: %s", strerror(errno));
        return NULL;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        struct stat st;
        int err = errno;
        /* A socket file left by a process that died may be replaced. */
        if (err == EADDRINUSE && stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
            !someone_listens(&sa) && unlink(path) == 0 &&
            bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            err = 0;
        }
        if (err) {
            mk_set_error("transport_unix_listen: bind \"%s\": %s", path, strerror(err));
            close(fd);
            return NULL;
        }
    }
    if (listen(fd, 8) < 0) {
        mk_set_error("transport_unix_listen: listen \"%s\": %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return NULL;
    }
    transport_t *t =
        mk_stream_create(peer_node, fd, -1, "unix", false, MK_UNIX_SEND_QUEUE_MAX, path);
    if (!t)
        unlink(path);
    return t;
}

transport_t *transport_unix_connect(const char *path, node_id_t peer_node)
{
    struct sockaddr_un sa;
    if (!make_addr("transport_unix_connect", path, &sa))
        return NULL;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mk_set_error("transport_unix_connect: socket: %s", strerror(errno));
        return NULL;
    }
    /* Non-blocking from the start: a Unix connect either succeeds at once,
     * or fails with EAGAIN when the listener's backlog is full. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        mk_set_error("transport_unix_connect: connect \"%s\": %s%s", path, strerror(errno),
                     errno == EAGAIN ? " (listener backlog full)" : "");
        close(fd);
        return NULL;
    }
    return mk_stream_create(peer_node, -1, fd, "unix", false, MK_UNIX_SEND_QUEUE_MAX, NULL);
}
