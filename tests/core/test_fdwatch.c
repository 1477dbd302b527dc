/* test_fdwatch.c -- watching fds (seed "FD watching"): a readable pipe is
 * reported, one event at a time, and unwatch stops the reports. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "core/runtime_internal.h"
#include "test_util.h"

enum { WATCH = 1, UNWATCH = 2, WATCH_FILE = 3, WATCH_OUT = 4 };

typedef struct {
    int fd;
    bool read_it; /* consume the byte on each event */
    int events;
    uint32_t last_bits;
    int last_fd;
    bool watch_ok, unwatch_ok, second_watch_ok, file_watch_ok, out_watch_ok;
} watch_t;

static bool watcher(runtime_t *rt, actor_t *self, message_t *msg, void *s)
{
    (void)self;
    watch_t *st = s;
    if (msg->type == WATCH) {
        st->watch_ok = actor_watch_fd(rt, st->fd, POLLIN);
        st->second_watch_ok = actor_watch_fd(rt, st->fd, POLLIN);
    } else if (msg->type == WATCH_OUT) {
        st->out_watch_ok = actor_watch_fd(rt, st->fd, POLLOUT);
    } else if (msg->type == UNWATCH) {
        st->unwatch_ok = actor_unwatch_fd(rt, st->fd);
    } else if (msg->type == WATCH_FILE) {
        FILE *f = tmpfile();
        st->file_watch_ok = actor_watch_fd(rt, fileno(f), POLLIN);
        fclose(f);
    } else if (msg->type == MSG_FD_EVENT) {
        const fd_event_payload_t *p = msg->payload;
        st->events++;
        st->last_bits = p->events;
        st->last_fd = p->fd;
        if (st->read_it) {
            char c;
            assert_int_equal(read(p->fd, &c, 1), 1);
        }
    }
    return true;
}

static void pipe_readable_then_unwatch(void **s)
{
    (void)s;
    int p[2];
    assert_int_equal(pipe(p), 0);
    runtime_t *rt = runtime_init(1, 4);
    watch_t st = {.fd = p[0], .read_it = true};
    actor_id_t a = actor_spawn(rt, watcher, &st, NULL, 8);
    actor_send(rt, a, WATCH, NULL, 0);
    runtime_step(rt);
    assert_true(st.watch_ok);
    assert_true(st.second_watch_ok); /* the caller's own watch: updated, true */
    assert_int_equal(write(p[1], "x", 1), 1);
    for (int i = 0; i < 5; i++)
        runtime_step(rt);
    assert_int_equal(st.events, 1);
    assert_int_equal(st.last_fd, p[0]);
    assert_true(st.last_bits & POLLIN);
    actor_send(rt, a, UNWATCH, NULL, 0);
    runtime_step(rt);
    assert_true(st.unwatch_ok);
    assert_int_equal(write(p[1], "y", 1), 1);
    for (int i = 0; i < 5; i++)
        runtime_step(rt);
    assert_int_equal(st.events, 1); /* no longer watched */
    actor_send(rt, a, UNWATCH, NULL, 0);
    runtime_step(rt);
    assert_false(st.unwatch_ok);
    runtime_destroy(rt);
    close(p[0]);
    close(p[1]);
}

/* Regression (issue 14 section 3): watching an fd the actor already
 * watches used to fail; the original updates the events and returns true.
 * Another actor's watch on the same fd is still refused. */
static void watch_again_updates_events(void **s)
{
    (void)s;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    runtime_t *rt = runtime_init(1, 4);
    watch_t st = {.fd = sv[0]};
    actor_id_t a = actor_spawn(rt, watcher, &st, NULL, 8);
    actor_send(rt, a, WATCH, NULL, 0); /* POLLIN: nothing to read */
    runtime_step(rt);
    assert_true(st.watch_ok);
    for (int i = 0; i < 3; i++)
        runtime_step(rt);
    assert_int_equal(st.events, 0);
    actor_send(rt, a, WATCH_OUT, NULL, 0); /* now POLLOUT: writable at once */
    runtime_step(rt);
    assert_true(st.out_watch_ok);
    for (int i = 0; i < 3; i++)
        runtime_step(rt);
    assert_true(st.events >= 1);
    assert_true(st.last_bits & POLLOUT);
    assert_false(st.last_bits & POLLIN);
    watch_t other = {.fd = sv[0]};
    actor_id_t b = actor_spawn(rt, watcher, &other, NULL, 8);
    actor_send(rt, b, WATCH, NULL, 0);
    actor_info_t info;
    for (int i = 0; i < 8 && actor_info(rt, b, &info) && info.mailbox_used > 0; i++)
        runtime_step(rt);
    assert_true(actor_info(rt, b, &info));
    assert_int_equal(info.mailbox_used, 0); /* b handled WATCH ... */
    assert_false(other.watch_ok);           /* ... and was refused */
    runtime_destroy(rt);
    close(sv[0]);
    close(sv[1]);
}

static void unread_fd_does_not_flood(void **s)
{
    (void)s;
    int p[2];
    assert_int_equal(pipe(p), 0);
    runtime_t *rt = runtime_init(1, 4);
    watch_t st = {.fd = p[0], .read_it = false};
    actor_id_t a = actor_spawn(rt, watcher, &st, NULL, 64);
    actor_send(rt, a, WATCH, NULL, 0);
    runtime_step(rt);
    assert_int_equal(write(p[1], "x", 1), 1);
    /* Poll many times without letting the actor run: one event in flight. */
    for (int i = 0; i < 10; i++)
        mk_io_poll(rt, 0);
    actor_info_t info;
    assert_true(actor_info(rt, a, &info));
    assert_int_equal(info.mailbox_used, 1);
    /* Once handled (the byte still unread), the fd is reported again. */
    runtime_step(rt);
    assert_int_equal(st.events, 1);
    runtime_step(rt); /* polls (reported again), then handles it */
    assert_int_equal(st.events, 2);
    runtime_destroy(rt);
    close(p[0]);
    close(p[1]);
}

static void regular_file_refused_and_stop_releases(void **s)
{
    (void)s;
    runtime_t *rt = runtime_init(1, 4);
    watch_t st = {.fd = -1};
    actor_id_t a = actor_spawn(rt, watcher, &st, NULL, 8);
#ifndef MK_EVENT_BACKEND_POLL
    /* epoll refuses regular files (poll(2) reports them always ready). */
    actor_send(rt, a, WATCH_FILE, NULL, 0);
    runtime_step(rt);
    assert_false(st.file_watch_ok);
#endif
    actor_send(rt, a, WATCH, NULL, 0); /* fd -1 */
    runtime_step(rt);
    assert_false(st.watch_ok);
    int p[2];
    assert_int_equal(pipe(p), 0);
    st.fd = p[0];
    actor_send(rt, a, WATCH, NULL, 0);
    runtime_step(rt);
    assert_true(st.watch_ok);
    actor_stop(rt, a); /* the watch goes with the actor */
    watch_t st2 = {.fd = p[0]};
    actor_id_t b = actor_spawn(rt, watcher, &st2, NULL, 8);
    actor_send(rt, b, WATCH, NULL, 0);
    runtime_step(rt);
    assert_true(st2.watch_ok);
    runtime_destroy(rt);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipe_readable_then_unwatch),
        cmocka_unit_test(watch_again_updates_events),
        cmocka_unit_test(unread_fd_does_not_flood),
        cmocka_unit_test(regular_file_refused_and_stop_releases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
