/*
 * cf_json.c -- request and reply translation of the cf_proxy actor:
 * `key=value` lines into the Worker's JSON and its JSON replies back
 * (compat/cloud.md §1.4-§1.7), built and parsed with cJSON so escapes are
 * right both ways and nothing is cut at 1 KiB as in the original. Pure
 * functions over (buf, len): called by cf_proxy.c, fuzzed by
 * tests/fuzz/fuzz_cf_json.c. Allocates only the strings it returns.
 */
#include "core/alloc_internal.h"
#include "cloud/cf_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/cf_proxy.h"

bool cf_field(const char *buf, size_t len, const char *key, const char **val, size_t *vlen)
{
    size_t klen = strlen(key);
    size_t i = 0;
    while (buf && i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        if (end - i > klen && memcmp(buf + i, key, klen) == 0 && buf[i + klen] == '=') {
            *val = buf + i + klen + 1;
            *vlen = end - i - klen - 1;
            return true;
        }
        i = end + 1;
    }
    return false;
}

bool cf_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/* Add the string slice as `name` to `obj`; false (reason in *err) for a NUL
 * byte, invalid UTF-8 or no memory. */

/* cJSON's text of `o` copied into the library allocator's memory, so every
 * string this file hands out is freed with mk_free (cJSON allocates with
 * its own hooks); NULL when out of memory. */
static char *print_json(const cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (!s)
        return NULL;
    char *copy = mk_strdup(s);
    cJSON_free(s);
    return copy;
}

static bool add_str(cJSON *obj, const char *name, const char *v, size_t n, const char **err)
{
    if (memchr(v, '\0', n)) {
        *err = "a field contains a NUL byte";
        return false;
    }
    if (!cf_utf8_valid(v, n)) {
        *err = "a field is not valid UTF-8 (the Worker protocol carries text)";
        return false;
    }
    char *copy = mk_malloc(n + 1);
    if (!copy) {
        *err = "out of memory";
        return false;
    }
    memcpy(copy, v, n);
    copy[n] = '\0';
    cJSON *s = cJSON_CreateString(copy);
    mk_free(copy);
    if (!s || !cJSON_AddItemToObject(obj, name, s)) {
        cJSON_Delete(s);
        *err = "out of memory";
        return false;
    }
    return true;
}

/* Optional decimal field `key` of the payload as JSON number `name`. */
static bool add_opt_int(cJSON *obj, const char *p, size_t len, const char *key, const char *name,
                        const char **err)
{
    const char *v;
    size_t n;
    if (!cf_field(p, len, key, &v, &n))
        return true;
    char tmp[16];
    if (n == 0 || n >= sizeof tmp) {
        *err = "ttl, limit and delay must be decimal numbers of 1..15 digits";
        return false;
    }
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    char *end;
    long long x = strtoll(tmp, &end, 10);
    if (*end || (tmp[0] != '-' && (tmp[0] < '0' || tmp[0] > '9'))) {
        *err = "ttl, limit and delay must be decimal numbers";
        return false;
    }
    if (!cJSON_AddNumberToObject(obj, name, (double)x)) {
        *err = "out of memory";
        return false;
    }
    return true;
}

/* Required string field `key` of the payload as `name`. */
static bool add_req(cJSON *obj, const char *p, size_t len, const char *key, const char *name,
                    const char **err)
{
    const char *v;
    size_t n;
    if (!cf_field(p, len, key, &v, &n)) {
        static const char *const reasons[][2] = {
            {"key", "missing key"},   {"value", "missing value"},   {"sql", "missing sql"},
            {"body", "missing body"}, {"prompt", "missing prompt"}, {"text", "missing text"}};
        *err = "missing field";
        for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
            if (strcmp(reasons[i][0], key) == 0)
                *err = reasons[i][1];
        return false;
    }
    if (strcmp(key, "key") == 0 && (n == 0 || n > CF_PROXY_KEY_MAX)) {
        *err = "key must be 1..512 bytes";
        return false;
    }
    return add_str(obj, name, v, n, err);
}

/* Every `p=` line, in payload order, as the array "params". */
static bool add_params(cJSON *obj, const char *p, size_t len, const char **err)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "params");
    if (!arr) {
        *err = "out of memory";
        return false;
    }
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len;
        if (end - i >= 2 && p[i] == 'p' && p[i + 1] == '=') {
            cJSON *holder = cJSON_CreateObject();
            if (!holder || !add_str(holder, "p", p + i + 2, end - i - 2, err)) {
                cJSON_Delete(holder);
                if (!holder)
                    *err = "out of memory";
                return false;
            }
            cJSON *s = cJSON_DetachItemFromObject(holder, "p");
            cJSON_Delete(holder);
            cJSON_AddItemToArray(arr, s);
        }
        i = end + 1;
    }
    return true;
}

/* An optional string field emitted only when present and non-empty. */
static bool add_opt_str(cJSON *obj, const char *p, size_t len, const char *key, const char **err)
{
    const char *v;
    size_t n;
    if (!cf_field(p, len, key, &v, &n) || n == 0)
        return true;
    return add_str(obj, key, v, n, err);
}

char *cf_json_request(uint32_t type, const char *p, size_t len, uint64_t req_id, const char **err)
{
    static const char *const names[] = {"kv_put",  "kv_get",     "kv_delete", "kv_list", "db_query",
                                        "db_exec", "queue_push", "ai_infer",  "ai_embed"};
    if (type < MSG_CF_KV_PUT || type > MSG_CF_AI_EMBED) {
        *err = "unknown request type";
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "req_id", (double)req_id) ||
        !cJSON_AddStringToObject(o, "type", names[type - MSG_CF_KV_PUT])) {
        *err = "out of memory";
        goto fail;
    }
    bool ok = false;
    switch (type) {
    case MSG_CF_KV_PUT:
        ok = add_req(o, p, len, "key", "key", err) && add_req(o, p, len, "value", "value", err) &&
             add_opt_int(o, p, len, "ttl", "ttl", err);
        break;
    case MSG_CF_KV_GET:
    case MSG_CF_KV_DELETE: ok = add_req(o, p, len, "key", "key", err); break;
    case MSG_CF_KV_LIST: {
        const char *v = "";
        size_t n = 0;
        cf_field(p, len, "prefix", &v, &n);
        ok = add_str(o, "prefix", v, n, err) && add_opt_int(o, p, len, "limit", "limit", err);
        break;
    }
    case MSG_CF_DB_QUERY:
    case MSG_CF_DB_EXEC:
        ok = add_req(o, p, len, "sql", "sql", err) && add_params(o, p, len, err);
        break;
    case MSG_CF_QUEUE_PUSH:
        ok = add_req(o, p, len, "body", "body", err) &&
             add_opt_int(o, p, len, "delay", "delay_seconds", err);
        break;
    case MSG_CF_AI_INFER:
        ok = add_opt_str(o, p, len, "model", err) && add_req(o, p, len, "prompt", "prompt", err);
        break;
    default: /* MSG_CF_AI_EMBED */
        ok = add_opt_str(o, p, len, "model", err) && add_req(o, p, len, "text", "text", err);
        break;
    }
    if (!ok)
        goto fail;
    char *s = print_json(o);
    cJSON_Delete(o);
    if (!s) {
        *err = "out of memory";
        return NULL;
    }
    if (strlen(s) > CF_PROXY_REQUEST_MAX) {
        mk_free(s);
        *err = "request too large (its JSON is over 2 MiB)";
        return NULL;
    }
    return s;
fail:
    cJSON_Delete(o);
    return NULL;
}

char *cf_json_auth(const char *node_id, const char *token)
{
    const char *err;
    cJSON *o = cJSON_CreateObject();
    char *s = NULL;
    if (o && cJSON_AddStringToObject(o, "type", "auth") &&
        add_str(o, "node_id", node_id, strlen(node_id), &err) &&
        add_str(o, "token", token, strlen(token), &err))
        s = print_json(o);
    cJSON_Delete(o);
    return s;
}

static bool set_data(cf_reply_t *r, const char *s, size_t n)
{
    r->data = mk_malloc(n + 1);
    if (!r->data)
        return false;
    memcpy(r->data, s, n);
    r->data[n] = '\0';
    r->data_len = n;
    return true;
}

/* The string field `name`, or "" when absent or not a string. */
static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(f) && f->valuestring ? f->valuestring : NULL;
}

static bool print_array(cf_reply_t *r, const cJSON *a)
{
    char *s = print_json(a);
    if (!s)
        return false;
    r->data = s;
    r->data_len = strlen(s);
    return true;
}

bool cf_json_reply(const char *buf, size_t len, cf_reply_t *out, const char **err)
{
    memset(out, 0, sizeof *out);
    cJSON *o = cJSON_ParseWithLength(buf, len);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        *err = "not a JSON object";
        return false;
    }
    const char *type = str_field(o, "type");
    if (!type) {
        cJSON_Delete(o);
        *err = "no string \"type\"";
        return false;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "req_id");
    if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble < 9007199254740992.0) {
        out->has_req_id = true;
        out->req_id = (uint64_t)id->valuedouble;
    }
    bool ok = true;
    const char *s;
    if (strcmp(type, "auth_ok") == 0) {
        out->kind = CF_REPLY_AUTH_OK;
    } else if (strcmp(type, "ping") == 0) {
        out->kind = CF_REPLY_PING;
    } else if (!strcmp(type, "ok") || !strcmp(type, "kv_put_ok") || !strcmp(type, "kv_delete_ok") ||
               !strcmp(type, "queue_push_ok")) {
        out->kind = CF_REPLY_OK;
    } else if (strcmp(type, "db_exec_ok") == 0) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "rows_affected");
        char num[32];
        int k = snprintf(num, sizeof num, "%.0f",
                         cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 1e18
                             ? n->valuedouble
                             : 0.0);
        out->kind = CF_REPLY_OK;
        ok = set_data(out, num, (size_t)k);
    } else if (!strcmp(type, "value") || !strcmp(type, "kv_get_ok") ||
               !strcmp(type, "ai_infer_ok")) {
        out->kind = CF_REPLY_VALUE;
        s = str_field(o, type[0] == 'a' ? "result" : "value");
        if (s && *s)
            ok = set_data(out, s, strlen(s));
    } else if (!strcmp(type, "keys") || !strcmp(type, "kv_list_ok")) {
        out->kind = CF_REPLY_KEYS;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "keys"), *k;
        size_t total = 0;
        cJSON_ArrayForEach(k, a) if (cJSON_IsString(k)) total += strlen(k->valuestring) + 1;
        if (total > 0 && (out->data = mk_malloc(total + 1)) == NULL) {
            ok = false;
        } else {
            cJSON_ArrayForEach(k, a) if (cJSON_IsString(k))
            {
                size_t n = strlen(k->valuestring);
                memcpy(out->data + out->data_len, k->valuestring, n);
                out->data_len += n;
                out->data[out->data_len++] = '\n';
                out->n_keys++;
            }
            if (out->data)
                out->data[out->data_len] = '\0';
        }
    } else if (strcmp(type, "db_query_ok") == 0) {
        out->kind = CF_REPLY_ROWS;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "rows");
        ok = a ? print_array(out, a) : set_data(out, "[]", 2);
    } else if (strcmp(type, "ai_embed_ok") == 0) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "embedding");
        if (a) {
            out->kind = CF_REPLY_EMBEDDING;
            ok = print_array(out, a);
        } else {
            out->kind = CF_REPLY_ERROR;
            ok = set_data(out, "no embedding", 12);
        }
    } else if (!strcmp(type, "not_found") || !strcmp(type, "kv_not_found")) {
        out->kind = CF_REPLY_NOT_FOUND;
    } else if (strcmp(type, "error") == 0) {
        out->kind = CF_REPLY_ERROR;
        s = str_field(o, "message");
        if (!s)
            s = "unknown error";
        ok = set_data(out, s, strlen(s));
    } else {
        out->kind = CF_REPLY_IGNORE;
    }
    cJSON_Delete(o);
    if (!ok) {
        cf_reply_free(out);
        *err = "out of memory";
        return false;
    }
    return true;
}

void cf_reply_free(cf_reply_t *r)
{
    mk_free(r->data);
    r->data = NULL;
    r->data_len = 0;
}

char *cf_json_kv(uint32_t type, const char *key, size_t key_len, const char *value,
                 size_t value_len, const char *prefix, size_t prefix_len, long limit,
                 uint64_t req_id, const char **err)
{
    static const char *const names[] = {"kv_put", "kv_get", "kv_delete", "kv_list"};
    if (type < MSG_CF_KV_PUT || type > MSG_CF_KV_LIST) {
        *err = "unknown request type";
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "req_id", (double)req_id) &&
              cJSON_AddStringToObject(o, "type", names[type - MSG_CF_KV_PUT]);
    if (!ok)
        *err = "out of memory";
    if (ok && type == MSG_CF_KV_LIST) {
        ok = add_str(o, "prefix", prefix ? prefix : "", prefix ? prefix_len : 0, err);
        if (ok && limit > 0 && !cJSON_AddNumberToObject(o, "limit", (double)limit)) {
            *err = "out of memory";
            ok = false;
        }
    } else if (ok) {
        if (key_len == 0 || key_len > CF_PROXY_KEY_MAX) {
            *err = "key must be 1..512 bytes";
            ok = false;
        } else {
            ok = add_str(o, "key", key, key_len, err);
        }
        if (ok && type == MSG_CF_KV_PUT)
            ok = add_str(o, "value", value ? value : "", value ? value_len : 0, err);
    }
    char *s = ok ? print_json(o) : NULL;
    if (ok && !s)
        *err = "out of memory";
    cJSON_Delete(o);
    return s;
}
