/*
 * sse_parse.h -- incremental parser of text/event-stream (HTML Living
 * Standard, "Server-sent events", 9.2.6 "Interpreting an event stream").
 *
 * Bytes in, events out through a callback. It keeps the line, data, event
 * type and last event ID buffers between calls (bounded by `max_event`);
 * no I/O, no global state.
 */
#ifndef MK_HTTP_SSE_PARSE_H
#define MK_HTTP_SSE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One dispatched event; the pointers are valid during the callback only. */
typedef struct {
    const char *type; /* event type, "message" by default; NUL-terminated */
    size_t type_len;
    const char *data; /* data lines joined by "\n", final LF removed; NUL-terminated */
    size_t data_len;
    const char *id; /* last event ID (may be ""); NUL-terminated */
} sse_event_t;

/* Called per event. Return false to stop parsing (sse_parser_feed then returns false). */
typedef bool (*sse_event_fn)(void *ctx, const sse_event_t *ev);

typedef struct {
    char *line; /* current line (grows to max_event) */
    size_t line_len, line_cap;
    char *data; /* data buffer */
    size_t data_len, data_cap;
    char type[64]; /* event type buffer; longer names are cut */
    size_t type_len;
    char id[256];      /* last event ID buffer; longer IDs are cut */
    uint64_t retry_ms; /* reconnection time from "retry:" (0: never set) */
    size_t max_event;  /* limit for a line and for the data buffer, bytes */
    bool skip_lf;      /* previous byte was CR: a following LF ends nothing */
    bool bom_checked;  /* the leading U+FEFF has been looked for */
    uint8_t bom_seen;  /* BOM bytes matched so far */
    const char *error; /* why feed failed, static */
} sse_parser_t;

/* Prepare a parser; `max_event` bounds a line and an event's data (bytes). */
void sse_parser_init(sse_parser_t *p, size_t max_event);
/* Free the parser's buffers (it can be re-initialised afterwards). */
void sse_parser_free(sse_parser_t *p);

/*
 * Feed `len` bytes of the stream. Calls `fn` for each complete event
 * (an empty line after data). Returns false when a line or the event's data
 * would exceed max_event, memory runs out (p->error says which) or `fn`
 * returned false; the parser must not be fed again after that.
 */
bool sse_parser_feed(sse_parser_t *p, const char *buf, size_t len, sse_event_fn fn, void *ctx);

#endif
