/*
 * peer.c -- see peer.h. Peers are child processes in their own process
 * group so a test never leaves one behind.
 */
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PEER_SCRIPTS_DIR
#define PEER_SCRIPTS_DIR "."
#endif

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint16_t peer_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

void peer_require(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    if (system(cmd) != 0)
        fail_msg("required peer '%s' is not installed (run scripts/install-deps.sh; it is "
                 "listed in scripts/packages.txt)",
                 tool);
}

pid_t peer_spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

bool peer_wait_port(uint16_t port, int timeout_ms)
{
    uint64_t end = now_ms() + (uint64_t)timeout_ms;
    while (now_ms() < end) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
        close(fd);
        if (rc == 0)
            return true;
        usleep(20000);
    }
    return false;
}

bool peer_exited(pid_t pid, int *status)
{
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r != pid)
        return false;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
}

int peer_wait(pid_t pid, int timeout_ms)
{
    uint64_t end = now_ms() + (uint64_t)timeout_ms;
    int st;
    while (now_ms() < end) {
        if (peer_exited(pid, &st))
            return st;
        usleep(10000);
    }
    return -1;
}

void peer_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    kill(pid, SIGTERM);
    if (peer_wait(pid, 2000) < 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

char *peer_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    b[got] = 0;
    if (len)
        *len = got;
    return b;
}

/* Directories peer_tmpdir made, removed (with their contents) at exit. */
#define MAX_TMPDIRS 16
static char tmpdirs[MAX_TMPDIRS][64];
static int n_tmpdirs;

static void remove_tmpdirs(void)
{
    for (int i = 0; i < n_tmpdirs; i++)
        peer_system("rm -rf '%s'", tmpdirs[i]);
    n_tmpdirs = 0;
}

const char *peer_tmpdir(void)
{
    assert_true(n_tmpdirs < MAX_TMPDIRS);
    char *dir = tmpdirs[n_tmpdirs];
    snprintf(dir, sizeof tmpdirs[0], "%s/mk-http-test-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    if (n_tmpdirs++ == 0)
        atexit(remove_tmpdirs);
    return dir;
}

const char *peer_tmpfile(const char *name)
{
    static const char *dir;
    static char paths[8][192];
    static unsigned next;
    if (!dir)
        dir = peer_tmpdir();
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

const char *peer_scripts(void)
{
    return PEER_SCRIPTS_DIR;
}

int peer_system(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static runtime_t *watched;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    if (watched)
        runtime_stop(watched); /* only sets a flag: async-signal-safe */
}

void peer_run(runtime_t *rt, int timeout_ms)
{
    timed_out = 0;
    watched = rt;
    signal(SIGALRM, on_alarm);
    alarm((unsigned)((timeout_ms + 999) / 1000));
    runtime_run(rt);
    alarm(0);
    watched = NULL;
    if (timed_out)
        fail_msg("test actors did not finish within %d ms", timeout_ms);
}
