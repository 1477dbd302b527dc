/*
 * i2c.c -- the I2C master actor at "/node/hardware/i2c" (compat
 * hardware.md §2): configure a port, write, read, write-then-read and
 * scan, each a synchronous HAL call answered at once. Reads are bounded by
 * I2C_MAX_READ and use a stack buffer, so a request cannot make us
 * allocate. The port configuration lives in a record that survives
 * restarts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "hw/hal/i2c_hal.h"
#include "hw/hw_internal.h"
#include "hw/hw_parse.h"
#include "microkernel/i2c.h"

typedef struct {
    bool configured;
    uint8_t sda, scl;
    uint32_t freq_hz;
} i2c_port_t;

typedef struct {
    hw_common_t c;
    const mk_i2c_hal_t *hal;
    i2c_port_t port[I2C_MAX_PORTS];
} i2c_rec_t;

static bool bring_up(void *rec)
{
    i2c_rec_t *b = rec;
    const mk_i2c_hal_t *h = b->hal;
    if (!h->init(h->ctx))
        return false;
    for (int p = 0; p < I2C_MAX_PORTS; p++)
        if (b->port[p].configured &&
            !h->configure(h->ctx, p, b->port[p].sda, b->port[p].scl, b->port[p].freq_hz))
            b->port[p].configured = false;
    return true;
}

static void take_down(void *rec)
{
    i2c_rec_t *b = rec;
    for (int p = 0; p < I2C_MAX_PORTS; p++)
        if (b->port[p].configured)
            b->hal->deconfigure(b->hal->ctx, p);
    b->hal->deinit(b->hal->ctx);
}

static void reply_err(runtime_t *rt, const message_t *msg, const char *text)
{
    hw_reply_error(rt, msg, MSG_I2C_ERROR, text);
}

/* Answer a transfer result; true when the HAL is wedged (actor stopping). */
static bool reply_result(runtime_t *rt, i2c_rec_t *b, const message_t *msg, int rc, uint8_t addr,
                         const uint8_t *data, size_t len)
{
    if (rc == I2C_HAL_OK) {
        if (!data) {
            hw_reply(rt, msg, MSG_I2C_OK, NULL, 0);
            return false;
        }
        uint8_t out[4 + I2C_MAX_READ];
        out[0] = addr;
        out[1] = 0;
        out[2] = (uint8_t)(len & 0xFF);
        out[3] = (uint8_t)(len >> 8);
        memcpy(out + 4, data, len);
        hw_reply(rt, msg, MSG_I2C_DATA, out, 4 + len);
        return false;
    }
    reply_err(rt, msg, rc == I2C_HAL_NACK ? "NACK" : "bus error");
    return hw_check_fault(&b->c, b->hal->faulted(b->hal->ctx), "transfer");
}

static void do_scan(runtime_t *rt, i2c_rec_t *b, const message_t *msg, int port)
{
    uint8_t out[1 + (I2C_SCAN_LAST - I2C_SCAN_FIRST + 1)];
    uint8_t n = 0;
    for (int a = I2C_SCAN_FIRST; a <= I2C_SCAN_LAST; a++)
        if (b->hal->probe(b->hal->ctx, port, (uint8_t)a))
            out[1 + n++] = (uint8_t)a;
    out[0] = n;
    hw_reply(rt, msg, MSG_I2C_SCAN_RESULT, out, 1u + n);
}

static bool i2c_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    i2c_rec_t *b = state;
    if (!hw_ready(rt, &b->c))
        return true;
    const mk_i2c_hal_t *h = b->hal;
    i2c_req_t r;
    hw_parse_err_t e = i2c_parse_request(msg->type, msg->payload, msg->payload_size, &r);
    if (e.early && strcmp(e.early, "unknown type") == 0)
        return true;
    if (e.early) {
        reply_err(rt, msg, e.early);
        return true;
    }
    i2c_port_t *port = &b->port[r.port];
    if (msg->type == MSG_I2C_CONFIGURE) {
        if (port->configured)
            h->deconfigure(h->ctx, r.port);
        port->configured = false;
        if (!h->configure(h->ctx, r.port, r.sda, r.scl, r.freq_hz)) {
            reply_err(rt, msg, "hal configure failed");
            hw_check_fault(&b->c, h->faulted(h->ctx), "configure");
            return true;
        }
        *port = (i2c_port_t){.configured = true, .sda = r.sda, .scl = r.scl, .freq_hz = r.freq_hz};
        hw_reply(rt, msg, MSG_I2C_OK, NULL, 0);
        return true;
    }
    if (!port->configured) {
        reply_err(rt, msg, "port not configured");
        return true;
    }
    if (e.late) {
        reply_err(rt, msg, e.late);
        return true;
    }
    uint8_t buf[I2C_MAX_READ];
    switch (msg->type) {
    case MSG_I2C_WRITE:
        reply_result(rt, b, msg, h->write(h->ctx, r.port, r.addr, r.wdata, r.wlen), r.addr, NULL,
                     0);
        break;
    case MSG_I2C_READ:
        reply_result(rt, b, msg, h->read(h->ctx, r.port, r.addr, buf, r.read_len), r.addr, buf,
                     r.read_len);
        break;
    case MSG_I2C_WRITE_READ: {
        int rc = r.wlen == 0
                     ? h->read(h->ctx, r.port, r.addr, buf, r.read_len)
                     : h->write_read(h->ctx, r.port, r.addr, r.wdata, r.wlen, buf, r.read_len);
        reply_result(rt, b, msg, rc, r.addr, buf, r.read_len);
        break;
    }
    case MSG_I2C_SCAN: do_scan(rt, b, msg, r.port); break;
    default: break;
    }
    return true;
}

const hw_actor_def_t i2c_actor_def = {
    .path = "/node/hardware/i2c",
    .name = "i2c",
    .behavior = i2c_behavior,
    .bring_up = bring_up,
    .take_down = take_down,
};

void *i2c_record_new(runtime_t *rt, const mk_i2c_hal_t *hal)
{
    i2c_rec_t *b = mk_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->c.def = &i2c_actor_def;
    b->c.rt = rt;
    b->c.manager = ACTOR_ID_INVALID;
    b->c.destroy = mk_free;
    b->hal = hal;
    return b;
}

actor_id_t i2c_actor_init(runtime_t *rt)
{
    const mk_i2c_hal_t *hal = hw_default_i2c ? hw_default_i2c : i2c_mock_hal();
    void *rec = i2c_record_new(rt, hal);
    if (!rec)
        return ACTOR_ID_INVALID;
    return hw_spawn_unsupervised(rt, &i2c_actor_def, rec);
}
