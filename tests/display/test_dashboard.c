/*
 * test_dashboard.c -- the dashboard on both boards, rendered through the
 * console onto the display with a fixed clock, fixed memory figure and a
 * fixed actor set, written as PNG into the build tree and compared pixel
 * by pixel with the committed golden images (tests/display/golden/).
 * MK_UPDATE_GOLDEN=1 rewrites the goldens instead (then look at them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <png.h>

#include "display_probe.h"
#include "microkernel/console.h"
#include "microkernel/dashboard.h"
#include "microkernel/display.h"
#include "microkernel/services.h"

static uint64_t fixed_uptime(void *ctx)
{
    (void)ctx;
    return 3723000; /* 01:02:03 */
}

static size_t fixed_rss(void *ctx)
{
    (void)ctx;
    return 2048;
}

static bool idle_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)rt, (void)self, (void)msg, (void)state;
    return true;
}

/* A node with the display stack, five named actors and the dashboard. */
static runtime_t *boot(const display_board_t *board, actor_id_t *dash, actor_id_t *extra)
{
    runtime_t *rt = runtime_init(7, 64);
    assert_non_null(rt);
    assert_true(display_actor_init_board(rt, board) != ACTOR_ID_INVALID);
    assert_true(mk_console_actor_init(rt) != ACTOR_ID_INVALID);
    static const char *const names[] = {"sensor", "logger", "/app/blink", "mqtt", "/app/ui"};
    for (size_t i = 0; i < 5; i++) {
        actor_id_t id = actor_spawn(rt, idle_behavior, NULL, NULL, 16);
        assert_true(actor_register_name(rt, names[i], id));
        if (i == 4)
            *extra = id;
    }
    dashboard_config_t cfg;
    dashboard_config_init(&cfg);
    cfg.identity = "demo";
    cfg.uptime_ms = fixed_uptime;
    cfg.rss_kib = fixed_rss;
    cfg.period_ms = 3600 * 1000; /* no refresh during the test */
    *dash = dashboard_actor_init_config(rt, &cfg);
    assert_true(*dash != ACTOR_ID_INVALID);
    return rt;
}

/* The text of console row `row`. */
static void row_text(int row, char *out, size_t cap)
{
    int cols = 0, rows = 0;
    assert_true(mk_console_get_size(&cols, &rows));
    size_t n = 0;
    for (int c = 0; c < cols && n + 1 < cap; c++)
        out[n++] = (char)mk_console_get_cell(row, c)->ch;
    out[n] = '\0';
}

/* Read a PNG as 8-bit RGB; NULL when missing. */
static uint8_t *read_png(const char *path, unsigned *w, unsigned *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return NULL;
    img.format = PNG_FORMAT_RGB;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = img.width;
    *h = img.height;
    return buf;
}

/* Pixels differing between two PNG files (SIZE_MAX when unreadable or of
 * different sizes); the first difference is printed. */
static size_t png_diff(const char *a, const char *b)
{
    unsigned wa, ha, wb, hb;
    uint8_t *pa = read_png(a, &wa, &ha), *pb = read_png(b, &wb, &hb);
    size_t diff = SIZE_MAX;
    if (pa && pb && wa == wb && ha == hb) {
        diff = 0;
        for (size_t i = 0; i < (size_t)wa * ha; i++)
            if (memcmp(pa + 3 * i, pb + 3 * i, 3) != 0) {
                if (diff++ == 0)
                    print_message("first difference at (%zu,%zu)\n", i % wa, i / wa);
            }
    }
    free(pa);
    free(pb);
    return diff;
}

/* Let the console's retries reach the display (bounded). */
static void settle(runtime_t *rt)
{
    for (int i = 0; i < 20; i++) {
        drain(rt);
        usleep(2000);
    }
    drain(rt);
}

static void snapshot_matches_golden(const display_board_t *board, int cols, int rows)
{
    actor_id_t dash = ACTOR_ID_INVALID, extra = ACTOR_ID_INVALID;
    runtime_t *rt = boot(board, &dash, &extra);
    settle(rt);
    int c, r;
    assert_true(mk_console_get_size(&c, &r));
    assert_int_equal(c, cols);
    assert_int_equal(r, rows);

    char text[128];
    row_text(3, text, sizeof text);
    assert_non_null(strstr(text, " MICROKERNEL "));
    row_text(5, text, sizeof text);
    assert_non_null(strstr(text, " node: demo             id: 7"));
    row_text(7, text, sizeof text);
    assert_non_null(strstr(text, " uptime: 01:02:03"));
    row_text(13, text, sizeof text);
    assert_non_null(strstr(text, " ACTORS (8)  peers: 0"));
    row_text(14, text, sizeof text);
    assert_non_null(strstr(text, "   1 "));
    assert_non_null(strstr(text, "/node/hardware/display"));
    row_text(17, text, sizeof text);
    assert_non_null(strstr(text, "logger"));

    char out[512], golden[512];
    snprintf(out, sizeof out, "%s/dashboard-%s.png", MK_TEST_OUT_DIR, board->name);
    snprintf(golden, sizeof golden, "%s/dashboard-%s.png", MK_GOLDEN_DIR, board->name);
    assert_true(display_snapshot_png(rt, out));
    print_message("wrote %s\n", out);
    const char *update = getenv("MK_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        assert_true(display_snapshot_png(rt, golden));
        print_message("updated %s\n", golden);
    }
    /* rows the display's mailbox refused arrive on the console's retry
     * timer: settle again until the picture matches (bounded) */
    size_t diff = png_diff(out, golden);
    for (int i = 0; i < 50 && diff != 0; i++) {
        settle(rt);
        assert_true(display_snapshot_png(rt, out));
        diff = png_diff(out, golden);
    }
    if (diff != 0)
        fail_msg("%s differs from %s in %zu pixels", out, golden, diff);

    /* an actor stops: the next frame erases the row it no longer uses */
    int last = 14 + 8 - 1;
    row_text(last, text, sizeof text);
    assert_non_null(strstr(text, "dashboard"));
    actor_stop(rt, extra);
    timer_payload_t tick = {.id = 1, .expirations = 1};
    assert_true(mk_send_from(rt, ACTOR_ID_INVALID, dash, MSG_TIMER, &tick, sizeof tick));
    settle(rt);
    row_text(last, text, sizeof text);
    for (int k = 0; text[k]; k++)
        if (text[k] != ' ')
            fail_msg("row %d not erased: '%s'", last, text);
    row_text(13, text, sizeof text);
    assert_non_null(strstr(text, " ACTORS (7)"));
    runtime_destroy(rt);
}

static void round466_dashboard_matches_golden(void **state)
{
    (void)state;
    snapshot_matches_golden(&display_board_round466, 58, 29);
}

static void rect800_dashboard_matches_golden(void **state)
{
    (void)state;
    snapshot_matches_golden(&display_board_rect800, 100, 30);
}

static void needs_a_console(void **state)
{
    (void)state;
    runtime_t *rt = runtime_init(1, 8);
    assert_int_equal(dashboard_actor_init(rt), ACTOR_ID_INVALID);
    assert_non_null(strstr(mk_last_error(), "/sys/console"));
    runtime_destroy(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round466_dashboard_matches_golden),
        cmocka_unit_test(rect800_dashboard_matches_golden),
        cmocka_unit_test(needs_a_console),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
