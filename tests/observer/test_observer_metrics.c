/*
 * test_observer_metrics.c -- /metrics is Prometheus text (exposition format
 * 0.0.4): checked line by line against the format's rules by a strict
 * checker here (itself shown to reject broken input), then parsed by
 * prometheus_client's own parser (tests/observer/prom_check.py, Debian
 * python3-prometheus-client); the counters carry the worker's traffic.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/peer.h"
#include "obs_fixture.h"

#define MAX_FAMILIES 64

static bool name_ok(const char *s, size_t n, bool metric)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = isalpha((unsigned char)c) || c == '_' || (metric && c == ':') ||
                  (i > 0 && isdigit((unsigned char)c));
        if (!ok)
            return false;
    }
    return true;
}

static bool value_ok(const char *s)
{
    if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
        return true;
    char *end;
    strtod(s, &end);
    return end != s && *end == '\0';
}

/*
 * The rules of text format 0.0.4 this checker holds the output to: every
 * line ends with LF; "# HELP name text" at most once and "# TYPE name type"
 * at most once per family, before its samples; a sample is
 * name{label="value",...} value with valid names, label values escaping
 * only \\, \" and \n; a family's samples are contiguous; no series twice.
 * Returns NULL or the first broken rule.
 */
static const char *check_prom(const char *text, char *why, size_t cap)
{
    char fam[MAX_FAMILIES][128];
    bool typed[MAX_FAMILIES], helped[MAX_FAMILIES], sampled[MAX_FAMILIES];
    size_t nf = 0;
    char cur[128] = "";
    char *copy = strdup(text), *save = NULL;
    static char seen[4096][200];
    size_t n_seen = 0;
    size_t len = strlen(text);
    if (len == 0 || text[len - 1] != '\n') {
        snprintf(why, cap, "does not end with a line feed");
        goto bad;
    }
    int lineno = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#') {
            char kind[8], name[128], rest[256] = "";
            if (sscanf(line, "# %7s %127s %255[^\n]", kind, name, rest) < 2 ||
                (strcmp(kind, "HELP") && strcmp(kind, "TYPE"))) {
                snprintf(why, cap, "line %d: a comment that is not HELP/TYPE: %s", lineno, line);
                goto bad;
            }
            if (!name_ok(name, strlen(name), true)) {
                snprintf(why, cap, "line %d: bad metric name %s", lineno, name);
                goto bad;
            }
            size_t f = 0;
            while (f < nf && strcmp(fam[f], name))
                f++;
            if (f == nf) {
                snprintf(fam[nf], sizeof fam[nf], "%s", name);
                typed[nf] = helped[nf] = sampled[nf] = false;
                nf++;
            }
            if (sampled[f]) {
                snprintf(why, cap, "line %d: %s after samples of %s", lineno, kind, name);
                goto bad;
            }
            bool *flag = kind[0] == 'H' ? &helped[f] : &typed[f];
            if (*flag) {
                snprintf(why, cap, "line %d: second %s for %s", lineno, kind, name);
                goto bad;
            }
            *flag = true;
            if (kind[0] == 'T' && strcmp(rest, "counter") && strcmp(rest, "gauge") &&
                strcmp(rest, "untyped") && strcmp(rest, "summary") && strcmp(rest, "histogram")) {
                snprintf(why, cap, "line %d: unknown type '%s'", lineno, rest);
                goto bad;
            }
            snprintf(cur, sizeof cur, "%s", name);
            continue;
        }
        size_t nl = strcspn(line, "{ ");
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)nl, line);
        if (!name_ok(line, nl, true)) {
            snprintf(why, cap, "line %d: bad metric name in '%s'", lineno, line);
            goto bad;
        }
        if (strcmp(name, cur) != 0) {
            /* a new family by samples alone: must not have been seen before */
            for (size_t f = 0; f < nf; f++)
                if (!strcmp(fam[f], name) && sampled[f]) {
                    snprintf(why, cap, "line %d: samples of %s are not contiguous", lineno, name);
                    goto bad;
                }
            snprintf(cur, sizeof cur, "%s", name);
        }
        size_t f = 0;
        while (f < nf && strcmp(fam[f], name))
            f++;
        if (f == nf && nf < MAX_FAMILIES) {
            snprintf(fam[nf], sizeof fam[nf], "%s", name);
            typed[nf] = helped[nf] = false;
            nf++;
        }
        if (f < nf)
            sampled[f] = true;
        const char *p = line + nl;
        if (*p == '{') {
            p++;
            while (*p != '}') {
                size_t ln = strcspn(p, "=");
                if (!name_ok(p, ln, false) || p[ln] != '=' || p[ln + 1] != '"') {
                    snprintf(why, cap, "line %d: bad label at '%s'", lineno, p);
                    goto bad;
                }
                p += ln + 2;
                while (*p && *p != '"') {
                    if (*p == '\\') {
                        if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') {
                            snprintf(why, cap, "line %d: bad escape in a label value", lineno);
                            goto bad;
                        }
                        p++;
                    }
                    p++;
                }
                if (*p != '"') {
                    snprintf(why, cap, "line %d: unterminated label value", lineno);
                    goto bad;
                }
                p++;
                if (*p == ',')
                    p++;
                else if (*p != '}') {
                    snprintf(why, cap, "line %d: expected , or } at '%s'", lineno, p);
                    goto bad;
                }
            }
            p++;
        }
        if (*p != ' ' || !value_ok(p + 1)) {
            snprintf(why, cap, "line %d: bad value in '%s'", lineno, line);
            goto bad;
        }
        size_t series = (size_t)(p - line);
        for (size_t k = 0; k < n_seen; k++)
            if (strlen(seen[k]) == series && !strncmp(seen[k], line, series)) {
                snprintf(why, cap, "line %d: series given twice: %.*s", lineno, (int)series, line);
                goto bad;
            }
        if (n_seen < 4096)
            snprintf(seen[n_seen++], sizeof seen[0], "%.*s", (int)series, line);
    }
    free(copy);
    return NULL;
bad:
    free(copy);
    return why;
}

static void test_strict_checker_rejects_broken_text(void **state)
{
    (void)state;
    char why[256];
    assert_null(check_prom("# TYPE a counter\na_total 1\na{x=\"y\"} 2\n", why, sizeof why));
    static const char *const broken[] = {
        "a 1",                                     /* no final LF */
        "# TYPE a counter\n# TYPE a gauge\na 1\n", /* two TYPEs */
        "a 1\n# TYPE a counter\n",                 /* TYPE after samples */
        "a{x=\"y} 1\n",                            /* unterminated value */
        "a{x=\"\\t\"} 1\n",                        /* bad escape */
        "a{1x=\"y\"} 1\n",                         /* bad label name */
        "a one\n",                                 /* bad value */
        "a 1\nb 1\na 2\n",                         /* not contiguous */
        "a{x=\"1\"} 1\na{x=\"1\"} 2\n",            /* duplicate series */
        "# random comment\n",                      /* not HELP/TYPE */
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        if (!check_prom(broken[i], why, sizeof why))
            fprintf(stderr, "accepted: %s\n", broken[i]);
        assert_non_null(check_prom(broken[i], why, sizeof why));
    }
}

/* The value of the series that starts with `prefix`, or -1. */
static double series_value(const char *text, const char *prefix)
{
    const char *p = text;
    while ((p = strstr(p, prefix)) != NULL) {
        if (p == text || p[-1] == '\n') {
            const char *sp = strchr(p, ' ');
            return sp ? strtod(sp + 1, NULL) : -1;
        }
        p++;
    }
    return -1;
}

static void test_metrics_is_valid_prometheus_text(void **state)
{
    (void)state;
    /* Traffic first, so the counters are not all zero. */
    char *b;
    int st = obs_curl(false, "-X POST -H 'X-Observer: 1' --data-binary 'to=worker&type=9&text=m'",
                      "/api/send", &b, NULL, 0);
    assert_int_equal(st, 200);
    free(b);
    assert_true(obs_wait_got(1, 5000));
    char ct[128];
    st = obs_curl(false, NULL, "/metrics", &b, ct, sizeof ct);
    assert_int_equal(st, 200);
    assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
    char why[256];
    const char *err = check_prom(b, why, sizeof why);
    if (err)
        fprintf(stderr, "/metrics: %s\n%s\n", err, b);
    assert_null(err);
    assert_true(series_value(b, "mk_actors ") >= 8);
    assert_true(series_value(b, "mk_actors_max ") == 64);
    assert_true(series_value(b, "mk_process_resident_memory_bytes ") > 0);
    assert_true(series_value(b, "mk_supervisor_restarts_total{") >= 0);
    /* the worker's handled-message counter has its name as a label */
    const char *w = strstr(b, "mk_actor_messages_in_total{");
    assert_non_null(w);
    assert_non_null(strstr(b, ",name=\"worker\"} "));

    /* prometheus_client's parser agrees. */
    const char *file = peer_tmpfile("metrics.txt");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(b, f);
    fclose(f);
    free(b);
    const char *out = peer_tmpfile("families.txt");
    int rc =
        peer_system("/usr/bin/python3 '%s/prom_check.py' < '%s' > '%s'", OBS_TEST_DIR, file, out);
    size_t n;
    char *fams = peer_slurp(out, &n);
    if (rc != 0)
        fprintf(stderr, "prom_check.py failed (%d): %s\n", rc, fams ? fams : "");
    assert_int_equal(rc, 0);
    assert_non_null(fams);
    /* the parser names counters without _total */
    assert_non_null(strstr(fams, "mk_actor_messages_in counter "));
    assert_non_null(strstr(fams, "mk_actors gauge 1\n"));
    assert_non_null(strstr(fams, "mk_node_info gauge 1\n"));
    free(fams);
    unlink(file);
    unlink(out);
}

int main(void)
{
    peer_require("curl");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_checker_rejects_broken_text),
        cmocka_unit_test(test_metrics_is_valid_prometheus_text),
    };
    return cmocka_run_group_tests(tests, obs_fixture_setup, obs_fixture_teardown);
}
