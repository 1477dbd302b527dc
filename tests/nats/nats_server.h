/*
 * nats_server.h -- test helper: start and stop real nats-server processes
 * (Debian nats-server, scripts/packages.txt) on kernel-chosen 127.0.0.1
 * ports (-p -1, the port read back from --ports_file_dir), with their files
 * in a mkdtemp directory removed at stop. A missing nats-server fails the
 * test loudly; it is never skipped.
 */
#ifndef MK_TESTS_NATS_SERVER_H
#define MK_TESTS_NATS_SERVER_H

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    char dir[64]; /* mkdtemp: ports file, config, JetStream store */
    char url[64]; /* nats://127.0.0.1:<port> */
    int port;
} nats_server_t;

/* Servers still running when the test program exits (a failed assertion
 * skips the test's own stop) are killed and their directories removed. */
#define NATS_SERVERS_MAX 16
static nats_server_t *nats_started[NATS_SERVERS_MAX];
static void nats_server_stop(nats_server_t *s);

static void nats_servers_at_exit(void)
{
    for (int i = 0; i < NATS_SERVERS_MAX; i++)
        if (nats_started[i])
            nats_server_stop(nats_started[i]);
}

static inline void nats_server_track(nats_server_t *s, bool on)
{
    static bool registered;
    if (!registered) {
        atexit(nats_servers_at_exit);
        registered = true;
    }
    for (int i = 0; i < NATS_SERVERS_MAX; i++)
        if (on ? nats_started[i] == NULL : nats_started[i] == s) {
            nats_started[i] = on ? s : NULL;
            return;
        }
}

static inline const char *nats_server_binary(void)
{
    static const char *where[] = {"/usr/sbin/nats-server", "/usr/bin/nats-server",
                                  "/usr/local/bin/nats-server"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

/* Wait up to ~10 s for the ports file of pid in dir; fills url/port. */
static inline bool nats_server_read_port(nats_server_t *s)
{
    char path[160];
    snprintf(path, sizeof path, "%s/nats-server_%d.ports", s->dir, (int)s->pid);
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            char buf[1024] = {0};
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            const char *p = n ? strstr(buf, "nats://127.0.0.1:") : NULL;
            if (p && sscanf(p, "nats://127.0.0.1:%d", &s->port) == 1 && s->port > 0) {
                snprintf(s->url, sizeof s->url, "nats://127.0.0.1:%d", s->port);
                return true;
            }
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "nats-server exited early (status %d)\n", st);
            s->pid = 0;
            return false;
        }
        usleep(10000);
    }
    return false;
}

/*
 * Start nats-server with `extra` arguments (NULL-terminated, may be NULL)
 * after "-a 127.0.0.1 -p -1 --ports_file_dir <dir>". "%D" inside an extra
 * argument is replaced by the temp dir. With `reuse_dir` set, s->dir (from
 * an earlier start) is used again (a restart keeps its JetStream store).
 */
static inline bool nats_server_start_in(nats_server_t *s, const char *const *extra, bool reuse_dir)
{
    const char *bin = nats_server_binary();
    if (!bin) {
        fprintf(stderr, "FATAL: nats-server not installed (scripts/install-deps.sh installs it)\n");
        return false;
    }
    if (!reuse_dir) {
        snprintf(s->dir, sizeof s->dir, "/tmp/mk-nats-test-XXXXXX");
        if (!mkdtemp(s->dir))
            return false;
    }
    char *argv[64];
    static char args[32][256];
    int argc = 0, na = 0;
    argv[argc++] = (char *)bin;
    argv[argc++] = "-a";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "-p";
    argv[argc++] = "-1";
    argv[argc++] = "--ports_file_dir";
    argv[argc++] = s->dir;
    for (size_t i = 0; extra && extra[i] && argc < 62 && na < 32; i++) {
        const char *d = strstr(extra[i], "%D");
        if (d)
            snprintf(args[na], sizeof args[na], "%.*s%s%s", (int)(d - extra[i]), extra[i], s->dir,
                     d + 2);
        else
            snprintf(args[na], sizeof args[na], "%s", extra[i]);
        argv[argc++] = args[na++];
    }
    argv[argc] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        char log[128];
        snprintf(log, sizeof log, "%s/server.log", s->dir);
        if (!freopen(log, "a", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(126);
        execv(bin, argv);
        _exit(127);
    }
    s->pid = pid;
    nats_server_track(s, true);
    if (!nats_server_read_port(s)) {
        fprintf(stderr, "nats-server did not report its port (log in %s/server.log)\n", s->dir);
        return false;
    }
    return true;
}

static inline bool nats_server_start(nats_server_t *s, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    return nats_server_start_in(s, extra, false);
}

/* SIGKILL (hard) or SIGTERM the server and reap it; files stay. */
static inline void nats_server_kill(nats_server_t *s, int sig)
{
    if (s->pid > 0) {
        kill(s->pid, sig);
        waitpid(s->pid, NULL, 0);
        char path[160];
        snprintf(path, sizeof path, "%s/nats-server_%d.ports", s->dir, (int)s->pid);
        unlink(path);
        s->pid = 0;
    }
}

static inline void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            int r = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (r > 0 && (size_t)r < sizeof sub)
                rm_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else
        unlink(path);
}

/* Stop the server and remove its directory. */
static void nats_server_stop(nats_server_t *s)
{
    nats_server_track(s, false);
    nats_server_kill(s, SIGTERM);
    if (s->dir[0])
        rm_tree(s->dir);
    s->dir[0] = '\0';
}

#endif
