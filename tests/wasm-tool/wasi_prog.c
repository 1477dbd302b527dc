/* wasi_prog.c -- a wasm32-wasi command for the mk-wasm tests: prints its
 * arguments and an environment variable, reads a clock and random bytes,
 * echoes stdin on request, tells whether stdin/stdout are terminals and exits
 * with a chosen code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("arg%d=%s\n", i, argv[i]);
    const char *e = getenv("MK_WASM_TEST");
    printf("env=%s\n", e ? e : "(none)");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("clock=%s\n", ts.tv_sec > 1600000000 ? "ok" : "bad");
    unsigned char r[32];
    int nonzero = 0;
    if (getentropy(r, sizeof r) == 0)
        for (size_t i = 0; i < sizeof r; i++)
            nonzero += r[i] != 0;
    printf("random=%s\n", nonzero > 4 ? "ok" : "bad");
    if (argc > 1 && strcmp(argv[1], "read") == 0) {
        char buf[128];
        if (fgets(buf, sizeof buf, stdin))
            printf("read=%s", buf);
    }
    if (argc > 1 && strcmp(argv[1], "tty") == 0) /* isatty() asks fd_fdstat_get */
        printf("isatty0=%d isatty1=%d\n", isatty(0), isatty(1));
    if (argc > 2 && strcmp(argv[1], "exit") == 0) {
        fflush(stdout);
        exit(atoi(argv[2]));
    }
    return 0;
}
