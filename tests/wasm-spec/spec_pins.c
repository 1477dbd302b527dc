/*
 * spec_pins.c -- each file's pinned outcome (tests/wasm-spec/expected.txt):
 * loading the pins, comparing a file's result with its pin, and checking
 * that pins and suite cover each other (--check-pins). Called by main;
 * reads the pin file once, keeps the pins in a fixed table.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec_runner.h"

/* ---- pins: what each file is known to do (tests/wasm-spec/expected.txt) ----
 * One line per non-SIMD .wast: "NAME passed N" (at least N assertions
 * pass) or "NAME not-run" (wast2json cannot convert it). '#' starts a
 * comment. A file that passes fewer, stops converting, starts converting or
 * has no pin fails the run, so nothing is lost silently. */
#define MAX_PINS 512

typedef struct pin {
    char name[64];
    int min_passed; /* -1: expected not to run */
    bool seen;
} pin_t;

static pin_t g_pins[MAX_PINS];
static int g_npins;

bool load_pins(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "spec_runner: cannot read pins %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[256];
    int lineno = 0;
    bool ok = true;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char name[64], what[16];
        int n = 0;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        int got = sscanf(line, "%63s %15s %d", name, what, &n);
        pin_t *pin = &g_pins[g_npins];
        if (g_npins >= MAX_PINS || got < 2 ||
            !((got == 3 && strcmp(what, "passed") == 0 && n >= 0) ||
              (got == 2 && strcmp(what, "not-run") == 0))) {
            fprintf(stderr, "spec_runner: %s:%d: bad pin line\n", path, lineno);
            ok = false;
            break;
        }
        snprintf(pin->name, sizeof pin->name, "%s", name);
        pin->min_passed = got == 3 ? n : -1;
        g_npins++;
    }
    fclose(f);
    return ok;
}

static pin_t *find_pin(const char *name)
{
    for (int i = 0; i < g_npins; i++)
        if (strcmp(g_pins[i].name, name) == 0)
            return &g_pins[i];
    return NULL;
}

/* Compare one file's outcome with its pin; passed < 0: not run. Returns
 * false (and says why) when they disagree. */
bool check_pin(const char *name, int passed)
{
    pin_t *pin = find_pin(name);
    if (!pin) {
        printf("%-32s FAILED: no pin in expected.txt (add \"%s %s\")\n", name, name,
               passed < 0 ? "not-run" : "passed N");
        return false;
    }
    pin->seen = true;
    if (pin->min_passed < 0 && passed >= 0) {
        printf("%-32s FAILED: pinned not-run but now runs (%d passed): update expected.txt\n", name,
               passed);
        return false;
    }
    if (pin->min_passed >= 0 && passed < 0) {
        printf("%-32s FAILED: pinned to pass %d but was not run\n", name, pin->min_passed);
        return false;
    }
    if (passed < pin->min_passed) {
        printf("%-32s FAILED: %d passed, pinned minimum %d\n", name, passed, pin->min_passed);
        return false;
    }
    return true;
}

/* Every non-SIMD .wast of the suite has a pin and every pin a file. */
int check_pins_cover_suite(const char *suite)
{
    DIR *d = opendir(suite);
    if (!d) {
        fprintf(stderr, "spec_runner: cannot list %s: %s\n", suite, strerror(errno));
        return 1;
    }
    int bad = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".wast") != 0 || strncmp(e->d_name, "simd_", 5) == 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n - 5), e->d_name);
        files++;
        pin_t *pin = find_pin(name);
        if (pin) {
            pin->seen = true;
        } else {
            printf("%-32s FAILED: in the suite but not pinned in expected.txt\n", name);
            bad++;
        }
    }
    closedir(d);
    int total = 0;
    for (int i = 0; i < g_npins; i++) {
        if (!g_pins[i].seen) {
            printf("%-32s FAILED: pinned but not in the suite\n", g_pins[i].name);
            bad++;
        }
        if (g_pins[i].min_passed > 0)
            total += g_pins[i].min_passed;
    }
    printf("pins: %d files, %d pins, at least %d assertions pass; %d disagreements\n", files,
           g_npins, total, bad);
    return bad ? 1 : 0;
}
