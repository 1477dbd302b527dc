/*
 * registry.c -- the name registry (seed "Name registry"): unique names of up
 * to MK_NAME_MAX characters for local or remote actors, removed when their
 * actor stops. Local changes are told to the name hooks, which the
 * multi-node layer uses to broadcast MSG_NAME_REGISTER / _UNREGISTER.
 * Names starting with '/' go to the namespace's path table instead once
 * src/services has installed it (mk_runtime_set_path_ops; limits in
 * microkernel/namespace.h: 255-byte paths, 1024 per node). Names learnt
 * from a peer node remember it (origin) and go when its link does.
 */
#include <string.h>

#include "core/runtime_internal.h"

static mk_name_t *find(const runtime_t *rt, const char *name)
{
    if (rt->n_names == 0)
        return NULL;
    for (size_t i = 0; i < MK_MAX_NAMES; i++)
        if (rt->names[i].name[0] == name[0] && strcmp(rt->names[i].name, name) == 0)
            return (mk_name_t *)&rt->names[i];
    return NULL;
}

static bool check_name(const char *fn, const char *name)
{
    if (!name || !name[0])
        return mk_fail("%s: name is %s", fn, name ? "empty" : "NULL");
    size_t len = strnlen(name, MK_NAME_MAX + 1);
    if (len > MK_NAME_MAX)
        return mk_fail("%s: name \"%.20s...\" is longer than %d characters", fn, name, MK_NAME_MAX);
    return true;
}

static void notify(runtime_t *rt, const char *name, actor_id_t id, bool registered)
{
    for (size_t i = 0; i < rt->n_name_hooks; i++)
        rt->name_hooks[i].fn(rt, rt->name_hooks[i].ctx, name, id, registered);
}

static bool reg(runtime_t *rt, const char *name, actor_id_t id, bool tell, node_id_t origin)
{
    if (!rt)
        return mk_fail("actor_register_name: runtime is NULL");
    if (!check_name("actor_register_name", name))
        return false;
    if (id == ACTOR_ID_INVALID)
        return mk_fail("actor_register_name: actor ID is ACTOR_ID_INVALID");
    if (actor_id_node(id) == rt->node_id && !mk_actor_find(rt, id))
        return mk_fail("actor_register_name: no live actor 0x%016llx", (unsigned long long)id);
    mk_name_t *e = find(rt, name);
    if (e)
        return mk_fail("actor_register_name: \"%s\" is already registered to actor 0x%016llx", name,
                       (unsigned long long)e->id);
    if (rt->n_names >= MK_MAX_NAMES)
        return mk_fail("actor_register_name: all %d names are in use", MK_MAX_NAMES);
    for (size_t i = 0; i < MK_MAX_NAMES; i++) {
        if (rt->names[i].name[0] == '\0') {
            strcpy(rt->names[i].name, name);
            rt->names[i].id = id;
            rt->names[i].origin = origin;
            rt->n_names++;
            if (tell)
                notify(rt, name, id, true);
            return true;
        }
    }
    return mk_fail("actor_register_name: registry is inconsistent");
}

bool mk_registry_register(runtime_t *rt, const char *name, actor_id_t id, bool tell)
{
    return reg(rt, name, id, tell, 0);
}

bool mk_registry_register_from(runtime_t *rt, const char *name, actor_id_t id, node_id_t origin)
{
    return reg(rt, name, id, false, origin);
}

size_t mk_registry_count_origin(const runtime_t *rt, node_id_t origin)
{
    size_t n = 0;
    for (size_t i = 0; i < MK_MAX_NAMES && origin != 0; i++)
        if (rt->names[i].name[0] && rt->names[i].origin == origin)
            n++;
    return n;
}

const mk_name_t *mk_registry_find(const runtime_t *rt, const char *name)
{
    return name && name[0] ? find(rt, name) : NULL;
}

static void remove_entry(runtime_t *rt, mk_name_t *e, bool tell)
{
    char name[MK_NAME_MAX + 1];
    actor_id_t id = e->id;
    strcpy(name, e->name);
    e->name[0] = '\0';
    e->id = ACTOR_ID_INVALID;
    e->origin = 0;
    rt->n_names--;
    if (tell)
        notify(rt, name, id, false);
}

bool mk_registry_unregister(runtime_t *rt, const char *name, bool tell)
{
    if (!rt)
        return mk_fail("actor_unregister_name: runtime is NULL");
    if (!check_name("actor_unregister_name", name))
        return false;
    mk_name_t *e = find(rt, name);
    if (!e)
        return mk_fail("actor_unregister_name: \"%s\" is not registered", name);
    remove_entry(rt, e, tell);
    return true;
}

/* Whether `name` goes to the namespace layer's path table. */
static bool is_path(const runtime_t *rt, const char *name)
{
    return rt && rt->path_ops && name && name[0] == '/';
}

void mk_runtime_set_path_ops(runtime_t *rt, const mk_path_ops_t *ops, void *ctx)
{
    rt->path_ops = ops;
    rt->path_ctx = ctx;
}

bool actor_register_name(runtime_t *rt, const char *name, actor_id_t id)
{
    if (is_path(rt, name))
        return rt->path_ops->reg(rt, rt->path_ctx, name, id);
    return mk_registry_register(rt, name, id, true);
}

bool actor_unregister_name(runtime_t *rt, const char *name)
{
    if (is_path(rt, name))
        return rt->path_ops->unreg(rt, rt->path_ctx, name);
    return mk_registry_unregister(rt, name, true);
}

actor_id_t actor_lookup(runtime_t *rt, const char *name)
{
    if (!rt) {
        mk_set_error("actor_lookup: runtime is NULL");
        return ACTOR_ID_INVALID;
    }
    if (is_path(rt, name))
        return rt->path_ops->lookup(rt, rt->path_ctx, name);
    if (!check_name("actor_lookup", name))
        return ACTOR_ID_INVALID;
    mk_name_t *e = find(rt, name);
    if (!e) {
        mk_set_error("actor_lookup: \"%s\" is not registered", name);
        return ACTOR_ID_INVALID;
    }
    return e->id;
}

bool actor_send_named(runtime_t *rt, const char *name, msg_type_t type, const void *payload,
                      size_t payload_size)
{
    actor_id_t id = actor_lookup(rt, name);
    if (id == ACTOR_ID_INVALID)
        return false;
    return actor_send(rt, id, type, payload, payload_size);
}

void mk_registry_release_owner(runtime_t *rt, actor_id_t owner)
{
    for (size_t i = 0; i < MK_MAX_NAMES && rt->n_names > 0; i++)
        if (rt->names[i].name[0] && rt->names[i].id == owner)
            remove_entry(rt, &rt->names[i], true);
}

size_t mk_registry_remove_node(runtime_t *rt, node_id_t node)
{
    size_t removed = 0;
    for (size_t i = 0; i < MK_MAX_NAMES && rt->n_names > 0; i++) {
        const mk_name_t *e = &rt->names[i];
        if (e->name[0] && (actor_id_node(e->id) == node || (node != 0 && e->origin == node))) {
            remove_entry(rt, &rt->names[i], false);
            removed++;
        }
    }
    return removed;
}

size_t runtime_list_names(const runtime_t *rt, const char **names, actor_id_t *ids, size_t max)
{
    if (!rt)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < MK_MAX_NAMES && n < max; i++) {
        if (rt->names[i].name[0]) {
            names[n] = rt->names[i].name;
            ids[n] = rt->names[i].id;
            n++;
        }
    }
    return rt->n_names;
}

const mk_name_t *mk_registry_slot(const runtime_t *rt, size_t i)
{
    return i < MK_MAX_NAMES ? &rt->names[i] : NULL;
}
