/*
 * wasi_cmd.c -- a WASI command (a plain main, clang --target=wasm32-wasi,
 * Debian's wasi-libc) run as a WASM actor by test_wasi_command.c, and built
 * natively too so that the two runs can be compared (same stdout, the exit
 * code mapped to the actor's exit reason):
 *   wasi_cmd args A B ...   print argc, each argument and the environment
 *   wasi_cmd exit N         print a line, exit(N)
 *   wasi_cmd trap           print a line, then trap (native: SIGILL)
 *   wasi_cmd count DIR N    add one to the number in DIR/count; exit 3 until
 *                           it reaches N, then return 0 (a supervisor test)
 *   wasi_cmd recv           (wasm only) mk_recv one message, print it
 *   wasi_cmd sleep          nanosleep 5 ms, sched_yield, print and return
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

#ifdef __wasm__
__attribute__((import_module("env"), import_name("mk_recv"))) int32_t
mk_recv(uint32_t *type, void *buf, int32_t cap, uint32_t *size);
#endif

static int count(const char *dir, int n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/count", dir);
    int c = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%d", &c) != 1)
            c = 0;
        fclose(f);
    }
    c++;
    f = fopen(path, "w");
    if (!f)
        return 9;
    fprintf(f, "%d\n", c);
    fclose(f);
    printf("count %d of %d\n", c, n);
    return c < n ? 3 : 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    const char *mode = argv[1];
    if (!strcmp(mode, "args")) {
        printf("argc=%d\n", argc);
        for (int i = 2; i < argc; i++)
            printf("arg[%d]=%s\n", i, argv[i]);
        for (char **e = environ; e && *e; e++)
            if (!strncmp(*e, "WASI_CMD_", 9))
                printf("env %s\n", *e);
        return 0;
    }
    if (!strcmp(mode, "exit") && argc > 2) {
        printf("exiting with %d\n", atoi(argv[2]));
        exit(atoi(argv[2]));
    }
    if (!strcmp(mode, "trap")) {
        printf("about to trap\n");
        fflush(stdout);
        __builtin_trap();
    }
    if (!strcmp(mode, "count") && argc > 3)
        return count(argv[2], atoi(argv[3]));
    if (!strcmp(mode, "sleep")) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        sched_yield();
        printf("slept\n");
        return 0;
    }
#ifdef __wasm__
    if (!strcmp(mode, "recv")) {
        uint32_t type = 0, size = 0;
        char buf[64] = {0};
        printf("waiting\n");
        int32_t r = mk_recv(&type, buf, (int32_t)sizeof buf - 1, &size);
        printf("mk_recv=%d type=%u size=%u payload=%s\n", (int)r, (unsigned)type, (unsigned)size,
               buf);
        return 0;
    }
#endif
    return 2;
}
