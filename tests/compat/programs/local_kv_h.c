/* local_kv_h.c -- the original's local_kv.h (compat/services.md section 2):
 * config layout, message numbers, local_kv_init's paths. Built against the
 * installed package with pkg-config flags only. */
#define _DEFAULT_SOURCE
#include <microkernel/local_kv.h>
#include <microkernel/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/mk_compat_kv_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    int ok = sizeof(local_kv_config_t) == 64 && MSG_CF_KV_PUT == 300 && MSG_CF_KV_GET == 301 &&
             MSG_CF_KV_DELETE == 302 && MSG_CF_KV_LIST == 303 && MSG_CF_OK == 310 &&
             MSG_CF_VALUE == 311 && MSG_CF_KEYS == 313 && MSG_CF_NOT_FOUND == 315 &&
             MSG_CF_ERROR == 316;
    runtime_t *rt = runtime_init(1, 8);
    local_kv_config_t cfg;
    snprintf(cfg.base_path, sizeof cfg.base_path, "%s", dir);
    actor_id_t kv = local_kv_init(rt, &cfg);
    ok = ok && kv != ACTOR_ID_INVALID && actor_lookup(rt, "/node/storage/kv") == kv &&
         actor_lookup(rt, "/node/local/storage/kv") == kv;
    runtime_destroy(rt);
    rmdir(dir);
    puts(ok ? "local_kv_h: ok" : "local_kv_h: FAILED");
    return ok ? 0 : 1;
}
