/* wasi_sock.c -- a wasm32-wasi server on the listening socket mk-wasm
 * passes with --listen-fd (guest fd 3): accepts one connection, answers
 * each received chunk with "echo:" + chunk until the peer shuts its side,
 * then shuts its own (sock_accept, sock_recv, sock_send, sock_shutdown,
 * poll_oneoff on a socket). Driven by sock_test.py. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    struct pollfd p = {.fd = 3, .events = POLLIN};
    if (poll(&p, 1, 10000) != 1) {
        printf("poll listener failed\n");
        return 1;
    }
    int c = accept(3, NULL, NULL);
    if (c < 0) {
        printf("accept: %s\n", strerror(errno));
        return 1;
    }
    char buf[256], out[300];
    ssize_t n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
        memcpy(out, "echo:", 5);
        memcpy(out + 5, buf, (size_t)n);
        if (send(c, out, (size_t)n + 5, 0) != n + 5) {
            printf("send: %s\n", strerror(errno));
            return 1;
        }
    }
    if (n < 0) {
        printf("recv: %s\n", strerror(errno));
        return 1;
    }
    printf("shutdown=%d\n", shutdown(c, SHUT_WR));
    close(c);
    printf("served\n");
    return 0;
}
