/* test_link_auth.c -- the pieces of authenticated node links (src/net/):
 * the AUTH1/AUTH2/VERDICT parsers on good and malformed input, the
 * transcript signature and HMAC (a flipped byte fails), node keys (file
 * mode, reuse, refusal of a readable file, parsing), the trust list file,
 * TLS between two link_io over real TCP (handshake, pinned keys, equal
 * exporters), a stream transport carrying frames through TLS (small and
 * 256 KiB), and no SIGPIPE when the peer resets mid-write. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "microkernel/error.h"
#include "microkernel/message.h"
#include "microkernel/transport_tcp.h"
#include "net/link_auth.h"
#include "net/link_tls.h"
#include "net/net_internal.h"
#include "net/node_key.h"
#include "net/stream_io.h"
#include "net/trust.h"

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/mk-link-auth-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rm_rf(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* ---- Parsers ------------------------------------------------------------ */

static void test_auth1_parser_takes_exactly_80_bytes_and_refuses_bad_ones(void **st)
{
    (void)st;
    link_auth1_t a = {.version = 1, .flags = LINK_F_KEY | LINK_F_TLS}, b;
    memset(a.nonce, 0xA5, sizeof a.nonce);
    memset(a.pub, 0x5A, sizeof a.pub);
    unsigned char buf[LINK_AUTH1_SIZE + 10];
    link_auth1_write(&a, buf);
    memset(buf + LINK_AUTH1_SIZE, 'X', 10); /* whatever follows is not taken */
    const char *why;
    assert_int_equal(link_auth1_parse(buf, sizeof buf, &b, &why), LINK_AUTH1_SIZE);
    assert_int_equal(b.flags, a.flags);
    assert_memory_equal(b.nonce, a.nonce, LINK_AUTH_NONCE);
    assert_memory_equal(b.pub, a.pub, NODE_KEY_RAW);
    for (size_t n = 0; n < LINK_AUTH1_SIZE; n++)
        assert_int_equal(link_auth1_parse(buf, n, &b, &why), 0);
    buf[2] = 'X'; /* bad magic: known at once */
    assert_int_equal(link_auth1_parse(buf, 3, &b, &why), -1);
    assert_non_null(why);
    link_auth1_write(&a, buf);
    buf[11] = 2; /* version 2 */
    assert_int_equal(link_auth1_parse(buf, LINK_AUTH1_SIZE, &b, &why), -1);
    assert_non_null(strstr(why, "version"));
}

static void test_auth2_and_verdict_parsers_are_bounded(void **st)
{
    (void)st;
    unsigned char buf[400] = {0};
    link_auth2_t a;
    assert_int_equal(link_auth2_parse(buf, 63, false, &a), 0);
    assert_int_equal(link_auth2_parse(buf, 64, false, &a), 64);
    assert_int_equal(link_auth2_parse(buf, 95, true, &a), 0);
    assert_int_equal(link_auth2_parse(buf, 96, true, &a), 96);
    assert_true(a.has_hmac);

    link_verdict_t v;
    const char *why;
    size_t n = link_verdict_write(false, "no\x1b[31m way", buf);
    assert_int_equal(link_verdict_parse(buf, n, &v, &why), (long)n);
    assert_false(v.ok);
    assert_string_equal(v.reason, "no?[31m way"); /* control bytes never reach a log raw */
    assert_int_equal(link_verdict_parse(buf, n - 1, &v, &why), 0);
    n = link_verdict_write(true, NULL, buf);
    assert_int_equal(n, LINK_VERDICT_HDR);
    assert_int_equal(link_verdict_parse(buf, n, &v, &why), LINK_VERDICT_HDR);
    assert_true(v.ok);
    memcpy(buf, "MKNO\x01\x00", 6); /* 256-byte reason: over the bound */
    assert_int_equal(link_verdict_parse(buf, 6, &v, &why), -1);
    assert_non_null(strstr(why, "200"));
    assert_int_equal(link_verdict_parse("HTTP/1.1", 8, &v, &why), -1);
    assert_int_equal(link_verdict_parse("MK", 2, &v, &why), 0);
    char longr[300];
    memset(longr, 'r', sizeof longr - 1);
    longr[sizeof longr - 1] = '\0';
    n = link_verdict_write(false, longr, buf); /* cut at 200 */
    assert_int_equal(n, LINK_VERDICT_HDR + LINK_VERDICT_MAX);
}

/* ---- Crypto --------------------------------------------------------------- */

static void test_transcript_signature_and_hmac_catch_any_change(void **st)
{
    (void)st;
    char *dir = temp_dir();
    node_key_t *k = node_key_load(dir);
    assert_non_null(k);
    unsigned char hc[40], hl[40], ac[80], al[80], ex[32], tr[LINK_TRANSCRIPT_SIZE];
    memset(hc, 1, 40), memset(hl, 2, 40), memset(ac, 3, 80), memset(al, 4, 80), memset(ex, 5, 32);
    link_auth_transcript(tr, 'C', hc, hl, ac, al, ex);
    assert_int_equal(LINK_TRANSCRIPT_SIZE, 288);
    assert_memory_equal(tr, "mk-link-auth-v1C", 16);
    unsigned char sig[NODE_KEY_SIG];
    assert_true(link_auth_sign(k->pkey, tr, sizeof tr, sig));
    assert_true(link_auth_verify(k->pub, tr, sizeof tr, sig));
    /* The same transcript signed as the other role does not verify. */
    unsigned char tr2[LINK_TRANSCRIPT_SIZE];
    link_auth_transcript(tr2, 'L', hc, hl, ac, al, ex);
    assert_false(link_auth_verify(k->pub, tr2, sizeof tr2, sig));
    for (size_t i = 0; i < sizeof tr; i += 37) {
        tr[i] ^= 1;
        assert_false(link_auth_verify(k->pub, tr, sizeof tr, sig));
        tr[i] ^= 1;
    }
    unsigned char h1[32], h2[32];
    link_auth_hmac("cookie", 6, tr, sizeof tr, h1);
    link_auth_hmac("cookiE", 6, tr, sizeof tr, h2);
    assert_memory_not_equal(h1, h2, 32);
    node_key_free(k);
    rm_rf(dir);
}

static void test_node_key_is_private_reused_and_refused_when_readable(void **st)
{
    (void)st;
    char *dir = temp_dir();
    node_key_t *k = node_key_load(dir);
    assert_non_null(k);
    char path[600];
    snprintf(path, sizeof path, "%s/node.key", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(strlen(k->text), NODE_KEY_TEXT_MAX);
    node_key_t *again = node_key_load(dir);
    assert_string_equal(again->text, k->text);
    node_key_free(again);
    unsigned char pub[NODE_KEY_RAW];
    assert_true(node_key_parse(k->text, strlen(k->text), pub));
    assert_memory_equal(pub, k->pub, NODE_KEY_RAW);
    assert_true(node_key_parse(k->text + 8, 64, pub)); /* bare hex */
    assert_false(node_key_parse(k->text, 70, pub));
    assert_false(node_key_parse("ed25519:xyz", 11, pub));
    assert_false(node_key_parse("rsa:00", 6, pub));
    node_key_free(k);
    chmod(path, 0640);
    assert_null(node_key_load(dir));
    assert_non_null(strstr(mk_last_error(), "chmod 600"));
    /* Not a key at all. */
    chmod(path, 0600);
    FILE *f = fopen(path, "w");
    fputs("hello\n", f);
    fclose(f);
    assert_null(node_key_load(dir));
    assert_non_null(strstr(mk_last_error(), "not a PEM private key"));
    assert_null(node_key_load(NULL));
    rm_rf(dir);
}

static void test_trust_list_lines_add_remove(void **st)
{
    (void)st;
    unsigned char pub[NODE_KEY_RAW];
    assert_int_equal(trust_parse_line("", 0, pub), 0);
    assert_int_equal(trust_parse_line("  # a comment", 13, pub), 0);
    assert_int_equal(trust_parse_line("garbage", 7, pub), -1);
    const char *k1 = "ed25519:0101010101010101010101010101010101010101010101010101010101010101";
    const char *k2 = "ed25519:0202020202020202020202020202020202020202020202020202020202020202";
    char line[120];
    snprintf(line, sizeof line, "  %s   # laptop", k1);
    assert_int_equal(trust_parse_line(line, strlen(line), pub), 1);
    assert_int_equal(pub[0], 1);

    char *dir = temp_dir();
    unsigned char p1[NODE_KEY_RAW], p2[NODE_KEY_RAW];
    node_key_parse(k1, strlen(k1), p1);
    node_key_parse(k2, strlen(k2), p2);
    bool err = true;
    assert_false(trust_contains(dir, p1, &err)); /* no file: empty list */
    assert_false(err);
    char path[600];
    snprintf(path, sizeof path, "%s/trusted_keys", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# nodes allowed to mount this one\nnot a key\n%s # laptop\n", k1);
    fclose(f);
    assert_true(trust_contains(dir, p1, NULL));
    assert_false(trust_contains(dir, p2, NULL));
    bool added, removed;
    assert_true(trust_add(dir, k2, &added));
    assert_true(added);
    assert_true(trust_add(dir, k2, &added));
    assert_false(added);
    assert_true(trust_contains(dir, p2, NULL));
    assert_true(trust_remove(dir, k1, &removed));
    assert_true(removed);
    assert_false(trust_contains(dir, p1, NULL));
    assert_true(trust_remove(dir, k1, &removed));
    assert_false(removed);
    assert_false(trust_add(dir, "ed25519:12", NULL));
    /* Comments and other lines survive the edits. */
    f = fopen(path, "r");
    char all[1024] = "";
    size_t got = fread(all, 1, sizeof all - 1, f);
    all[got] = '\0';
    fclose(f);
    assert_non_null(strstr(all, "# nodes allowed to mount this one\n"));
    assert_non_null(strstr(all, "not a key\n"));
    rm_rf(dir);
}

/* ---- TLS over real TCP ------------------------------------------------------ */

static void tcp_pair(int *a, int *b)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&sa, &sl);
    *a = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(*a, (struct sockaddr *)&sa, sizeof sa), 0);
    *b = accept(l, NULL, NULL);
    assert_true(*b >= 0);
    close(l);
    fcntl(*a, F_SETFL, O_NONBLOCK);
    fcntl(*b, F_SETFL, O_NONBLOCK);
}

typedef struct {
    char *dir[2];
    node_key_t *key[2];
    SSL_CTX *ctx[2];
    int fd[2];
    link_io_t *io[2]; /* [0] client (connector), [1] server */
} tls_pair_t;

static void tls_pair_open(tls_pair_t *p)
{
    for (int i = 0; i < 2; i++) {
        p->dir[i] = temp_dir();
        p->key[i] = node_key_load(p->dir[i]);
        assert_non_null(p->key[i]);
        p->ctx[i] = link_tls_ctx(p->key[i], i ? "server" : "client");
        assert_non_null(p->ctx[i]);
    }
    tcp_pair(&p->fd[0], &p->fd[1]);
    p->io[0] = link_io_new(p->fd[0], p->ctx[0], false);
    p->io[1] = link_io_new(p->fd[1], p->ctx[1], true);
    int done[2] = {0, 0};
    for (int round = 0; round < 1000 && !(done[0] && done[1]); round++)
        for (int i = 0; i < 2; i++) {
            bool ww;
            if (!done[i]) {
                int r = link_io_handshake(p->io[i], &ww);
                if (r < 0)
                    fail_msg("handshake side %d: %s", i, mk_last_error());
                done[i] = r == 1;
            }
        }
    assert_true(done[0] && done[1]);
}

static void tls_pair_close(tls_pair_t *p)
{
    for (int i = 0; i < 2; i++) {
        link_io_free(p->io[i]);
        if (p->fd[i] >= 0)
            close(p->fd[i]);
        link_tls_ctx_free(p->ctx[i]);
        node_key_free(p->key[i]);
        rm_rf(p->dir[i]);
    }
}

static void test_tls_pins_keys_and_both_sides_export_the_same_secret(void **st)
{
    (void)st;
    tls_pair_t p;
    tls_pair_open(&p);
    unsigned char k[NODE_KEY_RAW];
    assert_true(link_io_peer_key(p.io[0], k));
    assert_memory_equal(k, p.key[1]->pub, NODE_KEY_RAW);
    assert_true(link_io_peer_key(p.io[1], k));
    assert_memory_equal(k, p.key[0]->pub, NODE_KEY_RAW);
    unsigned char e0[32], e1[32], zero[32] = {0};
    assert_true(link_io_exporter(p.io[0], e0));
    assert_true(link_io_exporter(p.io[1], e1));
    assert_memory_equal(e0, e1, 32);
    assert_memory_not_equal(e0, zero, 32);
    /* Exact reads leave the rest in place for the next message. */
    assert_int_equal(link_io_write(p.io[0], "0123456789", 10), 10);
    char buf[16];
    ssize_t n;
    while ((n = link_io_read(p.io[1], buf, 4)) < 0 && errno == EAGAIN)
        ;
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "0123", 4);
    assert_int_equal(link_io_methods.pending(p.io[1]), 6);
    assert_int_equal(link_io_read(p.io[1], buf, 16), 6);
    tls_pair_close(&p);
}

static bool pump_recv(transport_t *to, transport_t *from, message_t **out)
{
    mk_net_common_t *c = mk_net_common(from);
    for (int i = 0; i < 100000; i++) {
        if (c->wants_write(from))
            c->flush(from);
        message_t *m = to->recv(to);
        if (m) {
            *out = m;
            return true;
        }
    }
    return false;
}

static void test_stream_transport_carries_frames_through_tls(void **st)
{
    (void)st;
    tls_pair_t p;
    tls_pair_open(&p);
    transport_t *t[2];
    for (int i = 0; i < 2; i++) {
        t[i] = mk_stream_create(i ? 1 : 2, -1, p.fd[i], "tcp", true, 1u << 20, NULL);
        assert_non_null(t[i]);
        assert_true(mk_stream_set_io(t[i], &link_io_methods, p.io[i]));
        p.fd[i] = -1; /* both owned by the transport now */
        p.io[i] = NULL;
    }
    message_t *m;
    assert_true(t[0]->send(t[0], &(message_t){.source = 0x200000001ull,
                                              .dest = 0x100000002ull,
                                              .type = 7,
                                              .payload = "ping",
                                              .payload_size = 4}));
    assert_true(pump_recv(t[1], t[0], &m));
    assert_int_equal(m->type, 7);
    assert_int_equal(m->payload_size, 4);
    assert_memory_equal(m->payload, "ping", 4);
    message_destroy(m);
    /* 256 KiB: many records, partial writes, queued output. */
    size_t big = 256 * 1024;
    char *payload = malloc(big);
    for (size_t i = 0; i < big; i++)
        payload[i] = (char)(i * 7);
    for (int k = 0; k < 3; k++)
        assert_true(t[1]->send(t[1], &(message_t){.source = 0x100000002ull,
                                                  .dest = 0x200000001ull,
                                                  .type = 8 + (msg_type_t)k,
                                                  .payload = payload,
                                                  .payload_size = big}));
    for (int k = 0; k < 3; k++) {
        assert_true(pump_recv(t[0], t[1], &m));
        assert_int_equal(m->type, 8 + k);
        assert_int_equal(m->payload_size, big);
        assert_memory_equal(m->payload, payload, big);
        message_destroy(m);
    }
    free(payload);
    t[0]->destroy(t[0]);
    t[1]->destroy(t[1]);
    tls_pair_close(&p);
}

/* A TLS write to a peer that reset the connection must fail with an error,
 * never kill the process with SIGPIPE (issue 13). SIGPIPE is left at its
 * default action here on purpose. */
static void test_tls_write_to_a_reset_peer_raises_no_sigpipe(void **st)
{
    (void)st;
    signal(SIGPIPE, SIG_DFL);
    tls_pair_t p;
    tls_pair_open(&p);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(p.fd[1], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(p.fd[1]); /* RST */
    p.fd[1] = -1;
    char chunk[16384];
    memset(chunk, 'x', sizeof chunk);
    ssize_t n = 0;
    for (int i = 0; i < 1000 && n >= 0; i++) {
        n = link_io_write(p.io[0], chunk, sizeof chunk);
        if (n < 0 && errno == EAGAIN) {
            usleep(1000);
            n = 0;
        }
    }
    assert_true(n < 0);
    assert_int_not_equal(errno, EAGAIN);
    tls_pair_close(&p);
    signal(SIGPIPE, SIG_IGN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth1_parser_takes_exactly_80_bytes_and_refuses_bad_ones),
        cmocka_unit_test(test_auth2_and_verdict_parsers_are_bounded),
        cmocka_unit_test(test_transcript_signature_and_hmac_catch_any_change),
        cmocka_unit_test(test_node_key_is_private_reused_and_refused_when_readable),
        cmocka_unit_test(test_trust_list_lines_add_remove),
        cmocka_unit_test(test_tls_pins_keys_and_both_sides_export_the_same_secret),
        cmocka_unit_test(test_stream_transport_carries_frames_through_tls),
        cmocka_unit_test(test_tls_write_to_a_reset_peer_raises_no_sigpipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
