/*
 * sse_parse.c -- text/event-stream interpretation (HTML Living Standard
 * 9.2.6), fed by the SSE client (http_client.c) as body bytes arrive.
 *
 * Lines end in CRLF, LF or CR; a CR at the end of one read and an LF at the
 * start of the next are one line end. Buffers are bounded by max_event.
 */
#include "core/alloc_internal.h"
#include "http/sse_parse.h"

#include <stdlib.h>
#include <string.h>

void sse_parser_init(sse_parser_t *p, size_t max_event)
{
    memset(p, 0, sizeof *p);
    p->max_event = max_event ? max_event : 1;
}

void sse_parser_free(sse_parser_t *p)
{
    mk_free(p->line);
    mk_free(p->data);
    p->line = p->data = NULL;
    p->line_len = p->line_cap = p->data_len = p->data_cap = 0;
}

/* Make room for `need` bytes plus a NUL in *buf. */
static bool reserve(char **buf, size_t *cap, size_t need)
{
    if (need + 1 <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need + 1)
        n *= 2;
    char *b = mk_realloc(*buf, n);
    if (!b)
        return false;
    *buf = b;
    *cap = n;
    return true;
}

/* The empty line: dispatch the event (9.2.6 "dispatch the event"). */
static bool dispatch(sse_parser_t *p, sse_event_fn fn, void *ctx)
{
    if (p->data_len == 0) {
        p->type_len = 0;
        return true;
    }
    /* Remove the last LF the "data" field appended. */
    p->data_len--;
    p->data[p->data_len] = '\0';
    sse_event_t ev;
    if (p->type_len) {
        p->type[p->type_len] = '\0';
        ev.type = p->type;
        ev.type_len = p->type_len;
    } else {
        ev.type = "message";
        ev.type_len = 7;
    }
    ev.data = p->data;
    ev.data_len = p->data_len;
    ev.id = p->id;
    p->data_len = 0;
    p->type_len = 0;
    return fn(ctx, &ev);
}

/* Process one complete line (without its end). */
static bool process_line(sse_parser_t *p, const char *line, size_t n, sse_event_fn fn, void *ctx)
{
    if (n == 0)
        return dispatch(p, fn, ctx);
    if (line[0] == ':')
        return true; /* comment */
    const char *colon = memchr(line, ':', n);
    const char *name = line, *value;
    size_t name_len, value_len;
    if (colon) {
        name_len = (size_t)(colon - line);
        value = colon + 1;
        value_len = n - name_len - 1;
        if (value_len && *value == ' ') {
            value++;
            value_len--;
        }
    } else {
        name_len = n;
        value = "";
        value_len = 0;
    }
    if (name_len == 5 && memcmp(name, "event", 5) == 0) {
        size_t k = value_len < sizeof p->type - 1 ? value_len : sizeof p->type - 1;
        memcpy(p->type, value, k);
        p->type_len = k;
    } else if (name_len == 4 && memcmp(name, "data", 4) == 0) {
        if (p->data_len + value_len + 1 > p->max_event) {
            p->error = "SSE event data exceeds the limit";
            return false;
        }
        if (!reserve(&p->data, &p->data_cap, p->data_len + value_len + 1)) {
            p->error = "out of memory";
            return false;
        }
        memcpy(p->data + p->data_len, value, value_len);
        p->data_len += value_len;
        p->data[p->data_len++] = '\n';
        p->data[p->data_len] = '\0';
    } else if (name_len == 2 && memcmp(name, "id", 2) == 0) {
        if (!memchr(value, '\0', value_len)) {
            size_t k = value_len < sizeof p->id - 1 ? value_len : sizeof p->id - 1;
            memcpy(p->id, value, k);
            p->id[k] = '\0';
        }
    } else if (name_len == 5 && memcmp(name, "retry", 5) == 0) {
        uint64_t v = 0;
        bool ok = value_len > 0;
        for (size_t i = 0; i < value_len && ok; i++) {
            if (value[i] < '0' || value[i] > '9' || v > UINT64_MAX / 10 - 1)
                ok = false;
            else
                v = v * 10 + (uint64_t)(value[i] - '0');
        }
        if (ok)
            p->retry_ms = v;
    }
    /* Any other field is ignored. */
    return true;
}

bool sse_parser_feed(sse_parser_t *p, const char *buf, size_t len, sse_event_fn fn, void *ctx)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t i = 0;
    /* One leading U+FEFF is ignored (9.2.6), even when split across reads. */
    while (!p->bom_checked && i < len) {
        if ((unsigned char)buf[i] == bom[p->bom_seen]) {
            p->bom_seen++;
            i++;
            if (p->bom_seen == 3)
                p->bom_checked = true;
        } else {
            if (p->bom_seen) {
                /* A partial BOM was real data: put it back into the line. */
                if (!reserve(&p->line, &p->line_cap, p->bom_seen)) {
                    p->error = "out of memory";
                    return false;
                }
                memcpy(p->line, bom, p->bom_seen);
                p->line_len = p->bom_seen;
            }
            p->bom_checked = true;
        }
    }
    while (i < len) {
        if (p->skip_lf) {
            p->skip_lf = false;
            if (buf[i] == '\n') {
                i++;
                continue;
            }
        }
        /* Find the next line end. */
        size_t j = i;
        while (j < len && buf[j] != '\n' && buf[j] != '\r')
            j++;
        size_t piece = j - i;
        if (p->line_len + piece > p->max_event) {
            p->error = "SSE line exceeds the limit";
            return false;
        }
        if (j == len) {
            /* No line end yet: keep the piece. */
            if (!reserve(&p->line, &p->line_cap, p->line_len + piece)) {
                p->error = "out of memory";
                return false;
            }
            memcpy(p->line + p->line_len, buf + i, piece);
            p->line_len += piece;
            break;
        }
        bool ok;
        if (p->line_len == 0) {
            ok = process_line(p, buf + i, piece, fn, ctx);
        } else {
            if (!reserve(&p->line, &p->line_cap, p->line_len + piece)) {
                p->error = "out of memory";
                return false;
            }
            memcpy(p->line + p->line_len, buf + i, piece);
            p->line_len += piece;
            size_t n = p->line_len;
            p->line_len = 0;
            ok = process_line(p, p->line, n, fn, ctx);
        }
        if (!ok) {
            if (!p->error)
                p->error = "stopped by the event handler";
            return false;
        }
        p->skip_lf = buf[j] == '\r';
        i = j + 1;
    }
    return true;
}
