/*
 * log.c -- logging (seed "Logging"): actor_log formats at most
 * MK_LOG_MSG_MAX characters and sends them to the log actor, which writes
 * one line per message to the sink ("[LEVEL] 0x<actor>: text").
 *
 * Nothing is lost: before logging is enabled, or when the log actor's
 * mailbox is full, the line is written synchronously instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log_limit.h"
#include "core/runtime_internal.h"
#include "platform/clock.h"

#define LOG_MAILBOX 256

const char *log_level_name(int level)
{
    switch (level) {
    case LOG_DEBUG: return "DEBUG";
    case LOG_INFO: return "INFO";
    case LOG_WARN: return "WARN";
    case LOG_ERROR: return "ERROR";
    default: return "?";
    }
}

void mk_log_write(runtime_t *rt, int level, actor_id_t source, const char *text)
{
    char line[MK_LOG_MSG_MAX + 48];
    snprintf(line, sizeof line, "[%s] 0x%016llx: %s", log_level_name(level),
             (unsigned long long)source, text);
    if (rt->log_sink)
        rt->log_sink(line, rt->log_sink_ctx);
    else
        fprintf(stderr, "%s\n", line);
}

static bool log_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_LOG && msg->payload_size == sizeof(log_payload_t)) {
        const log_payload_t *p = msg->payload;
        char text[MK_LOG_MSG_MAX + 1];
        memcpy(text, p->text, sizeof text);
        text[MK_LOG_MSG_MAX] = '\0';
        mk_log_write(rt, p->level, p->source, text);
    }
    return true;
}

void runtime_enable_logging(runtime_t *rt)
{
    if (!rt || actor_is_alive(rt, rt->log_actor))
        return;
    rt->log_actor = actor_spawn(rt, log_behavior, NULL, NULL, LOG_MAILBOX);
    if (rt->log_actor != ACTOR_ID_INVALID)
        mk_actor_set_system(rt, rt->log_actor, true);
}

void runtime_set_log_level(runtime_t *rt, int level)
{
    if (!rt)
        return;
    if (level < LOG_DEBUG)
        level = LOG_DEBUG;
    if (level > LOG_ERROR)
        level = LOG_ERROR;
    rt->log_level = level;
}

void runtime_set_log_sink(runtime_t *rt, mk_log_sink_fn sink, void *ctx)
{
    if (!rt)
        return;
    rt->log_sink = sink;
    rt->log_sink_ctx = ctx;
}

void actor_log(runtime_t *rt, int level, const char *fmt, ...)
{
    if (!rt || !fmt || level < rt->log_level)
        return;
    log_payload_t p;
    memset(&p, 0, sizeof p);
    p.level = level;
    p.source = actor_self(rt);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p.text, sizeof p.text, fmt, ap);
    va_end(ap);
    if (!actor_is_alive(rt, rt->log_actor) ||
        !mk_send_from(rt, p.source, rt->log_actor, MSG_LOG, &p, sizeof p))
        mk_log_write(rt, level, p.source, p.text);
}

void mk_log_flush(runtime_t *rt)
{
    actor_t *a = mk_actor_find(rt, rt->log_actor);
    if (!a)
        return;
    message_t *msg;
    while ((msg = mailbox_dequeue(a->mbox)) != NULL) {
        log_behavior(rt, a, msg, NULL);
        message_destroy(msg);
    }
}

bool mk_log_limit_allow(mk_log_limit_t *lim, uint64_t now_ms, uint32_t *suppressed)
{
    if (lim->started && now_ms - lim->window_start_ms < MK_LOG_LIMIT_WINDOW_MS) {
        if (lim->suppressed < UINT32_MAX)
            lim->suppressed++;
        return false;
    }
    *suppressed = lim->suppressed;
    lim->suppressed = 0;
    lim->window_start_ms = now_ms;
    lim->started = true;
    return true;
}

void mk_log_limited(runtime_t *rt, mk_log_limit_t *lim, int level, const char *fmt, ...)
{
    uint32_t suppressed;
    if (!lim || !mk_log_limit_allow(lim, mk_clock_ms(), &suppressed))
        return;
    char text[MK_LOG_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (suppressed)
        actor_log(rt, level, "%s (%u similar lines suppressed)", text, suppressed);
    else
        actor_log(rt, level, "%s", text);
}

mk_log_sink_fn mk_runtime_log_sink(const runtime_t *rt, void **ctx)
{
    if (ctx)
        *ctx = rt->log_sink_ctx;
    return rt->log_sink;
}

actor_id_t mk_runtime_log_actor(const runtime_t *rt)
{
    return rt->log_actor;
}
