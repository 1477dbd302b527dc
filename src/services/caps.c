/*
 * caps.c -- capability advertisement (seed 002, "Capability advertisement";
 * shape after seed 003's metadata JSON): the caps actor at "/sys/caps"
 * answers MSG_CAPS_REQUEST with the node's identity, features compiled in
 * and resource counts as one JSON object built with cJSON.
 *
 * Reading the counts walks the actor table: O(actors) per request, fine for
 * an inspection request, never on a hot path.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/actor.h"
#include "services/svc_internal.h"

/* Resident set size of this process in KiB, 0 if unknown. */
static uint64_t rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * 4; /* pages of 4 KiB on Linux targets we build for */
}

static void add_features(cJSON *f)
{
#ifdef HAVE_TLS
    cJSON_AddBoolToObject(f, "tls", 1);
#else
    cJSON_AddBoolToObject(f, "tls", 0);
#endif
#ifdef MK_SVC_WASM
    cJSON_AddBoolToObject(f, "wasm", 1);
#else
    cJSON_AddBoolToObject(f, "wasm", 0);
#endif
    cJSON_AddBoolToObject(f, "namespace", 1);
    cJSON_AddBoolToObject(f, "mount", 1);
    cJSON_AddBoolToObject(f, "local_kv", 1);
    cJSON_AddBoolToObject(f, "sql", 1);
    cJSON_AddBoolToObject(f, "cloud", 0);
}

char *services_caps_json(runtime_t *rt)
{
    svc_t *s = svc_get(rt);
    if (!s)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        mk_set_error("services_caps_json: out of memory");
        return NULL;
    }
    cJSON_AddNumberToObject(root, "node_id", s->info.id);
    cJSON_AddStringToObject(root, "node_name", s->info.name);
    cJSON_AddStringToObject(root, "platform", s->info.platform);
    cJSON_AddStringToObject(root, "version", s->info.version);
    add_features(cJSON_AddObjectToObject(root, "features"));

    size_t used = 0, capacity = 0;
    size_t n = runtime_actor_count(rt);
    actor_info_t *infos = calloc(n ? n : 1, sizeof *infos);
    if (infos) {
        n = runtime_actor_info(rt, infos, n);
        for (size_t i = 0; i < n; i++) {
            used += infos[i].mailbox_used;
            capacity += infos[i].mailbox_cap;
        }
        free(infos);
    }
    cJSON *r = cJSON_AddObjectToObject(root, "resources");
    cJSON_AddNumberToObject(r, "actors", (double)rt->alive);
    cJSON_AddNumberToObject(r, "max_actors", (double)rt->max_actors);
    cJSON_AddNumberToObject(r, "mailbox_used", (double)used);
    cJSON_AddNumberToObject(r, "mailbox_capacity", (double)capacity);
    cJSON_AddNumberToObject(r, "timers", (double)rt->n_timers);
    cJSON_AddNumberToObject(r, "max_timers", MK_MAX_TIMERS);
    cJSON_AddNumberToObject(r, "fd_watches", (double)rt->n_watches);
    cJSON_AddNumberToObject(r, "names", (double)rt->n_names);
    cJSON_AddNumberToObject(r, "paths", (double)s->paths.count);
    cJSON_AddNumberToObject(r, "peers", (double)services_peer_count(rt));
    cJSON_AddNumberToObject(r, "memory_rss_kib", (double)rss_kib());

    cJSON *peers = cJSON_AddArrayToObject(root, "peers");
    for (size_t i = 0; i < SVC_MAX_PEERS; i++) {
        const svc_peer_t *p = &s->peers[i];
        if (!p->node)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "node_id", p->node);
        cJSON_AddStringToObject(o, "node_name", p->name);
        cJSON_AddItemToArray(peers, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        mk_set_error("services_caps_json: out of memory");
    return text;
}

static bool caps_behavior(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    (void)state;
    if (msg->type == MSG_CAPS_REQUEST) {
        char *json = services_caps_json(rt);
        if (json) {
            actor_send(rt, msg->source, MSG_CAPS_REPLY, json, strlen(json));
            free(json);
        }
    } else if (msg->type < MSG_SYSTEM_BASE) {
        svc_reply_error(rt, msg->source, MSG_NS_ERROR, NULL, 0,
                        "caps does not handle message type 0x%08" PRIx32, msg->type);
    }
    return true;
}

bool caps_spawn(runtime_t *rt, svc_t *s)
{
    actor_id_t id = actor_spawn(rt, caps_behavior, s, NULL, 16);
    if (id == ACTOR_ID_INVALID)
        return false;
    mk_actor_set_system(rt, id, true);
    s->caps_actor = id;
    return actor_register_name(rt, "/sys/caps", id);
}
