/*
 * test_observer_browser.c -- the observer page in a real browser (issue 23):
 * headless Debian `chromium`, driven over the DevTools protocol by
 * browser_drive.js (Node + `ws`), loads the page from a live node, waits
 * for the actor table, sees the row of an actor the test side spawns, sends
 * a message from the page's form (checked here: the worker got exactly that
 * type and text), and sees the supervision tree's restart count rise when
 * the test crashes the supervised worker. Screenshots go into the build
 * tree (OBS_SHOT_DIR). A missing browser or Node fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http/peer.h"
#include "obs_fixture.h"

static void test_page_shows_the_node_live(void **state)
{
    (void)state;
    peer_require("chromium");
    peer_require("node");
    mkdir(OBS_SHOT_DIR, 0755);
    unsigned got0 = atomic_load(&fx.got);
    int starts0 = atomic_load(&fx.starts);
    const char *log = peer_tmpfile("drive.log");
    int rc = peer_system("node '%s/browser_drive.js' chromium 'http://127.0.0.1:%d/' "
                         "'http://127.0.0.1:%d' '%s' '%s' > '%s' 2>&1",
                         OBS_TEST_DIR, fx.port, atomic_load(&fx.ctl_port), OBS_SHOT_DIR,
                         peer_tmpdir(), log);
    size_t n;
    char *out = peer_slurp(log, &n);
    fprintf(stderr, "browser_drive.js (%d): %s\n", rc, out ? out : "(no output)");
    assert_int_equal(rc, 0);
    assert_non_null(out);
    assert_non_null(strstr(out, "OK restarts"));
    free(out);
    /* The page's message reached the worker, intact (before the crash). */
    assert_true(atomic_load(&fx.got) >= got0 + 1);
    /* One restart: the crash the test caused. */
    assert_int_equal(atomic_load(&fx.starts), starts0 + 1);
    char shot[512];
    struct stat st;
    for (int i = 0; i < 3; i++) {
        static const char *const names[] = {"observer-table.png", "observer-restart.png",
                                            "observer.png"};
        snprintf(shot, sizeof shot, "%s/%s", OBS_SHOT_DIR, names[i]);
        assert_int_equal(stat(shot, &st), 0);
        assert_true(st.st_size > 1000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_shows_the_node_live),
    };
    return cmocka_run_group_tests(tests, obs_fixture_setup, obs_fixture_teardown);
}
