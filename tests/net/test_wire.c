/*
 * test_wire.c -- proves src/net/wire.c against golden byte strings written
 * by hand from the original's tables (../shared/compat/wire-and-mount.md
 * section 1: source u64 @0, dest u64 @8, type u32 @16, payload_size u32
 * @20, reserved u32 @24), in both byte orders; round trips; a longer buffer
 * accepted (the frame is taken, the rest ignored); the reserved field
 * ignored; rejection of truncated and oversized frames and of registry
 * frames of the wrong size; the incremental framer fed one byte at a time
 * and with several frames in one buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/wire.h"

/* source 0x0000000100000001, dest 0x0000000200000005, type 100, "hi!" */
static const unsigned char golden_net[] = {
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* source, big-endian */
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, /* dest */
    0x00, 0x00, 0x00, 0x64,                         /* type 100 */
    0x00, 0x00, 0x00, 0x03,                         /* payload_size */
    0x00, 0x00, 0x00, 0x00,                         /* reserved */
    'h',  'i',  '!'};
static const unsigned char golden_host_le[] = {
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* source, little-endian */
    0x05, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* dest */
    0x64, 0x00, 0x00, 0x00,                         /* type */
    0x03, 0x00, 0x00, 0x00,                         /* payload_size */
    0x00, 0x00, 0x00, 0x00,                         /* reserved */
    'h',  'i',  '!'};

/* The registry header of compat section 3: MSG_NAME_REGISTER (0xFF000012),
 * source = dest = 0, 72 payload bytes, in network order. */
static const unsigned char golden_name_reg_hdr_net[] = {
    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* source, dest */
    0xFF, 0x00, 0x00, 0x12,                                     /* type */
    0x00, 0x00, 0x00, 0x48,                                     /* 72 */
    0x00, 0x00, 0x00, 0x00};

static bool host_is_little(void)
{
    uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static message_t golden_msg(void)
{
    static char text[] = "hi!";
    message_t m = {.source = 0x0000000100000001ull,
                   .dest = 0x0000000200000005ull,
                   .type = 100,
                   .payload_size = 3,
                   .payload = text};
    return m;
}

static void test_serialize_net_matches_golden_bytes(void **state)
{
    (void)state;
    message_t m = golden_msg();
    size_t n = 0;
    unsigned char *buf = wire_serialize_net(&m, &n);
    assert_non_null(buf);
    assert_int_equal(n, sizeof golden_net);
    assert_memory_equal(buf, golden_net, sizeof golden_net);
    free(buf);
}

static void test_serialize_host_matches_golden_bytes(void **state)
{
    (void)state;
    if (!host_is_little())
        skip(); /* every supported target is little-endian (compat section 1) */
    message_t m = golden_msg();
    size_t n = 0;
    unsigned char *buf = wire_serialize(&m, &n);
    assert_non_null(buf);
    assert_int_equal(n, sizeof golden_host_le);
    assert_memory_equal(buf, golden_host_le, sizeof golden_host_le);
    free(buf);
}

static void test_name_register_header_matches_golden_bytes(void **state)
{
    (void)state;
    unsigned char payload[72] = "echo";
    message_t m = {.type = 0xFF000012u, .payload_size = sizeof payload, .payload = payload};
    unsigned char hdr[WIRE_HEADER_SIZE];
    assert_true(wire_encode_header(&m, true, hdr));
    assert_memory_equal(hdr, golden_name_reg_hdr_net, WIRE_HEADER_SIZE);
}

static void check_golden(message_t *m)
{
    assert_non_null(m);
    assert_int_equal(m->source, 0x0000000100000001ull);
    assert_int_equal(m->dest, 0x0000000200000005ull);
    assert_int_equal(m->type, 100);
    assert_int_equal(m->payload_size, 3);
    assert_memory_equal(m->payload, "hi!", 3);
    message_destroy(m);
}

static void test_deserialize_golden_bytes(void **state)
{
    (void)state;
    check_golden(wire_deserialize_net(golden_net, sizeof golden_net));
    if (host_is_little())
        check_golden(wire_deserialize(golden_host_le, sizeof golden_host_le));
}

/* The original writes reserved as 0 and never checks it; neither do we. */
static void test_reserved_field_is_ignored_on_read(void **state)
{
    (void)state;
    unsigned char buf[sizeof golden_net];
    memcpy(buf, golden_net, sizeof buf);
    memset(buf + 24, 0xA5, 4);
    check_golden(wire_deserialize_net(buf, sizeof buf));
}

/* As the original: a buffer longer than the frame yields the frame. */
static void test_longer_buffer_yields_the_frame(void **state)
{
    (void)state;
    unsigned char buf[sizeof golden_net + 9];
    memcpy(buf, golden_net, sizeof golden_net);
    memset(buf + sizeof golden_net, 0xEE, 9);
    check_golden(wire_deserialize_net(buf, sizeof buf));
}

static void test_round_trip_empty_and_large(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    unsigned char *payload = malloc(big);
    for (size_t i = 0; i < big; i++)
        payload[i] = (unsigned char)(i * 31 + 7);
    size_t sizes[] = {0, 1, 64, big};
    for (int order = 0; order < 2; order++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            message_t m = {.source = 7,
                           .dest = 0xFFFFFFFFFFFFFFFFull,
                           .type = 0xFF000012u,
                           .payload_size = sizes[k],
                           .payload = sizes[k] ? payload : NULL};
            size_t n = 0;
            void *buf = order ? wire_serialize_net(&m, &n) : wire_serialize(&m, &n);
            assert_non_null(buf);
            assert_int_equal(n, WIRE_HEADER_SIZE + sizes[k]);
            message_t *back = order ? wire_deserialize_net(buf, n) : wire_deserialize(buf, n);
            assert_non_null(back);
            assert_int_equal(back->source, 7);
            assert_int_equal(back->dest, 0xFFFFFFFFFFFFFFFFull);
            assert_int_equal(back->type, 0xFF000012u);
            assert_int_equal(back->payload_size, sizes[k]);
            if (sizes[k])
                assert_memory_equal(back->payload, payload, sizes[k]);
            else
                assert_null(back->payload);
            message_destroy(back);
            free(buf);
        }
    }
    free(payload);
}

static void test_truncated_every_length_is_rejected(void **state)
{
    (void)state;
    for (size_t len = 0; len < sizeof golden_net; len++) {
        mk_clear_error();
        assert_null(wire_deserialize_net(golden_net, len));
        assert_true(strlen(mk_last_error()) > 0);
    }
    assert_null(wire_deserialize_net(golden_net, 20));
    assert_non_null(strstr(mk_last_error(), "shorter than the 28-byte header"));
    assert_null(wire_deserialize_net(golden_net, 30));
    assert_non_null(strstr(mk_last_error(), "truncated"));
}

static void test_oversized_length_is_rejected(void **state)
{
    (void)state;
    unsigned char buf[sizeof golden_net];
    memcpy(buf, golden_net, sizeof buf);
    buf[20] = 0xFF; /* payload_size 0xFF000003 */
    assert_null(wire_deserialize_net(buf, sizeof buf));
    assert_non_null(strstr(mk_last_error(), "exceeds"));
    size_t frame = 0;
    assert_int_equal(wire_frame_check(buf, WIRE_HEADER_SIZE, true, &frame), WIRE_FRAME_ERROR);

    message_t m = {.dest = 1, .payload_size = (size_t)WIRE_MAX_PAYLOAD + 1, .payload = buf};
    size_t n = 0;
    assert_null(wire_serialize_net(&m, &n));
    assert_non_null(strstr(mk_last_error(), "exceeds"));
}

/* Registry frames (dest 0) have fixed payload sizes (compat section 3.2):
 * any other size is refused; the same type to an actor is not judged. */
static void test_registry_frame_of_wrong_size_is_rejected(void **state)
{
    (void)state;
    static const struct {
        msg_type_t type;
        size_t size;
    } fixed[] = {{0xFF000012u, 72}, {0xFF000013u, 64}, {0xFF00001Bu, 136}, {0xFF00001Cu, 128}};
    unsigned char payload[200] = {0};
    for (size_t i = 0; i < 4; i++) {
        for (int delta = -1; delta <= 1; delta++) {
            message_t m = {.type = fixed[i].type,
                           .payload_size = fixed[i].size + (size_t)delta,
                           .payload = payload};
            size_t n = 0;
            void *buf = wire_serialize_net(&m, &n);
            assert_non_null(buf);
            message_t *back = wire_deserialize_net(buf, n);
            if (delta == 0) {
                assert_non_null(back);
            } else {
                assert_null(back);
                assert_non_null(strstr(mk_last_error(), "runtime-to-runtime"));
            }
            message_destroy(back);
            free(buf);
            m.dest = 0x0000000100000001ull;
            buf = wire_serialize_net(&m, &n);
            back = wire_deserialize_net(buf, n);
            assert_non_null(back);
            message_destroy(back);
            free(buf);
        }
    }
}

static void test_null_arguments_are_rejected(void **state)
{
    (void)state;
    assert_null(wire_deserialize(NULL, 10));
    size_t n;
    assert_null(wire_serialize(NULL, &n));
    message_t m = golden_msg();
    assert_null(wire_serialize(&m, NULL));
    m.payload = NULL;
    assert_null(wire_serialize(&m, &n));
}

/* Random bytes parse exactly when the size field fits the buffer. */
static void test_random_bytes_parse_only_when_the_size_fits(void **state)
{
    (void)state;
    unsigned char buf[256];
    unsigned seed = 12345;
    for (int round = 0; round < 4000; round++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)rand_r(&seed);
        if (len >= WIRE_HEADER_SIZE && (round & 1)) {
            buf[20] = buf[21] = buf[22] = 0; /* make small sizes common */
            buf[23] %= 64;
        }
        message_t *m = wire_deserialize_net(buf, len);
        bool fits =
            len >= WIRE_HEADER_SIZE && ((size_t)buf[20] << 24 | (size_t)buf[21] << 16 |
                                        (size_t)buf[22] << 8 | buf[23]) <= len - WIRE_HEADER_SIZE;
        if (!fits)
            assert_null(m);
        if (m) {
            assert_int_equal(m->payload_size, buf[23]);
            message_destroy(m);
        }
    }
}

static void test_framer_one_byte_at_a_time(void **state)
{
    (void)state;
    size_t frame = 0;
    for (size_t len = 0; len < sizeof golden_net; len++) {
        assert_int_equal(wire_frame_check(golden_net, len, true, &frame), WIRE_FRAME_INCOMPLETE);
        assert_int_equal(frame, len < WIRE_HEADER_SIZE ? WIRE_HEADER_SIZE : sizeof golden_net);
    }
    assert_int_equal(wire_frame_check(golden_net, sizeof golden_net, true, &frame),
                     WIRE_FRAME_COMPLETE);
    assert_int_equal(frame, sizeof golden_net);
    assert_int_equal(wire_frame_check("", 0, true, &frame), WIRE_FRAME_INCOMPLETE);
    assert_int_equal(wire_frame_check(NULL, 1, true, &frame), WIRE_FRAME_ERROR);
}

static void test_framer_several_frames_in_one_buffer(void **state)
{
    (void)state;
    unsigned char buf[3 * sizeof golden_net + 5];
    for (int i = 0; i < 3; i++)
        memcpy(buf + i * sizeof golden_net, golden_net, sizeof golden_net);
    memcpy(buf + 3 * sizeof golden_net, golden_net, 5); /* start of a fourth */
    size_t off = 0, frame = 0;
    int whole = 0;
    while (wire_frame_check(buf + off, sizeof buf - off, true, &frame) == WIRE_FRAME_COMPLETE) {
        check_golden(wire_deserialize_net(buf + off, frame));
        off += frame;
        whole++;
    }
    assert_int_equal(whole, 3);
    assert_int_equal(sizeof buf - off, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serialize_net_matches_golden_bytes),
        cmocka_unit_test(test_serialize_host_matches_golden_bytes),
        cmocka_unit_test(test_name_register_header_matches_golden_bytes),
        cmocka_unit_test(test_deserialize_golden_bytes),
        cmocka_unit_test(test_reserved_field_is_ignored_on_read),
        cmocka_unit_test(test_longer_buffer_yields_the_frame),
        cmocka_unit_test(test_round_trip_empty_and_large),
        cmocka_unit_test(test_truncated_every_length_is_rejected),
        cmocka_unit_test(test_oversized_length_is_rejected),
        cmocka_unit_test(test_registry_frame_of_wrong_size_is_rejected),
        cmocka_unit_test(test_null_arguments_are_rejected),
        cmocka_unit_test(test_random_bytes_parse_only_when_the_size_fits),
        cmocka_unit_test(test_framer_one_byte_at_a_time),
        cmocka_unit_test(test_framer_several_frames_in_one_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
