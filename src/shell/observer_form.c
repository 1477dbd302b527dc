/*
 * observer_form.c -- the pure parsers of the web observer's write requests:
 * application/x-www-form-urlencoded bodies (what an HTML form or
 * URLSearchParams posts) turned into a message to send or an actor to act
 * on. (buf, len) in, no I/O, no allocation, no global state; fuzzed by
 * tests/fuzz/fuzz_observer_form.c. The rules of the fields are the shell's
 * `send` (shell_parse_type, shell_parse_hex).
 */
#include <stdio.h>
#include <string.h>

#include "core/bytes.h"
#include "shell/observer.h"

/* Decode `n` bytes of a form component into `out` (cap bytes, NUL added);
 * -1 with a reason for a bad escape or no room. */
static int decode(const char *s, size_t n, char *out, size_t cap, size_t *outn, const char *what,
                  char *err)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? mk_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? mk_hex_value((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(err, SHELL_ERR_MAX, "%s: bad %%-escape at byte %zu", what, i);
                return -1;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (o + 1 >= cap) {
            snprintf(err, SHELL_ERR_MAX, "%s: longer than %zu bytes", what, cap - 1);
            return -1;
        }
        out[o++] = c;
    }
    if (cap)
        out[o] = '\0';
    *outn = o;
    return 0;
}

/* Walk the fields: calls back with each (key, klen, value, vlen). */
typedef int (*field_fn)(const char *k, size_t kl, const char *v, size_t vl, void *ctx);

static int each_field(const char *body, size_t len, field_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        if (end > i) { /* empty sequences between '&' are skipped (WHATWG) */
            size_t eq = i;
            while (eq < end && body[eq] != '=')
                eq++;
            const char *v = eq < end ? body + eq + 1 : body + end;
            size_t vl = eq < end ? end - eq - 1 : 0;
            int r = fn(body + i, eq - i, v, vl, ctx);
            if (r)
                return r;
        }
        i = end + 1;
    }
    return 0;
}

typedef struct {
    const char *key;
    char *out;
    size_t cap;
    size_t *n;
    char *err;
    int found;
} get_ctx_t;

static int get_one(const char *k, size_t kl, const char *v, size_t vl, void *p)
{
    get_ctx_t *g = p;
    char name[64];
    size_t nl;
    char scratch[SHELL_ERR_MAX];
    if (decode(k, kl, name, sizeof name, &nl, "field name", scratch) < 0)
        return 0; /* a long or odd name cannot be the key looked for */
    if (nl != strlen(g->key) || memcmp(name, g->key, nl) != 0)
        return 0;
    if (g->found) {
        snprintf(g->err, SHELL_ERR_MAX, "field '%s' given twice", g->key);
        return -1;
    }
    g->found = 1;
    return decode(v, vl, g->out, g->cap, g->n, g->key, g->err);
}

int obs_form_get(const char *body, size_t len, const char *key, char *out, size_t cap, size_t *n,
                 char *err)
{
    size_t dummy;
    get_ctx_t g = {key, out, cap, n ? n : &dummy, err, 0};
    if (cap)
        out[0] = '\0';
    *g.n = 0;
    if (!body)
        len = 0;
    if (each_field(body, len, get_one, &g) < 0)
        return -1;
    return g.found;
}

typedef struct {
    const char *const *keys;
    char *err;
} only_ctx_t;

static int check_known(const char *k, size_t kl, const char *v, size_t vl, void *p)
{
    (void)v;
    (void)vl;
    only_ctx_t *c = p;
    char name[64];
    size_t nl;
    char scratch[SHELL_ERR_MAX];
    if (decode(k, kl, name, sizeof name, &nl, "field name", scratch) == 0)
        for (const char *const *key = c->keys; *key; key++)
            if (nl == strlen(*key) && memcmp(name, *key, nl) == 0)
                return 0;
    snprintf(c->err, SHELL_ERR_MAX, "unknown field '%.*s'", kl > 40 ? 40 : (int)kl, k);
    for (char *e = c->err; *e; e++) /* the name is echoed: keep it printable */
        if ((unsigned char)*e < 0x20 || (unsigned char)*e >= 0x7f)
            *e = '?';
    return -1;
}

bool obs_form_only(const char *body, size_t len, const char *const *keys, char *err)
{
    only_ctx_t c = {keys, err};
    return body == NULL || each_field(body, len, check_known, &c) == 0;
}

/* The `to` field: required, 1..OBS_REF_MAX bytes, no NUL or control byte. */
static bool get_target(const char *body, size_t len, char *to, size_t cap, char *err)
{
    size_t n;
    int r = obs_form_get(body, len, "to", to, cap, &n, err);
    if (r < 0)
        return false;
    if (r == 0 || n == 0) {
        snprintf(err, SHELL_ERR_MAX,
                 "field 'to' (the actor: name, path, 0x<id> or sequence) "
                 "is missing");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)to[i] < 0x20 || to[i] == 0x7f) {
            snprintf(err, SHELL_ERR_MAX, "field 'to' holds a control byte at %zu", i);
            return false;
        }
    }
    return true;
}

bool obs_parse_target(const char *body, size_t len, char *to, size_t cap, char *err)
{
    static const char *const keys[] = {"to", NULL};
    if (!obs_form_only(body, len, keys, err))
        return false;
    return get_target(body, len, to, cap, err);
}

bool obs_parse_send(const char *body, size_t len, obs_send_t *out, char *err)
{
    static const char *const keys[] = {"to", "type", "text", "hex", NULL};
    char type[32];
    char hex[SHELL_PAYLOAD_MAX * 2 + 1]; /* two digits per byte */
    size_t n, hn;
    out->n = 0;
    if (!obs_form_only(body, len, keys, err) ||
        !get_target(body, len, out->to, sizeof out->to, err))
        return false;
    int r = obs_form_get(body, len, "type", type, sizeof type, &n, err);
    if (r < 0)
        return false;
    if (r == 0) {
        snprintf(err, SHELL_ERR_MAX, "field 'type' (decimal or 0x hex) is missing");
        return false;
    }
    if (n != strlen(type)) {
        snprintf(err, SHELL_ERR_MAX, "type: holds a NUL byte");
        return false;
    }
    if (!shell_parse_type(type, &out->type, err))
        return false;
    int has_text =
        obs_form_get(body, len, "text", (char *)out->payload, sizeof out->payload, &n, err);
    if (has_text < 0)
        return false;
    int has_hex = obs_form_get(body, len, "hex", hex, sizeof hex, &hn, err);
    if (has_hex < 0)
        return false;
    if (has_text && has_hex) {
        snprintf(err, SHELL_ERR_MAX, "give 'text' or 'hex', not both");
        return false;
    }
    if (has_text) {
        out->n = n;
        return true;
    }
    if (has_hex)
        return shell_parse_hex(hex, hn, out->payload, SHELL_PAYLOAD_MAX, &out->n, err);
    return true; /* no payload */
}
