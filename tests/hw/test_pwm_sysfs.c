/* test_pwm_sysfs.c -- the sysfs PWM backend (src/hw/hal/linux/pwm_sysfs.c)
 * against a fake /sys/class/pwm tree in a mkdtemp directory: the exact
 * files and contents it writes for configure, duty at each resolution and
 * deconfigure, that it never creates files, and the PWM actor driving it. */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/hal/pwm_hal.h"
#include "hw_test_util.h"
#include "microkernel/hw.h"
#include "microkernel/pwm.h"

static char g_root[64];

static void put_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static char *get_file(const char *rel)
{
    static char buf[64];
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("%s does not exist", path);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

#define assert_file(rel, want)                                                                     \
    do {                                                                                           \
        const char *got_ = get_file(rel);                                                          \
        if (strcmp(got_, (want)) != 0)                                                             \
            fail_msg("%s = \"%s\", expected \"%s\"", (rel), got_, (want));                         \
    } while (0)

/* pwmchip0 with export/unexport and channels 0..1 (as the kernel makes
 * them after export; channel 2 deliberately missing). */
static int setup(void **st)
{
    (void)st;
    snprintf(g_root, sizeof g_root, "/tmp/mk-hw-pwm-XXXXXX");
    assert_non_null(mkdtemp(g_root));
    char path[256];
    snprintf(path, sizeof path, "%s/pwmchip0", g_root);
    assert_int_equal(mkdir(path, 0700), 0);
    put_file("pwmchip0/export", "");
    put_file("pwmchip0/unexport", "");
    for (int c = 0; c < 2; c++) {
        snprintf(path, sizeof path, "%s/pwmchip0/pwm%d", g_root, c);
        assert_int_equal(mkdir(path, 0700), 0);
        const char *attrs[] = {"period", "duty_cycle", "enable"};
        for (int a = 0; a < 3; a++) {
            char rel[64];
            snprintf(rel, sizeof rel, "pwmchip0/pwm%d/%s", c, attrs[a]);
            put_file(rel, "untouched");
        }
    }
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_root);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void test_pwm_sysfs_configure_writes_export_period_enable(void **st)
{
    (void)st;
    const mk_pwm_hal_t *h = pwm_sysfs_hal(g_root, 0);
    assert_true(h->init(h->ctx));
    assert_true(h->configure(h->ctx, 1, 18, 5000, 10));
    assert_file("pwmchip0/export", "1");
    assert_file("pwmchip0/pwm1/period", "200000"); /* 1e9 / 5000 ns */
    assert_file("pwmchip0/pwm1/duty_cycle", "0");
    assert_file("pwmchip0/pwm1/enable", "1");
    assert_file("pwmchip0/pwm0/period", "untouched");
    /* duty 512 of 1024 = half the period, in ns. */
    assert_true(h->set_duty(h->ctx, 1, 512));
    assert_file("pwmchip0/pwm1/duty_cycle", "100000");
    assert_true(h->set_duty(h->ctx, 1, 1023));
    assert_file("pwmchip0/pwm1/duty_cycle", "199804"); /* 200000 * 1023 >> 10 */
    assert_false(h->set_duty(h->ctx, 1, 1024));
    assert_false(h->set_duty(h->ctx, 0, 1)); /* not configured */
    h->deconfigure(h->ctx, 1);
    assert_file("pwmchip0/pwm1/enable", "0");
    assert_file("pwmchip0/unexport", "1");
    h->deinit(h->ctx);
}

static void test_pwm_sysfs_resolutions_8_10_12_14(void **st)
{
    (void)st;
    const mk_pwm_hal_t *h = pwm_sysfs_hal(g_root, 0);
    assert_true(h->init(h->ctx));
    const int res[] = {8, 10, 12, 14};
    for (int i = 0; i < 4; i++) {
        assert_true(h->configure(h->ctx, 0, 4, 1000, res[i])); /* period 1 ms */
        uint32_t quarter = 1u << (res[i] - 2);
        assert_true(h->set_duty(h->ctx, 0, quarter));
        assert_file("pwmchip0/pwm0/duty_cycle", "250000");
        assert_false(h->set_duty(h->ctx, 0, 1u << res[i]));
    }
    h->deinit(h->ctx);
    assert_file("pwmchip0/pwm0/enable", "0");
}

static void test_pwm_sysfs_refusals_create_nothing(void **st)
{
    (void)st;
    const mk_pwm_hal_t *h = pwm_sysfs_hal(g_root, 0);
    assert_true(h->init(h->ctx));
    assert_false(h->configure(h->ctx, 2, 4, 1000, 8)); /* export made no pwm2 */
    char path[256];
    snprintf(path, sizeof path, "%s/pwmchip0/pwm2", g_root);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_false(h->configure(h->ctx, 0, 4, 0, 8));
    assert_false(h->configure(h->ctx, 0, 4, 1000, 0));
    assert_false(h->configure(h->ctx, 0, 4, 1000, 17));
    assert_false(h->configure(h->ctx, 6, 4, 1000, 8));
    h->deinit(h->ctx);
    const mk_pwm_hal_t *h1 = pwm_sysfs_hal(g_root, 1); /* no pwmchip1 */
    assert_false(h1->init(h1->ctx));
}

static void test_pwm_actor_on_sysfs_backend(void **st)
{
    (void)st;
    extern const struct mk_pwm_hal *hw_default_pwm;
    hw_default_pwm = pwm_sysfs_hal(g_root, 0);
    runtime_t *rt = hw_runtime();
    actor_id_t pwm = pwm_actor_init(rt);
    assert_int_not_equal(pwm, ACTOR_ID_INVALID);
    actor_id_t client = hw_client(rt);
    pwm_config_payload_t c = {.channel = 0, .pin = 12, .resolution = 8, .freq_hz = 50};
    assert_hw_reply(hw_call(rt, client, pwm, MSG_PWM_CONFIGURE, &c, sizeof c), MSG_PWM_OK, "");
    assert_file("pwmchip0/pwm0/period", "20000000"); /* 50 Hz servo frame */
    pwm_duty_payload_t d = {.channel = 0, .duty = 64};
    assert_hw_reply(hw_call(rt, client, pwm, MSG_PWM_SET_DUTY, &d, sizeof d), MSG_PWM_OK, "");
    assert_file("pwmchip0/pwm0/duty_cycle", "5000000");
    c.channel = 2;
    assert_hw_reply(hw_call(rt, client, pwm, MSG_PWM_CONFIGURE, &c, sizeof c), MSG_PWM_ERROR,
                    "hal configure failed");
    runtime_destroy(rt); /* stopping the actor deconfigures: enable 0, unexport */
    assert_file("pwmchip0/pwm0/enable", "0");
    assert_file("pwmchip0/unexport", "0");
    hw_default_pwm = NULL;
}

/* hw_start with --hw linux on a machine without GPIO chip or spidev (given
 * as missing paths): those two actors are skipped, I2C (opens its bus only
 * at CONFIGURE) and sysfs PWM on the fake tree start and work. */
static void test_hw_start_linux_skips_missing_devices(void **st)
{
    (void)st;
    runtime_t *rt = hw_runtime();
    hw_config_t cfg;
    hw_config_init(&cfg);
    assert_true(hw_config_set(&cfg, "hw", "linux"));
    assert_true(hw_config_set(&cfg, "gpiochip", "/nonexistent/gpiochip9"));
    assert_true(hw_config_set(&cfg, "led-spidev", "/nonexistent/spidev9.9"));
    assert_true(hw_config_set(&cfg, "pwm-sysfs-root", g_root));
    assert_true(hw_config_set(&cfg, "i2c-bus", "250"));
    actor_id_t sup = hw_start(rt, &cfg);
    if (sup == ACTOR_ID_INVALID)
        fail_msg("hw_start: %s", mk_last_error());
    assert_int_equal(actor_lookup(rt, "/node/hardware/gpio"), ACTOR_ID_INVALID);
    assert_int_equal(actor_lookup(rt, "/node/hardware/led"), ACTOR_ID_INVALID);
    actor_id_t i2c = actor_lookup(rt, "/node/hardware/i2c");
    actor_id_t pwm = actor_lookup(rt, "/node/hardware/pwm");
    assert_int_not_equal(i2c, ACTOR_ID_INVALID);
    assert_int_not_equal(pwm, ACTOR_ID_INVALID);
    actor_id_t client = hw_client(rt);
    const uint8_t i2c_cfg[8] = {0, 2, 3, 0, 0xA0, 0x86, 0x01, 0x00};
    assert_hw_reply(hw_call(rt, client, i2c, 0xFF000030u, i2c_cfg, 8), 0xFF00003Au,
                    "hal configure failed"); /* no /dev/i2c-250 */
    pwm_config_payload_t c = {.channel = 1, .pin = 12, .resolution = 12, .freq_hz = 25000};
    assert_hw_reply(hw_call(rt, client, pwm, MSG_PWM_CONFIGURE, &c, sizeof c), MSG_PWM_OK, "");
    assert_file("pwmchip0/pwm1/period", "40000");
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pwm_sysfs_configure_writes_export_period_enable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pwm_sysfs_resolutions_8_10_12_14, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pwm_sysfs_refusals_create_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pwm_actor_on_sysfs_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hw_start_linux_skips_missing_devices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
