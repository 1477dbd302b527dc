/* cf_proxy_h.c -- the original's cf_proxy.h (compat/cloud.md section 1):
 * message numbers, the 384-byte config, and cf_proxy_init registering the
 * canonical /node/cloudflare/... paths; with nobody else serving them the
 * short service paths resolve to the proxy (ours does not register them
 * itself: docs/compat.md). An empty URL never connects. Built against the
 * installed package with pkg-config flags only. */
#include <microkernel/cf_proxy.h>
#include <microkernel/namespace.h>
#include <microkernel/runtime.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    int ok = MSG_CF_KV_PUT == 300 && MSG_CF_KV_GET == 301 && MSG_CF_KV_DELETE == 302 &&
             MSG_CF_KV_LIST == 303 && MSG_CF_DB_QUERY == 304 && MSG_CF_DB_EXEC == 305 &&
             MSG_CF_QUEUE_PUSH == 306 && MSG_CF_AI_INFER == 307 && MSG_CF_AI_EMBED == 308 &&
             MSG_CF_OK == 310 && MSG_CF_VALUE == 311 && MSG_CF_ROWS == 312 && MSG_CF_KEYS == 313 &&
             MSG_CF_EMBEDDING == 314 && MSG_CF_NOT_FOUND == 315 && MSG_CF_ERROR == 316;
    ok = ok && sizeof(cf_proxy_config_t) == 384 && offsetof(cf_proxy_config_t, token) == 256;
    runtime_t *rt = runtime_init(1, 16);
    ok = ok && ns_actor_init(rt) != ACTOR_ID_INVALID;
    cf_proxy_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    actor_id_t p = cf_proxy_init(rt, &cfg);
    static const char *const canonical[] = {
        "/node/cloudflare/storage/kv", "/node/cloudflare/storage/db",
        "/node/cloudflare/queue/default", "/node/cloudflare/ai/infer", "/node/cloudflare/ai/embed"};
    ok = ok && p != ACTOR_ID_INVALID;
    for (size_t i = 0; ok && i < 5; i++) {
        char short_path[64]; /* "/node" + what follows "/node/cloudflare" */
        snprintf(short_path, sizeof short_path, "/node%s", canonical[i] + 16);
        ok = actor_lookup(rt, canonical[i]) == p && actor_lookup(rt, short_path) == p;
    }
    runtime_destroy(rt);
    puts(ok ? "cf_proxy_h: ok" : "cf_proxy_h: FAILED");
    return ok ? 0 : 1;
}
