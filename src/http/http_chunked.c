/*
 * http_chunked.c -- the chunked transfer coding decoder (RFC 9112 7.1).
 *
 * Decodes in place, in pieces of any size, so the receive path appends
 * bytes and calls it on the new part only: no copy of the whole body, no
 * allocation. Chunk extensions and trailer fields are skipped (bounded).
 */
#include "core/bytes.h"
#include "http/http_parse.h"

#include <string.h>

enum {
    ST_SIZE,         /* reading hex digits of chunk-size */
    ST_EXT,          /* after the size: chunk-ext up to CRLF */
    ST_SIZE_LF,      /* saw CR after size line */
    ST_DATA,         /* chunk data */
    ST_DATA_CR,      /* expecting CR after data */
    ST_DATA_LF,      /* expecting LF after data */
    ST_TRAILER,      /* at the start of a trailer line */
    ST_TRAILER_LINE, /* inside a trailer line */
    ST_TRAILER_LF,   /* saw CR ending a trailer line */
    ST_END_LF,       /* saw CR of the final empty line */
    ST_DONE
};

void http_chunked_init(http_chunked_t *d)
{
    d->remaining = 0;
    d->line_len = 0;
    d->trailer_len = 0;
    d->state = ST_SIZE;
    d->digits = 0;
}

/* The size line ended: go to data, or to the trailer for the last chunk. */
static void size_line_done(http_chunked_t *d)
{
    d->line_len = 0;
    d->state = d->remaining ? ST_DATA : ST_TRAILER;
}

ssize_t http_chunked_decode(http_chunked_t *d, uint8_t *buf, size_t *len)
{
    size_t in = 0, out = 0, n = *len;
    while (in < n) {
        uint8_t c = buf[in];
        switch (d->state) {
        case ST_SIZE: {
            int h = mk_hex_value(c);
            if (h >= 0) {
                if (d->digits >= 15) /* keeps sizes below 2^60 */
                    return HTTP_PARSE_INVALID;
                d->remaining = d->remaining * 16 + (uint64_t)h;
                d->digits++;
                d->line_len++;
                in++;
                break;
            }
            if (d->digits == 0)
                return HTTP_PARSE_INVALID;
            if (c == ';' || c == ' ' || c == '\t') {
                d->state = ST_EXT;
                break;
            }
            if (c == '\r') {
                d->state = ST_SIZE_LF;
                in++;
                break;
            }
            if (c == '\n') {
                in++;
                size_line_done(d);
                break;
            }
            return HTTP_PARSE_INVALID;
        }
        case ST_EXT:
            if (c == '\r') {
                d->state = ST_SIZE_LF;
            } else if (c == '\n') {
                size_line_done(d);
            } else if (c < 0x20 && c != '\t') {
                return HTTP_PARSE_INVALID;
            } else if (++d->line_len > HTTP_CHUNKED_MAX_LINE) {
                return HTTP_PARSE_INVALID;
            }
            in++;
            break;
        case ST_SIZE_LF:
            if (c != '\n')
                return HTTP_PARSE_INVALID;
            in++;
            size_line_done(d);
            break;
        case ST_DATA: {
            size_t avail = n - in;
            size_t take = d->remaining < avail ? (size_t)d->remaining : avail;
            if (out != in)
                memmove(buf + out, buf + in, take);
            out += take;
            in += take;
            d->remaining -= take;
            if (d->remaining == 0)
                d->state = ST_DATA_CR;
            break;
        }
        case ST_DATA_CR:
            if (c == '\r') {
                d->state = ST_DATA_LF;
            } else if (c == '\n') {
                d->state = ST_SIZE;
                d->digits = 0;
            } else {
                return HTTP_PARSE_INVALID;
            }
            in++;
            break;
        case ST_DATA_LF:
            if (c != '\n')
                return HTTP_PARSE_INVALID;
            in++;
            d->state = ST_SIZE;
            d->digits = 0;
            break;
        case ST_TRAILER:
            if (c == '\r') {
                d->state = ST_END_LF;
                in++;
                break;
            }
            if (c == '\n') {
                in++;
                d->state = ST_DONE;
                goto done;
            }
            d->state = ST_TRAILER_LINE;
            break;
        case ST_TRAILER_LINE:
            if (++d->trailer_len > HTTP_CHUNKED_MAX_TRAILER)
                return HTTP_PARSE_INVALID;
            if (c == '\r')
                d->state = ST_TRAILER_LF;
            else if (c == '\n')
                d->state = ST_TRAILER;
            else if (c < 0x20 && c != '\t')
                return HTTP_PARSE_INVALID;
            in++;
            break;
        case ST_TRAILER_LF:
            if (c != '\n')
                return HTTP_PARSE_INVALID;
            in++;
            d->state = ST_TRAILER;
            break;
        case ST_END_LF:
            if (c != '\n')
                return HTTP_PARSE_INVALID;
            in++;
            d->state = ST_DONE;
            goto done;
        case ST_DONE: goto done;
        default: return HTTP_PARSE_INVALID;
        }
    }
    *len = out;
    return d->state == ST_DONE ? 0 : HTTP_PARSE_INCOMPLETE;
done:
    /* Move what follows the coding right after the decoded bytes. */
    if (out != in && n > in)
        memmove(buf + out, buf + in, n - in);
    *len = out;
    return (ssize_t)(n - in);
}
