/* test_i2c.c -- the I2C actor (src/hw/i2c.c) on the mock bus: configure,
 * write, read, write-read, scan and NACK, and every error reply of compat
 * hardware.md §2 in the original's check order. */
#include "hw/hal/i2c_hal.h"
#include "hw_test_util.h"
#include "microkernel/i2c.h"

typedef struct {
    runtime_t *rt;
    actor_id_t i2c, client;
} fx_t;

static int setup(void **st)
{
    fx_t *f = calloc(1, sizeof *f);
    f->rt = hw_runtime();
    i2c_mock_remove_all();
    f->i2c = i2c_actor_init(f->rt);
    assert_int_not_equal(f->i2c, ACTOR_ID_INVALID);
    f->client = hw_client(f->rt);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fx_t *f = *st;
    runtime_destroy(f->rt);
    i2c_mock_fail(0, false);
    i2c_mock_remove_all();
    free(f);
    return 0;
}

static hw_reply_t call(fx_t *f, msg_type_t type, const void *p, size_t len)
{
    return hw_call(f->rt, f->client, f->i2c, type, p, len);
}

static void configure(fx_t *f, uint8_t port)
{
    const uint8_t cfg[8] = {port, 21, 22, 0, 0xA0, 0x86, 0x01, 0x00}; /* 100000 Hz */
    assert_hw_reply(call(f, MSG_I2C_CONFIGURE, cfg, sizeof cfg), MSG_I2C_OK, "");
}

static void test_i2c_struct_sizes_match_the_original(void **st)
{
    (void)st;
    assert_int_equal(sizeof(i2c_config_payload_t), 8);
    assert_int_equal(sizeof(i2c_write_payload_t), 4);
    assert_int_equal(sizeof(i2c_read_payload_t), 4);
    assert_int_equal(sizeof(i2c_write_read_payload_t), 6);
    assert_int_equal(sizeof(i2c_scan_payload_t), 1);
    assert_int_equal(sizeof(i2c_data_payload_t), 4);
    assert_int_equal(sizeof(i2c_scan_result_payload_t), 1);
}

static void test_i2c_configure_records_the_clock_and_errors(void **st)
{
    fx_t *f = *st;
    assert_int_equal(actor_lookup(f->rt, "/node/hardware/i2c"), f->i2c);
    configure(f, 0);
    assert_int_equal(i2c_mock_port_freq(0), 100000);
    configure(f, 1);
    assert_int_equal(i2c_mock_port_freq(1), 100000);
    const uint8_t bad_port[8] = {2, 21, 22, 0, 0xA0, 0x86, 0x01, 0x00};
    assert_hw_reply(call(f, MSG_I2C_CONFIGURE, bad_port, 8), MSG_I2C_ERROR, "invalid port");
    assert_hw_reply(call(f, MSG_I2C_CONFIGURE, bad_port, 7), MSG_I2C_ERROR, "payload too small");
    assert_hw_reply(call(f, MSG_I2C_CONFIGURE, NULL, 0), MSG_I2C_ERROR, "payload too small");
    const uint8_t zero_clock[8] = {0, 21, 22, 0, 0, 0, 0, 0}; /* the mock refuses 0 Hz */
    assert_hw_reply(call(f, MSG_I2C_CONFIGURE, zero_clock, 8), MSG_I2C_ERROR,
                    "hal configure failed");
    /* ... and the port is then deconfigured. */
    const uint8_t scan0[1] = {0};
    assert_hw_reply(call(f, MSG_I2C_SCAN, scan0, 1), MSG_I2C_ERROR, "port not configured");
}

static void test_i2c_requests_on_unconfigured_port(void **st)
{
    fx_t *f = *st;
    const uint8_t w[5] = {0, 0x50, 1, 0, 0x00};
    const uint8_t r[4] = {0, 0x50, 1, 0};
    const uint8_t wr[7] = {0, 0x50, 1, 0, 1, 0, 0x00};
    const uint8_t s[1] = {1};
    assert_hw_reply(call(f, MSG_I2C_WRITE, w, 5), MSG_I2C_ERROR, "port not configured");
    assert_hw_reply(call(f, MSG_I2C_READ, r, 4), MSG_I2C_ERROR, "port not configured");
    assert_hw_reply(call(f, MSG_I2C_WRITE_READ, wr, 7), MSG_I2C_ERROR, "port not configured");
    assert_hw_reply(call(f, MSG_I2C_SCAN, s, 1), MSG_I2C_ERROR, "port not configured");
    /* Check order: size, then port number, then configured. */
    assert_hw_reply(call(f, MSG_I2C_READ, r, 3), MSG_I2C_ERROR, "payload too small");
    const uint8_t r9[4] = {9, 0x50, 1, 0};
    assert_hw_reply(call(f, MSG_I2C_READ, r9, 4), MSG_I2C_ERROR, "invalid port");
    assert_hw_reply(call(f, MSG_I2C_SCAN, NULL, 0), MSG_I2C_ERROR, "payload too small");
    assert_hw_reply(call(f, MSG_I2C_WRITE_READ, wr, 5), MSG_I2C_ERROR, "payload too small");
}

static void test_i2c_write_then_read_a_register(void **st)
{
    fx_t *f = *st;
    configure(f, 0);
    assert_true(i2c_mock_add_device(0x50));
    /* Write register 0x10 = DE AD BE EF. */
    const uint8_t w[9] = {0, 0x50, 5, 0, 0x10, 0xDE, 0xAD, 0xBE, 0xEF};
    assert_hw_reply(call(f, MSG_I2C_WRITE, w, sizeof w), MSG_I2C_OK, "");
    uint8_t reg[32];
    assert_int_equal(i2c_mock_get_register(0x50, 0x10, reg, sizeof reg), 4);
    assert_memory_equal(reg, "\xDE\xAD\xBE\xEF", 4);
    /* A plain READ returns the current register, zero-filled to len. */
    const uint8_t r[4] = {0, 0x50, 6, 0};
    hw_reply_t rep = call(f, MSG_I2C_READ, r, 4);
    assert_int_equal(rep.type, MSG_I2C_DATA);
    assert_int_equal(rep.len, 4 + 6);
    assert_memory_equal(rep.data, "\x50\x00\x06\x00\xDE\xAD\xBE\xEF\x00\x00", 10);
}

static void test_i2c_write_read_repeated_start(void **st)
{
    fx_t *f = *st;
    configure(f, 1);
    assert_true(i2c_mock_add_device(0x3C));
    i2c_mock_set_register(0x3C, 0x05, (const uint8_t *)"\x11\x22\x33", 3);
    i2c_mock_set_register(0x3C, 0x06, (const uint8_t *)"\x44", 1);
    const uint8_t wr[7] = {1, 0x3C, 2, 0, 1, 0, 0x05};
    hw_reply_t rep = call(f, MSG_I2C_WRITE_READ, wr, sizeof wr);
    assert_int_equal(rep.type, MSG_I2C_DATA);
    assert_int_equal(rep.len, 6);
    assert_memory_equal(rep.data, "\x3C\x00\x02\x00\x11\x22", 6);
    /* The register pointer moved; its content did not change. */
    uint8_t reg[32];
    assert_int_equal(i2c_mock_get_register(0x3C, 0x05, reg, sizeof reg), 3);
    /* write_len 0: a plain read of the current register (0x05). */
    const uint8_t rd[6] = {1, 0x3C, 3, 0, 0, 0};
    rep = call(f, MSG_I2C_WRITE_READ, rd, sizeof rd);
    assert_memory_equal(rep.data, "\x3C\x00\x03\x00\x11\x22\x33", 7);
    const uint8_t wr6[7] = {1, 0x3C, 1, 0, 1, 0, 0x06};
    rep = call(f, MSG_I2C_WRITE_READ, wr6, sizeof wr6);
    assert_memory_equal(rep.data, "\x3C\x00\x01\x00\x44", 5);
}

static void test_i2c_length_errors(void **st)
{
    fx_t *f = *st;
    configure(f, 0);
    i2c_mock_add_device(0x50);
    const uint8_t r0[4] = {0, 0x50, 0, 0};
    assert_hw_reply(call(f, MSG_I2C_READ, r0, 4), MSG_I2C_ERROR, "invalid length");
    const uint8_t r257[4] = {0, 0x50, 0x01, 0x01};
    assert_hw_reply(call(f, MSG_I2C_READ, r257, 4), MSG_I2C_ERROR, "invalid length");
    const uint8_t r256[4] = {0, 0x50, 0x00, 0x01};
    hw_reply_t rep = call(f, MSG_I2C_READ, r256, 4);
    assert_int_equal(rep.type, MSG_I2C_DATA);
    assert_int_equal(rep.len, 260);
    const uint8_t wr0[7] = {0, 0x50, 0, 0, 1, 0, 0};
    assert_hw_reply(call(f, MSG_I2C_WRITE_READ, wr0, 7), MSG_I2C_ERROR, "invalid length");
    /* Declared data longer than the payload. */
    const uint8_t w[6] = {0, 0x50, 3, 0, 1, 2};
    assert_hw_reply(call(f, MSG_I2C_WRITE, w, 6), MSG_I2C_ERROR, "payload too small");
    const uint8_t wr[7] = {0, 0x50, 1, 0, 2, 0, 0};
    assert_hw_reply(call(f, MSG_I2C_WRITE_READ, wr, 7), MSG_I2C_ERROR, "payload too small");
    /* Write length is otherwise unlimited (data beyond 32 bytes is dropped
     * by the mock's register). */
    uint8_t big[4 + 600];
    memset(big, 0x5A, sizeof big);
    big[0] = 0;
    big[1] = 0x50;
    big[2] = 600 & 0xFF;
    big[3] = 600 >> 8;
    assert_hw_reply(call(f, MSG_I2C_WRITE, big, sizeof big), MSG_I2C_OK, "");
}

static void test_i2c_nack_and_bus_error(void **st)
{
    fx_t *f = *st;
    configure(f, 0);
    assert_true(i2c_mock_add_nack_device(0x20));
    const uint8_t w_absent[5] = {0, 0x51, 1, 0, 0};
    assert_hw_reply(call(f, MSG_I2C_WRITE, w_absent, 5), MSG_I2C_ERROR, "NACK");
    const uint8_t w_nack[5] = {0, 0x20, 1, 0, 0};
    assert_hw_reply(call(f, MSG_I2C_WRITE, w_nack, 5), MSG_I2C_ERROR, "NACK");
    const uint8_t r_nack[4] = {0, 0x20, 1, 0};
    assert_hw_reply(call(f, MSG_I2C_READ, r_nack, 4), MSG_I2C_ERROR, "NACK");
    const uint8_t wr_nack[7] = {0, 0x20, 1, 0, 1, 0, 0};
    assert_hw_reply(call(f, MSG_I2C_WRITE_READ, wr_nack, 7), MSG_I2C_ERROR, "NACK");
    i2c_mock_fail(1, false);
    assert_hw_reply(call(f, MSG_I2C_WRITE, w_nack, 5), MSG_I2C_ERROR, "bus error");
}

static void test_i2c_scan_finds_attached_devices_ascending(void **st)
{
    fx_t *f = *st;
    configure(f, 0);
    const uint8_t s[1] = {0};
    hw_reply_t rep = call(f, MSG_I2C_SCAN, s, 1);
    assert_int_equal(rep.type, MSG_I2C_SCAN_RESULT);
    assert_int_equal(rep.len, 1);
    assert_int_equal((uint8_t)rep.data[0], 0);
    i2c_mock_add_device(0x68);
    i2c_mock_add_nack_device(0x20);
    i2c_mock_add_device(0x08);
    i2c_mock_add_device(0x77);
    i2c_mock_add_device(0x78); /* outside the scanned range */
    i2c_mock_add_device(0x03);
    rep = call(f, MSG_I2C_SCAN, s, 1);
    assert_int_equal(rep.len, 5);
    assert_memory_equal(rep.data, "\x04\x08\x20\x68\x77", 5);
    i2c_mock_remove_device(0x68);
    rep = call(f, MSG_I2C_SCAN, s, 1);
    assert_memory_equal(rep.data, "\x03\x08\x20\x77", 4);
}

static void test_i2c_ignores_unknown_types(void **st)
{
    fx_t *f = *st;
    assert_true(mk_send_from(f->rt, f->client, f->i2c, 0xFF000035u, "x", 1));
    assert_true(mk_send_from(f->rt, f->client, f->i2c, MSG_I2C_OK, NULL, 0));
    hw_assert_silent(f->rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_i2c_struct_sizes_match_the_original),
        cmocka_unit_test_setup_teardown(test_i2c_configure_records_the_clock_and_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_i2c_requests_on_unconfigured_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i2c_write_then_read_a_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i2c_write_read_repeated_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i2c_length_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i2c_nack_and_bus_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i2c_scan_finds_attached_devices_ascending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_i2c_ignores_unknown_types, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
