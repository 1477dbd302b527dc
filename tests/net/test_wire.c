/*
 * test_wire.c -- proves src/net/wire.c: the exact 28-byte layout in both
 * byte orders against hand-written bytes, round trips, and rejection of
 * truncated, oversized, trailing and garbage input; the incremental framer
 * fed one byte at a time and with several frames in one buffer.
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

/* source 0x0000000100000002, dest 0x0000000300000004, type 0x11223344, "hi!" */
static const unsigned char known_net[] = {
    0x4D, 0x4B, 0x01, 0x00,                         /* magic "MK", version 1, reserved */
    0x11, 0x22, 0x33, 0x44,                         /* type */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* source */
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, /* dest */
    0x00, 0x00, 0x00, 0x03,                         /* payload length */
    'h',  'i',  '!'};
static const unsigned char known_le[] = {0x4B, 0x4D, 0x01, 0x00, /* magic 0x4D4B little-endian */
                                         0x44, 0x33, 0x22, 0x11, 0x02, 0x00, 0x00, 0x00, 0x01,
                                         0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00,
                                         0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 'h',  'i',  '!'};

static bool host_is_little(void)
{
    uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static message_t known_msg(void)
{
    static char text[] = "hi!";
    message_t m = {.source = 0x0000000100000002ull,
                   .dest = 0x0000000300000004ull,
                   .type = 0x11223344u,
                   .payload_size = 3,
                   .payload = text};
    return m;
}

static void test_serialize_net_matches_hand_written_bytes(void **state)
{
    (void)state;
    message_t m = known_msg();
    size_t n = 0;
    unsigned char *buf = wire_serialize_net(&m, &n);
    assert_non_null(buf);
    assert_int_equal(n, sizeof known_net);
    assert_memory_equal(buf, known_net, sizeof known_net);
    free(buf);
}

static void test_serialize_host_matches_hand_written_bytes(void **state)
{
    (void)state;
    message_t m = known_msg();
    size_t n = 0;
    unsigned char *buf = wire_serialize(&m, &n);
    assert_non_null(buf);
    assert_int_equal(n, 31);
    assert_memory_equal(buf, host_is_little() ? known_le : known_net, 31);
    free(buf);
}

static void check_known(message_t *m)
{
    assert_non_null(m);
    assert_int_equal(m->source, 0x0000000100000002ull);
    assert_int_equal(m->dest, 0x0000000300000004ull);
    assert_int_equal(m->type, 0x11223344u);
    assert_int_equal(m->payload_size, 3);
    assert_memory_equal(m->payload, "hi!", 3);
    message_destroy(m);
}

static void test_deserialize_hand_written_bytes(void **state)
{
    (void)state;
    check_known(wire_deserialize_net(known_net, sizeof known_net));
    check_known(wire_deserialize(host_is_little() ? known_le : known_net, sizeof known_le));
}

static void test_wrong_byte_order_is_rejected(void **state)
{
    (void)state;
    if (!host_is_little())
        skip();
    assert_null(wire_deserialize_net(known_le, sizeof known_le));
    assert_non_null(strstr(mk_last_error(), "magic"));
    assert_null(wire_deserialize(known_net, sizeof known_net));
    assert_non_null(strstr(mk_last_error(), "magic"));
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
    for (size_t len = 0; len < sizeof known_net; len++) {
        mk_clear_error();
        assert_null(wire_deserialize_net(known_net, len));
        assert_true(strlen(mk_last_error()) > 0);
    }
    assert_null(wire_deserialize_net(known_net, 20));
    assert_non_null(strstr(mk_last_error(), "shorter than the 28-byte header"));
    assert_null(wire_deserialize_net(known_net, 30));
    assert_non_null(strstr(mk_last_error(), "truncated"));
}

static void test_trailing_bytes_are_rejected(void **state)
{
    (void)state;
    unsigned char buf[sizeof known_net + 1];
    memcpy(buf, known_net, sizeof known_net);
    buf[sizeof known_net] = 0;
    assert_null(wire_deserialize_net(buf, sizeof buf));
    assert_non_null(strstr(mk_last_error(), "trailing"));
}

static void test_oversized_length_is_rejected(void **state)
{
    (void)state;
    unsigned char buf[sizeof known_net];
    memcpy(buf, known_net, sizeof buf);
    buf[24] = 0xFF; /* length 0xFF000003 */
    assert_null(wire_deserialize_net(buf, sizeof buf));
    assert_non_null(strstr(mk_last_error(), "exceeds"));
    size_t frame = 0;
    assert_int_equal(wire_frame_check(buf, WIRE_HEADER_SIZE, true, &frame), WIRE_FRAME_ERROR);

    message_t m = {.dest = 1, .payload_size = (size_t)WIRE_MAX_PAYLOAD + 1, .payload = buf};
    size_t n = 0;
    assert_null(wire_serialize_net(&m, &n));
    assert_non_null(strstr(mk_last_error(), "exceeds"));
}

static void test_bad_version_reserved_and_null_are_rejected(void **state)
{
    (void)state;
    unsigned char buf[sizeof known_net];
    memcpy(buf, known_net, sizeof buf);
    buf[2] = 2;
    assert_null(wire_deserialize_net(buf, sizeof buf));
    assert_non_null(strstr(mk_last_error(), "version"));
    buf[2] = 1;
    buf[3] = 0x80;
    assert_null(wire_deserialize_net(buf, sizeof buf));
    assert_non_null(strstr(mk_last_error(), "reserved"));
    assert_null(wire_deserialize(NULL, 10));
    size_t n;
    assert_null(wire_serialize(NULL, &n));
    message_t m = known_msg();
    assert_null(wire_serialize(&m, NULL));
    m.payload = NULL;
    assert_null(wire_serialize(&m, &n));
}

static void test_garbage_never_parses(void **state)
{
    (void)state;
    unsigned char buf[256];
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)rand_r(&seed);
        /* Random bytes essentially never carry the magic; both must refuse. */
        message_t *a = wire_deserialize(buf, len);
        message_t *b = wire_deserialize_net(buf, len);
        if (buf[0] == 0x4D || buf[0] == 0x4B) {
            message_destroy(a);
            message_destroy(b);
            continue;
        }
        assert_null(a);
        assert_null(b);
    }
}

static void test_framer_one_byte_at_a_time(void **state)
{
    (void)state;
    size_t frame = 0;
    for (size_t len = 0; len < sizeof known_net; len++) {
        assert_int_equal(wire_frame_check(known_net, len, true, &frame), WIRE_FRAME_INCOMPLETE);
        assert_int_equal(frame, len < WIRE_HEADER_SIZE ? WIRE_HEADER_SIZE : sizeof known_net);
    }
    assert_int_equal(wire_frame_check(known_net, sizeof known_net, true, &frame),
                     WIRE_FRAME_COMPLETE);
    assert_int_equal(frame, sizeof known_net);
}

static void test_framer_detects_garbage_early(void **state)
{
    (void)state;
    size_t frame;
    assert_int_equal(wire_frame_check("G", 1, true, &frame), WIRE_FRAME_ERROR);
    assert_int_equal(wire_frame_check("MX", 2, true, &frame), WIRE_FRAME_ERROR);
    assert_int_equal(wire_frame_check("MK\x07", 3, true, &frame), WIRE_FRAME_ERROR);
    assert_int_equal(wire_frame_check("", 0, true, &frame), WIRE_FRAME_INCOMPLETE);
}

static void test_framer_several_frames_in_one_buffer(void **state)
{
    (void)state;
    unsigned char buf[3 * sizeof known_net + 5];
    for (int i = 0; i < 3; i++)
        memcpy(buf + i * sizeof known_net, known_net, sizeof known_net);
    memcpy(buf + 3 * sizeof known_net, known_net, 5); /* start of a fourth */
    size_t off = 0, frame = 0;
    int whole = 0;
    while (wire_frame_check(buf + off, sizeof buf - off, true, &frame) == WIRE_FRAME_COMPLETE) {
        message_t *m = wire_deserialize_net(buf + off, frame);
        check_known(m);
        off += frame;
        whole++;
    }
    assert_int_equal(whole, 3);
    assert_int_equal(sizeof buf - off, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serialize_net_matches_hand_written_bytes),
        cmocka_unit_test(test_serialize_host_matches_hand_written_bytes),
        cmocka_unit_test(test_deserialize_hand_written_bytes),
        cmocka_unit_test(test_wrong_byte_order_is_rejected),
        cmocka_unit_test(test_round_trip_empty_and_large),
        cmocka_unit_test(test_truncated_every_length_is_rejected),
        cmocka_unit_test(test_trailing_bytes_are_rejected),
        cmocka_unit_test(test_oversized_length_is_rejected),
        cmocka_unit_test(test_bad_version_reserved_and_null_are_rejected),
        cmocka_unit_test(test_garbage_never_parses),
        cmocka_unit_test(test_framer_one_byte_at_a_time),
        cmocka_unit_test(test_framer_detects_garbage_early),
        cmocka_unit_test(test_framer_several_frames_in_one_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
