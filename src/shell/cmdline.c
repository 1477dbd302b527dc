/*
 * cmdline.c -- the shell's command-line parser (see cmdline.h): words,
 * numbers, x:hex payloads and quoting of replies for display.
 *
 * Called by the shell's command handlers on lines typed by a person or read
 * from a script, so every byte is untrusted. Pure: no I/O, no allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/bytes.h"
#include "shell/cmdline.h"

static bool fail(char *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static bool fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, SHELL_ERR_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- Splitting into words -------------------------------------------- */

typedef struct {
    shell_args_t *a;
    size_t used; /* bytes of store in use */
} split_t;

static bool put(split_t *s, char c, char *err)
{
    if (s->used >= sizeof s->a->store - 1)
        return fail(err, "line too long to parse");
    s->a->store[s->used++] = c;
    return true;
}

/* An escape inside double quotes, at line[*i] (just after the backslash). */
static bool quoted_escape(split_t *s, const char *line, size_t len, size_t *i, char *err)
{
    if (*i >= len)
        return fail(err, "unterminated quote");
    char c = line[(*i)++];
    switch (c) {
    case 'n': return put(s, '\n', err);
    case 't': return put(s, '\t', err);
    case 'r': return put(s, '\r', err);
    case '0': return put(s, '\0', err);
    case '"':
    case '\\':
    case '\'': return put(s, c, err);
    case 'x': {
        int hi = *i < len ? mk_hex_value((unsigned char)line[*i]) : -1;
        int lo = *i + 1 < len ? mk_hex_value((unsigned char)line[*i + 1]) : -1;
        if (hi < 0 || lo < 0)
            return fail(err, "bad escape \\x at column %zu: needs two hex digits", *i);
        *i += 2;
        return put(s, (char)(hi * 16 + lo), err);
    }
    default:
        return fail(err, "unknown escape \\%c at column %zu", c >= 0x20 && c < 0x7f ? c : '?', *i);
    }
}

bool shell_split(const char *line, size_t len, shell_args_t *out, char *err)
{
    split_t s = {.a = out, .used = 0};
    out->argc = 0;
    size_t i = 0;
    for (;;) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i >= len)
            return true;
        if (out->argc >= SHELL_ARGS_MAX)
            return fail(err, "too many words (at most %d)", SHELL_ARGS_MAX);
        size_t w = out->argc;
        out->offset[w] = i;
        out->quoted[w] = false;
        size_t start = s.used;
        while (i < len && line[i] != ' ' && line[i] != '\t') {
            char c = line[i++];
            if (c == '\0')
                return fail(err, "NUL byte at column %zu", i - 1);
            if (c == '"') {
                out->quoted[w] = true;
                for (;;) {
                    if (i >= len)
                        return fail(err, "unterminated quote");
                    c = line[i++];
                    if (c == '"')
                        break;
                    if (c == '\0')
                        return fail(err, "NUL byte at column %zu", i - 1);
                    if (c == '\\') {
                        if (!quoted_escape(&s, line, len, &i, err))
                            return false;
                    } else if (!put(&s, c, err)) {
                        return false;
                    }
                }
            } else if (c == '\'') {
                out->quoted[w] = true;
                for (;;) {
                    if (i >= len)
                        return fail(err, "unterminated quote");
                    c = line[i++];
                    if (c == '\'')
                        break;
                    if (c == '\0')
                        return fail(err, "NUL byte at column %zu", i - 1);
                    if (!put(&s, c, err))
                        return false;
                }
            } else if (c == '\\') {
                if (i >= len)
                    return fail(err, "backslash at the end of the line");
                out->quoted[w] = true;
                if (line[i] == '\0')
                    return fail(err, "NUL byte at column %zu", i);
                if (!put(&s, line[i++], err))
                    return false;
            } else if (!put(&s, c, err)) {
                return false;
            }
        }
        if (!put(&s, '\0', err))
            return false;
        out->argv[w] = out->store + start;
        out->len[w] = s.used - 1 - start;
        out->argc++;
    }
}

/* ---- Numbers ---------------------------------------------------------- */

bool shell_parse_u64(const char *s, uint64_t *out, char *err)
{
    if (!s || !*s)
        return fail(err, "empty number");
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        const char *p = s + 2;
        if (!*p)
            return fail(err, "'%.40s': no hex digits after 0x", s);
        for (; *p; p++) {
            int d = mk_hex_value((unsigned char)*p);
            if (d < 0)
                return fail(err, "'%.40s': '%c' is not a hex digit", s,
                            *p >= 0x20 && *p < 0x7f ? *p : '?');
            if (v >> 60)
                return fail(err, "'%.40s' does not fit in 64 bits", s);
            v = v << 4 | (uint64_t)d;
        }
    } else {
        for (const char *p = s; *p; p++) {
            if (*p < '0' || *p > '9')
                return fail(err, "'%.40s' is not a number (decimal or 0x hex)", s);
            uint64_t d = (uint64_t)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return fail(err, "'%.40s' does not fit in 64 bits", s);
            v = v * 10 + d;
        }
    }
    *out = v;
    return true;
}

bool shell_parse_type(const char *s, uint32_t *out, char *err)
{
    uint64_t v;
    if (!shell_parse_u64(s, &v, err))
        return false;
    if (v > UINT32_MAX)
        return fail(err, "type '%.40s' does not fit in 32 bits", s);
    *out = (uint32_t)v;
    return true;
}

/* ---- Payloads --------------------------------------------------------- */

bool shell_parse_hex(const char *hex, size_t len, uint8_t *out, size_t cap, size_t *n, char *err)
{
    size_t bad = 0;
    switch (mk_hex_decode(hex, len, out, cap, &bad)) {
    case MK_HEX_OK: break;
    case MK_HEX_ODD: return fail(err, "x: payload has an odd number of hex digits (%zu)", len);
    case MK_HEX_BAD_DIGIT:
        return fail(err, "x: payload has a non-hex character at position %zu", bad + 1);
    case MK_HEX_TOO_LONG:
        return fail(err, "x: payload is %zu bytes, at most %zu allowed", len / 2, cap);
    }
    *n = len / 2;
    return true;
}

bool shell_parse_payload(const char *line, size_t len, const shell_args_t *args, size_t first,
                         uint8_t *out, size_t cap, size_t *n, char *err)
{
    *n = 0;
    if (first >= args->argc)
        return true;
    const char *w = args->argv[first];
    if (!args->quoted[first] && strncmp(w, "x:", 2) == 0) {
        if (first + 1 < args->argc)
            return fail(err, "x: payload must be one word (no spaces in the hex)");
        return shell_parse_hex(w + 2, strlen(w + 2), out, cap, n, err);
    }
    if (first + 1 == args->argc) {
        /* A single word: its unquoted bytes, escaped \0 bytes included. */
        size_t wlen = args->len[first];
        if (wlen > cap)
            return fail(err, "payload is %zu bytes, at most %zu allowed", wlen, cap);
        memcpy(out, w, wlen);
        *n = wlen;
        return true;
    }
    size_t from = args->offset[first];
    size_t to = len;
    while (to > from && (line[to - 1] == ' ' || line[to - 1] == '\t'))
        to--;
    if (to - from > cap)
        return fail(err, "payload is %zu bytes, at most %zu allowed", to - from, cap);
    memcpy(out, line + from, to - from);
    *n = to - from;
    return true;
}

void shell_quote(const uint8_t *data, size_t n, size_t max_show, char *out, size_t cap)
{
    size_t o = 0;
    if (cap < 8) {
        if (cap)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    size_t shown = 0;
    for (; shown < n && shown < max_show; shown++) {
        char tmp[5];
        uint8_t c = data[shown];
        size_t k;
        switch (c) {
        case '"': k = 2, memcpy(tmp, "\\\"", 2); break;
        case '\\': k = 2, memcpy(tmp, "\\\\", 2); break;
        case '\n': k = 2, memcpy(tmp, "\\n", 2); break;
        case '\r': k = 2, memcpy(tmp, "\\r", 2); break;
        case '\t': k = 2, memcpy(tmp, "\\t", 2); break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                tmp[0] = (char)c;
                k = 1;
            } else {
                snprintf(tmp, sizeof tmp, "\\x%02x", c);
                k = 4;
            }
        }
        if (o + k + 5 > cap) /* room for '"', "..." and NUL */
            break;
        memcpy(out + o, tmp, k);
        o += k;
    }
    out[o++] = '"';
    if (shown < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Length of the well-formed UTF-8 sequence at `p` (`n` bytes left) that
 * is not a C1 control, or 0 (RFC 3629 section 4, "UTF8-octets"). */
static size_t utf8_printable(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        if (c == 0xc2)
            lo = 0xa0; /* U+0080..U+009F are the C1 controls */
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* no overlong forms */
        else if (c == 0xed)
            hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return len;
}

size_t shell_escape_text(const uint8_t *data, size_t n, char *out, size_t cap, size_t *used)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t c = data[i];
        size_t keep = 0;
        if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t')
            keep = 1;
        else if (c >= 0x80)
            keep = utf8_printable(data + i, n - i);
        if (keep > 0) {
            if (o + keep > cap)
                break;
            memcpy(out + o, data + i, keep);
            o += keep;
            i += keep;
            continue;
        }
        if (o + 4 > cap)
            break;
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = mk_hex_digit(c >> 4);
        out[o++] = mk_hex_digit(c);
        i++;
    }
    *used = i;
    return o;
}
