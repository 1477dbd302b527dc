/*
 * test_http_tls.c -- https:// and wss:// against real TLS peers with a test
 * CA made here with the openssl CLI: `openssl s_server -www` and Node's ws
 * over https. The client trusts the test CA only through SSL_CERT_FILE
 * (OpenSSL's standard override), so verification stays on: a certificate
 * for another host and one from an untrusted CA must fail with a clear
 * MSG_HTTP_ERROR (HTTP_ERR_TLS). Also mk_socket_tls_connect (blocking).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "microkernel/error.h"
#include "microkernel/mk_socket.h"

static char dir[64];

/* Make key + certificate `name` for subjectAltName `san`, signed by CA `ca`. */
static void make_cert(const char *name, const char *san, const char *ca)
{
    int rc = peer_system(
        "cd %s && openssl req -newkey rsa:2048 -nodes -keyout %s.key -out %s.csr -subj /CN=%s "
        ">/dev/null 2>&1 && printf 'subjectAltName=%s\\n' > %s.ext && "
        "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial -days 2 "
        "-extfile %s.ext -out %s.pem >/dev/null 2>&1",
        dir, name, name, name, san, name, name, ca, ca, name, name);
    assert_int_equal(rc, 0);
}

static pid_t s_server(const char *cert, uint16_t port)
{
    char c[128], k[128], p[16];
    snprintf(c, sizeof c, "%s/%s.pem", dir, cert);
    snprintf(k, sizeof k, "%s/%s.key", dir, cert);
    snprintf(p, sizeof p, "%u", port);
    char *argv[] = {"openssl", "s_server", "-quiet", "-www", "-accept", p,
                    "-cert",   c,          "-key",   k,      NULL};
    pid_t pid = peer_spawn(argv, NULL);
    if (!peer_wait_port(port, 10000))
        fail_msg("openssl s_server did not start");
    return pid;
}

static int setup(void **state)
{
    (void)state;
    peer_require("openssl");
    snprintf(dir, sizeof dir, "%s", peer_tmpdir());
    for (int i = 0; i < 2; i++) {
        const char *ca = i ? "evil" : "ca";
        assert_int_equal(peer_system("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout "
                                     "%s.key -out %s.pem -days 2 -subj /CN=test-%s >/dev/null 2>&1",
                                     dir, ca, ca, ca),
                         0);
    }
    make_cert("good", "DNS:localhost,IP:127.0.0.1", "ca");
    make_cert("wrong", "DNS:wrong.example", "ca");
    make_cert("untrusted", "DNS:localhost,IP:127.0.0.1", "evil");
    char ca[128];
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    setenv("SSL_CERT_FILE", ca, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    peer_system("rm -rf %s", dir);
    return 0;
}

static void test_https_client(void **state)
{
    (void)state;
    uint16_t p_good = peer_free_port(), p_wrong = peer_free_port(), p_evil = peer_free_port();
    pid_t a = s_server("good", p_good), b = s_server("wrong", p_wrong),
          e = s_server("untrusted", p_evil);
    runtime_t *rt = runtime_init(1, 64);
    collector_t *c = calloc(1, sizeof *c);
    c->timeout_ms = 10000;
    snprintf(c->req[0].url, 256, "https://localhost:%u/", p_good);
    snprintf(c->req[1].url, 256, "https://127.0.0.1:%u/", p_good);
    snprintf(c->req[2].url, 256, "https://localhost:%u/", p_wrong);
    snprintf(c->req[3].url, 256, "https://localhost:%u/", p_evil);
    c->n = 4;
    collector_run(rt, c, 30000);
    for (int i = 0; i < 2; i++) {
        if (c->res[i].status != 200)
            fail_msg("%s: status %d, error %d (%s)", c->req[i].url, c->res[i].status,
                     c->res[i].err_code, c->res[i].err);
        assert_non_null(strstr(c->res[i].body, "s_server"));
    }
    for (int i = 2; i < 4; i++) {
        printf("# %s -> %s\n", c->req[i].url, c->res[i].err);
        if (c->res[i].err_code != HTTP_ERR_TLS)
            fail_msg("%s: error %d (%s), want HTTP_ERR_TLS", c->req[i].url, c->res[i].err_code,
                     c->res[i].err);
        assert_non_null(strstr(c->res[i].err, "certificate verify failed"));
    }
    assert_non_null(strstr(c->res[2].err, "mismatch"));
    collector_free(c);
    free(c);
    runtime_destroy(rt);

    /* the blocking socket API: same verification */
    mk_socket_t *s = mk_socket_tls_connect("localhost", p_good);
    if (!s)
        fail_msg("mk_socket_tls_connect: %s", mk_last_error());
    const char *req = "GET / HTTP/1.0\r\n\r\n";
    assert_int_equal(s->write(s, (const uint8_t *)req, strlen(req)), (ssize_t)strlen(req));
    uint8_t buf[256];
    ssize_t n = -1;
    for (int i = 0; i < 500 && n < 0; i++) {
        n = s->read(s, buf, sizeof buf - 1);
        if (n < 0)
            usleep(10000);
    }
    assert_true(n > 0);
    buf[n] = 0;
    assert_non_null(strstr((char *)buf, "HTTP/1.0 200"));
    s->close(s);
    assert_null(mk_socket_tls_connect("localhost", p_wrong));
    assert_non_null(strstr(mk_last_error(), "certificate verify failed"));
    peer_stop(a);
    peer_stop(b);
    peer_stop(e);
}

static int wss_close;

static bool wss_actor(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    const char *url = state;
    switch (msg->type) {
    case MSG_GO: assert_true(actor_ws_connect(rt, url) != HTTP_CONN_ID_INVALID); break;
    case MSG_WS_OPEN: {
        const ws_status_payload_t *s = msg->payload;
        assert_true(actor_ws_send_text(rt, s->conn_id, "over tls", 8));
        break;
    }
    case MSG_WS_MESSAGE: {
        const ws_message_payload_t *m = msg->payload;
        assert_string_equal(ws_message_data(m), "over tls");
        assert_true(actor_ws_close(rt, m->conn_id, 1000, NULL));
        break;
    }
    case MSG_WS_CLOSED:
    case MSG_WS_ERROR:
        wss_close = msg->type == MSG_WS_CLOSED
                        ? ((const ws_status_payload_t *)msg->payload)->close_code
                        : -1;
        runtime_stop(rt);
        break;
    default: break;
    }
    return true;
}

static void test_wss_client(void **state)
{
    (void)state;
    peer_require("node");
    if (peer_system("node -e \"require('ws')\" 2>/dev/null") != 0)
        fail_msg("Node package 'ws' missing (ctest fixture http_node_setup)");
    uint16_t port = peer_free_port();
    char ps[16], script[512], cert[128], key[128];
    snprintf(ps, sizeof ps, "%u", port);
    snprintf(script, sizeof script, "%s/ws_peer.js", peer_scripts());
    snprintf(cert, sizeof cert, "%s/good.pem", dir);
    snprintf(key, sizeof key, "%s/good.key", dir);
    char *argv[] = {"node", script, "wss-server", ps, cert, key, NULL};
    pid_t pid = peer_spawn(argv, NULL);
    assert_true(peer_wait_port(port, 10000));
    static char url[64];
    snprintf(url, sizeof url, "wss://localhost:%u/", port);
    runtime_t *rt = runtime_init(1, 16);
    actor_id_t a = actor_spawn(rt, wss_actor, url, NULL, 64);
    actor_send(rt, a, MSG_GO, NULL, 0);
    wss_close = 0;
    peer_run(rt, 20000);
    runtime_destroy(rt);
    peer_stop(pid);
    assert_int_equal(wss_close, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https_client),
        cmocka_unit_test(test_wss_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
