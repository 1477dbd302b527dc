/*
 * local_kv_compat.c -- the original's file-backed KV actor (local_kv.h):
 * the `key=value` text protocol with the MSG_CF_KV_* types, one file per
 * key. Called through local_kv_init(); does small blocking file I/O on the
 * runtime's thread like the original (values are at most 4096 bytes).
 * Every reply and listing is bounded by LOCAL_KV_VALUE_MAX.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "microkernel/local_kv.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"

typedef struct {
    char base[64];
} lkv_t;

size_t local_kv_text_get(const char *buf, size_t len, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    out[0] = '\0';
    size_t i = 0;
    while (i < len) {
        const char *line = buf + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t llen = nl ? (size_t)(nl - line) : len - i;
        if (llen > klen && memcmp(line, key, klen) == 0 && line[klen] == '=') {
            size_t v = llen - klen - 1;
            if (v > cap - 1)
                v = cap - 1;
            memcpy(out, line + klen + 1, v);
            out[v] = '\0';
            return v;
        }
        i += llen + 1;
    }
    return 0;
}

size_t local_kv_encode_key(const char *key, char *out, size_t cap)
{
    size_t n = 0;
    for (; *key; key++) {
        const char *enc = *key == '_' ? "_u" : *key == '/' ? "__" : NULL;
        size_t w = enc ? 2 : 1;
        if (n + w > cap - 1)
            break;
        if (enc)
            memcpy(out + n, enc, 2);
        else
            out[n] = *key;
        n += w;
    }
    out[n] = '\0';
    return n;
}

size_t local_kv_decode_key(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    while (*name && n < cap - 1) {
        if (name[0] == '_' && name[1] == 'u') {
            out[n++] = '_';
            name += 2;
        } else if (name[0] == '_' && name[1] == '_') {
            out[n++] = '/';
            name += 2;
        } else {
            out[n++] = *name++;
        }
    }
    out[n] = '\0';
    return n;
}

/* <base>/<encoded key> into `path` (256 bytes); false for an empty key. */
static bool key_path(const lkv_t *kv, const char *key, char path[256])
{
    if (!key[0])
        return false;
    char enc[LOCAL_KV_KEY_MAX + 1];
    local_kv_encode_key(key, enc, sizeof enc);
    return snprintf(path, 256, "%s/%s", kv->base, enc) < 256;
}

static void reply(runtime_t *rt, const message_t *msg, msg_type_t type, const char *p, size_t n)
{
    actor_send(rt, msg->source, type, n ? p : NULL, n);
}

static void list_keys(runtime_t *rt, const lkv_t *kv, const message_t *msg)
{
    char prefix[LOCAL_KV_KEY_MAX + 1], out[LOCAL_KV_VALUE_MAX], key[LOCAL_KV_KEY_MAX + 1];
    size_t plen =
        local_kv_text_get(msg->payload, msg->payload_size, "prefix", prefix, sizeof prefix);
    size_t n = 0;
    DIR *d = opendir(kv->base);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            size_t klen = local_kv_decode_key(e->d_name, key, sizeof key);
            if (klen < plen || memcmp(key, prefix, plen) != 0)
                continue;
            size_t need = klen + (n ? 1 : 0);
            if (n + need > sizeof out)
                break; /* the original stops at the first key that does not fit */
            if (n)
                out[n++] = '\n';
            memcpy(out + n, key, klen);
            n += klen;
        }
        closedir(d);
    }
    reply(rt, msg, MSG_CF_KEYS, out, n);
}

static bool lkv_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    lkv_t *kv = state;
    if (msg->type < MSG_CF_KV_PUT || msg->type > MSG_CF_KV_LIST)
        return true;
    const char *p = msg->payload ? msg->payload : "";
    size_t len = msg->payload_size;
    char key[LOCAL_KV_KEY_MAX + 1], path[256];
    local_kv_text_get(p, len, "key", key, sizeof key);
    switch (msg->type) {
    case MSG_CF_KV_PUT: {
        if (!key[0]) {
            reply(rt, msg, MSG_CF_ERROR, "missing key", 11);
            break;
        }
        char value[LOCAL_KV_VALUE_MAX];
        size_t vlen = local_kv_text_get(p, len, "value", value, sizeof value);
        FILE *f = key_path(kv, key, path) ? fopen(path, "wb") : NULL;
        bool ok = f && (vlen == 0 || fwrite(value, 1, vlen, f) == vlen);
        if (f && fclose(f) != 0)
            ok = false;
        if (ok)
            reply(rt, msg, MSG_CF_OK, NULL, 0);
        else
            reply(rt, msg, MSG_CF_ERROR, "write failed", 12);
        break;
    }
    case MSG_CF_KV_GET: {
        char value[LOCAL_KV_VALUE_MAX];
        FILE *f = key_path(kv, key, path) ? fopen(path, "rb") : NULL;
        if (!f) {
            reply(rt, msg, MSG_CF_NOT_FOUND, NULL, 0);
            break;
        }
        size_t n = fread(value, 1, sizeof value, f);
        fclose(f);
        reply(rt, msg, MSG_CF_VALUE, value, n);
        break;
    }
    case MSG_CF_KV_DELETE:
        if (key_path(kv, key, path))
            unlink(path);
        reply(rt, msg, MSG_CF_OK, NULL, 0);
        break;
    default: list_keys(rt, kv, msg); break;
    }
    return true;
}

static void lkv_free(void *state)
{
    mk_free(state);
}

actor_id_t local_kv_init(runtime_t *rt, const local_kv_config_t *config)
{
    if (!rt || !config || !config->base_path[0]) {
        mk_set_error("local_kv_init: NULL runtime or config, or empty base_path");
        return ACTOR_ID_INVALID;
    }
    lkv_t *kv = mk_calloc(1, sizeof *kv);
    if (!kv) {
        mk_set_error("local_kv_init: out of memory");
        return ACTOR_ID_INVALID;
    }
    memcpy(kv->base, config->base_path, sizeof kv->base - 1);
    mkdir(kv->base, 0755); /* one level, errors ignored (as the original) */
    actor_id_t id = actor_spawn(rt, lkv_behavior, kv, lkv_free, 32);
    if (id == ACTOR_ID_INVALID) {
        mk_free(kv);
        return ACTOR_ID_INVALID;
    }
    if (!actor_register_name(rt, "/node/local/storage/kv", id) ||
        (actor_lookup(rt, "/node/storage/kv") == ACTOR_ID_INVALID &&
         !actor_register_name(rt, "/node/storage/kv", id))) {
        actor_stop(rt, id);
        return ACTOR_ID_INVALID;
    }
    return id;
}
