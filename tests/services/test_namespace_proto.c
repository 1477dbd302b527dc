/* test_namespace_proto.c -- the original's namespace protocol
 * (../shared/compat/wire-and-mount.md §3.2, §4.2, §4.6, §5): payload
 * layouts checked against byte strings written by hand from the compat
 * tables, the ns actor's replies (register, lookup through the mount
 * table, list, mount, umount, child exit), NS_EINVAL for short and
 * unterminated payloads, ns_call, the reverse lookups and the identity
 * rules. */
#include <arpa/inet.h>

#include "microkernel/supervision.h"
#include "services/ns_sync.h"
#include "services/svc_internal.h"
#include "svc_test_util.h"

static bool sink(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

/* Little-endian u64 / u32 at p (the compat tables' host order on x86-64). */
static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_payload_layouts_match_golden_bytes(void **st)
{
    (void)st;
    /* ns_register_t "/a" -> 0x0000000100000002: path @0, id @128. */
    unsigned char want[136] = {'/', 'a'};
    want[128] = 0x02;
    want[132] = 0x01;
    ns_register_t reg;
    memset(&reg, 0, sizeof reg);
    strcpy(reg.path, "/a");
    reg.actor_id = 0x0000000100000002ull;
    assert_int_equal(sizeof reg, 136);
    assert_memory_equal(&reg, want, 136);
    /* ns_mount_t and path_register_payload_t have the same shape. */
    ns_mount_t mnt;
    memset(&mnt, 0, sizeof mnt);
    strcpy(mnt.mount_point, "/a");
    mnt.target = 0x0000000100000002ull;
    assert_memory_equal(&mnt, want, 136);
    path_register_payload_t pr;
    memset(&pr, 0, sizeof pr);
    strcpy(pr.path, "/a");
    pr.actor_id = 0x0000000100000002ull;
    assert_memory_equal(&pr, want, 136);
    assert_int_equal(sizeof(path_unregister_payload_t), 128);
    assert_int_equal(sizeof(ns_lookup_t), 128);
    assert_int_equal(sizeof(ns_list_req_t), 128);
    assert_int_equal(sizeof(ns_umount_t), 128);

    /* name_register_payload_t "ns" -> 0x0000000300000001: name @0, id @64. */
    unsigned char wname[72] = {'n', 's'};
    wname[64] = 0x01;
    wname[68] = 0x03;
    name_register_payload_t nr;
    memset(&nr, 0, sizeof nr);
    strcpy(nr.name, "ns");
    nr.actor_id = 0x0000000300000001ull;
    assert_memory_equal(&nr, wname, 72);

    /* ns_reply_t: status -1 @0, pad, id @8, data_len 3 @16, "x=1" @20, 1048 bytes. */
    unsigned char wrep[1048] = {0xFF, 0xFF, 0xFF, 0xFF};
    wrep[8] = 0x07;
    wrep[16] = 3;
    memcpy(wrep + 20, "x=1", 3);
    ns_reply_t rep;
    memset(&rep, 0, sizeof rep);
    rep.status = NS_ENOENT;
    rep.actor_id = 7;
    rep.data_len = 3;
    memcpy(rep.data, "x=1", 3);
    assert_int_equal(sizeof rep, 1048);
    assert_memory_equal(&rep, wrep, 1048);

    /* ns_notify_t: event @136, 144 bytes; mount_result_t: node_id @32, 36 bytes. */
    assert_int_equal(sizeof(ns_notify_t), 144);
    assert_int_equal(offsetof(ns_notify_t, event), 136);
    assert_int_equal(sizeof(mount_result_t), 36);
    assert_int_equal(offsetof(mount_result_t, node_id), 32);

    /* mount_hello_t: "MK01" big-endian, node 2 big-endian, identity; packed 40. */
    unsigned char whello[40] = {0x4D, 0x4B, 0x30, 0x31, 0, 0, 0, 2, 'b', 'e', 't', 'a'};
    mount_hello_t h;
    memset(&h, 0, sizeof h);
    h.magic = htonl(MOUNT_HELLO_MAGIC);
    h.node_id = htonl(2);
    strcpy(h.identity, "beta");
    assert_int_equal(sizeof h, 40);
    assert_memory_equal(&h, whello, 40);

    /* The values of the constants. */
    assert_int_equal(MSG_NS_REGISTER, 0xFF000014u);
    assert_int_equal(MSG_NS_LOOKUP, 0xFF000015u);
    assert_int_equal(MSG_NS_LIST, 0xFF000016u);
    assert_int_equal(MSG_NS_MOUNT, 0xFF000017u);
    assert_int_equal(MSG_NS_UMOUNT, 0xFF000018u);
    assert_int_equal(MSG_NS_REPLY, 0xFF000019u);
    assert_int_equal(MSG_NS_NOTIFY, 0xFF00001Au);
    assert_int_equal(MSG_PATH_REGISTER, 0xFF00001Bu);
    assert_int_equal(MSG_PATH_UNREGISTER, 0xFF00001Cu);
    assert_int_equal(MSG_CAPS_REQUEST, 0xFF00001Du);
    assert_int_equal(MSG_CAPS_REPLY, 0xFF00001Eu);
    assert_int_equal(NS_PATH_MAX, 128);
    assert_int_equal(NS_REPLY_PAYLOAD_MAX, 1024);
    assert_int_equal(NS_OK, 0);
    assert_int_equal(NS_ENOENT, -1);
    assert_int_equal(NS_EEXIST, -2);
    assert_int_equal(NS_EFULL, -3);
    assert_int_equal(NS_EINVAL, -4);
    assert_int_equal(MK_MOUNT_PORT, 4200);
    assert_int_equal(MOUNT_HELLO_MAGIC, 0x4D4B3031);
}

/* A node with the namespace actor, a client and a target actor. */
typedef struct {
    runtime_t *rt;
    actor_id_t ns, client, a;
} node_t;

static node_t node_up(void)
{
    node_t n;
    n.rt = runtime_init(1, 32);
    assert_true(node_set_name(n.rt, "alpha"));
    n.ns = ns_actor_init(n.rt);
    assert_int_not_equal(n.ns, ACTOR_ID_INVALID);
    n.client = client_spawn(n.rt);
    n.a = actor_spawn(n.rt, sink, NULL, NULL, 8);
    return n;
}

/* Send `len` bytes of `type` to ns from the client; the 1048-byte reply. */
static ns_reply_t call(node_t *n, msg_type_t type, const void *p, size_t len)
{
    reply_t r = request(n->rt, n->client, n->ns, type, p, len);
    assert_int_equal(r.type, MSG_NS_REPLY);
    assert_int_equal(r.len, sizeof(ns_reply_t)); /* always the full struct */
    assert_int_equal(r.source, n->ns);
    ns_reply_t out;
    memcpy(&out, r.data, sizeof out);
    reply_free(&r);
    return out;
}

static ns_reply_t call_path(node_t *n, msg_type_t type, const char *path, actor_id_t id)
{
    unsigned char p[136] = {0};
    memcpy(p, path, strlen(path));
    put_le(p + 128, id, 8);
    return call(n, type, p, ns_req_size(type));
}

static void test_ns_actor_init_registers_its_paths(void **st)
{
    (void)st;
    node_t n = node_up();
    assert_int_equal(ns_lookup_path(n.rt, "/sys/ns"), n.ns);
    assert_int_equal(ns_lookup_path(n.rt, "/node/alpha"), n.ns);
    assert_int_equal(actor_lookup(n.rt, "ns"), n.ns);
    assert_int_equal(ns_actor_init(n.rt), ACTOR_ID_INVALID); /* one per runtime */
    assert_error_mentions("already runs");
    runtime_destroy(n.rt);
}

static void test_register_lookup_list_replies(void **st)
{
    (void)st;
    node_t n = node_up();
    ns_reply_t r = call_path(&n, MSG_NS_REGISTER, "/app/echo", n.a);
    assert_int_equal(r.status, NS_OK);
    assert_int_equal(r.actor_id, n.a); /* echo of the id */
    assert_int_equal(r.data_len, 0);
    r = call_path(&n, MSG_NS_REGISTER, "/app/echo", n.client);
    assert_int_equal(r.status, NS_EEXIST);
    r = call_path(&n, MSG_NS_REGISTER, "echo", n.a); /* bare: flat registry */
    assert_int_equal(r.status, NS_OK);
    assert_int_equal(actor_lookup(n.rt, "echo"), n.a);
    r = call_path(&n, MSG_NS_REGISTER, "echo", n.client);
    assert_int_equal(r.status, NS_EEXIST);

    r = call_path(&n, MSG_NS_LOOKUP, "/app/echo", 0);
    assert_int_equal(r.status, NS_OK);
    assert_int_equal(r.actor_id, n.a);
    r = call_path(&n, MSG_NS_LOOKUP, "echo", 0);
    assert_int_equal(r.status, NS_OK);
    assert_int_equal(r.actor_id, n.a);
    r = call_path(&n, MSG_NS_LOOKUP, "/app/none", 0);
    assert_int_equal(r.status, NS_ENOENT);
    assert_int_equal(r.actor_id, 0);
    r = call_path(&n, MSG_NS_LOOKUP, "none", 0);
    assert_int_equal(r.status, NS_ENOENT);

    /* List: "<path>=<decimal id>\n" per path with the plain prefix. */
    r = call_path(&n, MSG_NS_LIST, "/app", 0);
    assert_int_equal(r.status, NS_OK);
    char want[64];
    int wl = snprintf(want, sizeof want, "/app/echo=%llu\n", (unsigned long long)n.a);
    assert_int_equal(r.data_len, wl);
    assert_memory_equal(r.data, want, (size_t)wl);
    /* An empty prefix lists the flat names as well. */
    r = call_path(&n, MSG_NS_LIST, "", 0);
    snprintf(want, sizeof want, "echo=%llu\n", (unsigned long long)n.a);
    assert_non_null(strstr(r.data, want));
    assert_non_null(strstr(r.data, "/sys/ns="));
    assert_non_null(strstr(r.data, "/node/alpha="));
    assert_int_equal(r.data_len, strlen(r.data));
    /* The prefix is a plain string prefix: "/ap" matches "/app/echo". */
    r = call_path(&n, MSG_NS_LIST, "/ap", 0);
    assert_int_equal(r.data_len, wl);
    runtime_destroy(n.rt);
}

static void test_list_skips_lines_that_do_not_fit(void **st)
{
    (void)st;
    node_t n = node_up();
    char p[NS_PATH_MAX];
    /* 20 paths of ~100 bytes: 1024 bytes hold only 9 lines; every line is whole. */
    for (int i = 0; i < 20; i++) {
        memset(p, 'x', 100);
        p[0] = '/';
        snprintf(p + 90, 16, "/%02d", i);
        assert_int_equal(ns_register_path(n.rt, p, n.a), NS_OK);
    }
    assert_int_equal(ns_register_path(n.rt, "/y", n.a), NS_OK); /* short: still fits */
    ns_reply_t r = call_path(&n, MSG_NS_LIST, "/", 0);
    assert_true(r.data_len < NS_REPLY_PAYLOAD_MAX);
    assert_int_equal(r.data[r.data_len], '\0');
    size_t lines = 0;
    for (const char *q = r.data; (q = strchr(q, '\n')) != NULL; q++)
        lines++;
    assert_true(lines >= 9 && lines < 23);
    char want[40];
    snprintf(want, sizeof want, "/y=%llu\n", (unsigned long long)n.a);
    assert_non_null(strstr(r.data, want));
    /* ns_list_paths: same lines, paths only. */
    char buf[4096];
    size_t len = ns_list_paths(n.rt, "/y", buf, sizeof buf);
    assert_int_equal(len, strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(ns_list_paths(n.rt, "/y", buf, 4), 0); /* does not fit: skipped */
    runtime_destroy(n.rt);
}

static void test_mount_table_longest_prefix_first(void **st)
{
    (void)st;
    node_t n = node_up();
    actor_id_t b = actor_spawn(n.rt, sink, NULL, NULL, 8);
    assert_int_equal(ns_register_path(n.rt, "/dev/x/y", n.client), NS_OK);
    assert_int_equal(call_path(&n, MSG_NS_MOUNT, "/dev", n.a).status, NS_OK);
    assert_int_equal(call_path(&n, MSG_NS_MOUNT, "/dev/x", b).status, NS_OK);
    assert_int_equal(call_path(&n, MSG_NS_MOUNT, "/dev", b).status, NS_EEXIST);
    /* Mounts win over exact entries; the longest mount point wins. */
    ns_reply_t r = call_path(&n, MSG_NS_LOOKUP, "/dev/x/y", 0);
    assert_int_equal(r.status, NS_OK);
    assert_int_equal(r.actor_id, b);
    assert_int_equal(ns_lookup_path(n.rt, "/dev/z"), n.a);
    assert_int_equal(ns_lookup_path(n.rt, "/dev"), n.a);
    /* Only at a component boundary: "/devices" is not under "/dev". */
    assert_int_equal(ns_lookup_path(n.rt, "/devices"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(n.rt, "/dev/x/anything"), b);
    assert_int_equal(call_path(&n, MSG_NS_UMOUNT, "/dev/x", 0).status, NS_OK);
    assert_int_equal(call_path(&n, MSG_NS_UMOUNT, "/dev/x", 0).status, NS_ENOENT);
    assert_int_equal(ns_lookup_path(n.rt, "/dev/x/y"), n.a);
    assert_int_equal(call_path(&n, MSG_NS_UMOUNT, "/dev", 0).status, NS_OK);
    assert_int_equal(ns_lookup_path(n.rt, "/dev/x/y"), n.client);
    /* 16 mount points at most. */
    char p[32];
    for (int i = 0; i < NS_MAX_MOUNTS; i++) {
        snprintf(p, sizeof p, "/m%d", i);
        assert_int_equal(call_path(&n, MSG_NS_MOUNT, p, n.a).status, NS_OK);
    }
    assert_int_equal(call_path(&n, MSG_NS_MOUNT, "/m-more", n.a).status, NS_EFULL);
    runtime_destroy(n.rt);
}

static void test_malformed_requests_get_einval(void **st)
{
    (void)st;
    node_t n = node_up();
    msg_type_t types[] = {MSG_NS_REGISTER, MSG_NS_LOOKUP, MSG_NS_LIST, MSG_NS_MOUNT, MSG_NS_UMOUNT};
    unsigned char full[200];
    memset(full, 'a', sizeof full); /* no NUL anywhere: unterminated */
    full[0] = '/';
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t need = ns_req_size(types[i]);
        /* Short by one byte, one byte, and empty. */
        unsigned char ok[136] = {'/', 'o', 'k'};
        put_le(ok + 128, n.a, 8);
        ns_reply_t r = call(&n, types[i], ok, need - 1);
        assert_int_equal(r.status, NS_EINVAL);
        assert_int_equal(r.actor_id, 0);
        assert_int_equal(r.data_len, 0);
        assert_int_equal(call(&n, types[i], ok, 1).status, NS_EINVAL);
        assert_int_equal(call(&n, types[i], NULL, 0).status, NS_EINVAL);
        /* Unterminated string field. */
        assert_int_equal(call(&n, types[i], full, sizeof full).status, NS_EINVAL);
    }
    /* Invalid paths (our rules) and a zero id are refused too. */
    assert_int_equal(call_path(&n, MSG_NS_REGISTER, "/a//b", n.a).status, NS_EINVAL);
    assert_int_equal(call_path(&n, MSG_NS_REGISTER, "/a", 0).status, NS_EINVAL);
    assert_int_equal(call_path(&n, MSG_NS_REGISTER, "", n.a).status, NS_EINVAL);
    assert_int_equal(call_path(&n, MSG_NS_MOUNT, "relative", n.a).status, NS_EINVAL);
    /* Longer payloads are fine (bytes after the struct ignored). */
    unsigned char big[300] = {'/', 'b'};
    put_le(big + 128, n.a, 8);
    assert_int_equal(call(&n, MSG_NS_REGISTER, big, sizeof big).status, NS_OK);
    /* MSG_NS_REPLY, MSG_NS_NOTIFY and others: ignored, no reply. */
    assert_true(mk_send_from(n.rt, n.client, n.ns, MSG_NS_NOTIFY, big, 144));
    assert_true(mk_send_from(n.rt, n.client, n.ns, 42, "x", 1));
    pump_for(n.rt, 20);
    assert_int_equal(g_replies.tail - g_replies.head, 0);
    runtime_destroy(n.rt);
}

static void test_child_exit_drops_the_childs_paths(void **st)
{
    (void)st;
    node_t n = node_up();
    assert_int_equal(ns_register_path(n.rt, "/kid/a", n.a), NS_OK);
    assert_int_equal(ns_register_path(n.rt, "/kid/b", n.a), NS_OK);
    assert_int_equal(ns_register_path(n.rt, "/other", n.client), NS_OK);
    child_exit_payload_t p;
    memset(&p, 0, sizeof p);
    p.child_id = n.a;
    assert_true(mk_send_from(n.rt, n.a, n.ns, MSG_CHILD_EXIT, &p, sizeof p));
    pump_for(n.rt, 20);
    assert_int_equal(ns_lookup_path(n.rt, "/kid/a"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(n.rt, "/kid/b"), ACTOR_ID_INVALID);
    assert_int_equal(ns_lookup_path(n.rt, "/other"), n.client);
    assert_int_equal(g_replies.tail - g_replies.head, 0); /* no reply */
    /* A remote sender cannot make us drop paths. */
    p.child_id = n.client;
    assert_true(mk_send_from(n.rt, actor_id_make(5, 1), n.ns, MSG_CHILD_EXIT, &p, sizeof p));
    pump_for(n.rt, 20);
    assert_int_equal(ns_lookup_path(n.rt, "/other"), n.client);
    runtime_destroy(n.rt);
}

static void test_path_functions(void **st)
{
    (void)st;
    node_t n = node_up();
    assert_int_equal(ns_register_path(n.rt, "/p/one", n.a), NS_OK);
    assert_int_equal(ns_register_path(n.rt, "/p/two", n.a), NS_OK);
    assert_int_equal(ns_register_path(n.rt, "/p/one", n.a), NS_EEXIST);
    assert_int_equal(ns_register_path(n.rt, "no-slash", n.a), NS_EINVAL);
    assert_int_equal(ns_register_path(n.rt, NULL, n.a), NS_EINVAL);
    char buf[64];
    assert_int_equal(ns_reverse_lookup_path(n.rt, n.a, buf, sizeof buf), 6);
    assert_true(strcmp(buf, "/p/one") == 0 || strcmp(buf, "/p/two") == 0);
    assert_int_equal(ns_reverse_lookup_path(n.rt, n.a, buf, 4), 3); /* truncated */
    assert_int_equal(strlen(buf), 3);
    assert_int_equal(ns_reverse_lookup_path(n.rt, 12345, buf, sizeof buf), 0);
    size_t off = 0;
    assert_int_equal(ns_reverse_lookup_all_paths(n.rt, n.a, buf, sizeof buf, &off), 2);
    assert_int_equal(off, 14);
    assert_non_null(strstr(buf, ", "));
    off = 0;
    assert_int_equal(ns_reverse_lookup_all_paths(n.rt, n.a, buf, 10, &off), 1); /* one fits */
    ns_remove_path(n.rt, "/p/one");
    assert_int_equal(ns_lookup_path(n.rt, "/p/one"), ACTOR_ID_INVALID);
    ns_deregister_actor_paths(n.rt, n.a);
    assert_int_equal(ns_lookup_path(n.rt, "/p/two"), ACTOR_ID_INVALID);
    runtime_destroy(n.rt);
    /* Without a namespace: NS_EINVAL, nothing found. */
    runtime_t *rt = runtime_init(1, 8);
    assert_int_equal(ns_register_path(rt, "/x", 1), NS_EINVAL);
    assert_int_equal(ns_lookup_path(rt, "/x"), ACTOR_ID_INVALID);
    assert_int_equal(ns_list_paths(rt, NULL, buf, sizeof buf), 0);
    runtime_destroy(rt);
}

static void test_ns_call_is_synchronous(void **st)
{
    (void)st;
    node_t n = node_up();
    ns_register_t reg;
    memset(&reg, 0, sizeof reg);
    strcpy(reg.path, "/called");
    reg.actor_id = n.a;
    ns_reply_t r;
    assert_int_equal(ns_call(n.rt, MSG_NS_REGISTER, &reg, sizeof reg, &r), 0);
    assert_int_equal(r.status, NS_OK);
    assert_int_equal(r.actor_id, n.a);
    ns_lookup_t lk;
    memset(&lk, 0, sizeof lk);
    strcpy(lk.path, "/called");
    assert_int_equal(ns_call(n.rt, MSG_NS_LOOKUP, &lk, sizeof lk, &r), 0);
    assert_int_equal(r.actor_id, n.a);
    assert_int_equal(ns_call(n.rt, MSG_NS_LOOKUP, &lk, 4, &r), 0);
    assert_int_equal(r.status, NS_EINVAL);
    assert_int_equal(ns_call(n.rt, MSG_NS_LOOKUP, NULL, 0, &r), -1); /* as the original */
    runtime_destroy(n.rt);
    runtime_t *rt = runtime_init(1, 8);
    assert_int_equal(ns_call(rt, MSG_NS_LOOKUP, &lk, sizeof lk, &r), -1); /* no ns */
    assert_error_mentions("no namespace actor");
    runtime_destroy(rt);
}

static void test_identity_rules(void **st)
{
    (void)st;
    char id[32];
    mk_node_identity_compute("kitchen", "ignored", id);
    assert_string_equal(id, "kitchen");
    mk_node_identity_compute("0123456789012345678901234567890123456789", NULL, id);
    assert_int_equal(strlen(id), 31); /* cut to 31 */
    mk_node_identity_compute(NULL, NULL, id);
    assert_string_equal(id, "linux-unknown");
#ifdef HAVE_OPENSSL
    /* SHA-1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d: bytes 18, 19 = d8 9d. */
    mk_node_identity_compute("", "abc", id);
    assert_string_equal(id, "linux-d89d");
#endif
    /* FNV-1a-32("a") = 0xe40c292c = 3826002220; mod 15 = 10; + 1 = 11. */
    assert_int_equal(mk_node_id_compute(NULL, "a"), 11);
    /* FNV-1a-32("") = 2166136261; mod 15 = 1; + 1 = 2. */
    assert_int_equal(mk_node_id_compute(NULL, ""), 2);
    assert_int_equal(mk_node_id_compute("7", "a"), 7);
    assert_int_equal(mk_node_id_compute("15", "a"), 15);
    assert_int_equal(mk_node_id_compute("16", "a"), 11); /* out of 1..15: hash */
    assert_int_equal(mk_node_id_compute("0", "a"), 11);
    assert_int_equal(mk_node_id_compute("x", "a"), 11);
    node_id_t nid = mk_node_id();
    assert_true(nid >= 1 && nid <= 15);
    assert_true(strlen(mk_node_identity()) > 0 && strlen(mk_node_identity()) <= 31);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_layouts_match_golden_bytes),
        cmocka_unit_test(test_ns_actor_init_registers_its_paths),
        cmocka_unit_test(test_register_lookup_list_replies),
        cmocka_unit_test(test_list_skips_lines_that_do_not_fit),
        cmocka_unit_test(test_mount_table_longest_prefix_first),
        cmocka_unit_test(test_malformed_requests_get_einval),
        cmocka_unit_test(test_child_exit_drops_the_childs_paths),
        cmocka_unit_test(test_path_functions),
        cmocka_unit_test(test_ns_call_is_synchronous),
        cmocka_unit_test(test_identity_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
