/*
 * snapshot.c -- a consistent copy of the actor table and the names of each
 * actor (flat names, then this node's namespace paths), for `list`, `info`
 * and the HTTP status page. Inspection only: O(actors + names), allocates.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "shell/shell_internal.h"
#ifdef MK_SHELL_SERVICES
#include "microkernel/namespace.h"
#endif

bool sh_snapshot_take(runtime_t *rt, sh_snapshot_t *s)
{
    memset(s, 0, sizeof *s);
    size_t n = runtime_actor_count(rt);
    s->actors = mk_calloc(n + 1, sizeof *s->actors);
    s->names = mk_calloc(MK_MAX_NAMES, sizeof *s->names);
    s->ids = mk_calloc(MK_MAX_NAMES, sizeof *s->ids);
    if (!s->actors || !s->names || !s->ids) {
        mk_free(s->actors);
        mk_free(s->names);
        mk_free(s->ids);
        return false;
    }
    s->n_actors = runtime_actor_info(rt, s->actors, n + 1);
    s->n_names = runtime_list_names(rt, s->names, s->ids, MK_MAX_NAMES);
    if (s->n_names > MK_MAX_NAMES)
        s->n_names = MK_MAX_NAMES;
#ifdef MK_SHELL_SERVICES
    /* Paths live in the namespace, not the flat registry: add this node's. */
    size_t np = ns_list(rt, "/", NULL, 0);
    if (np > 0 && (s->paths = mk_calloc(np, sizeof *s->paths)) != NULL) {
        np = ns_list(rt, "/", s->paths, np);
        const char **names = mk_realloc(s->names, (s->n_names + np) * sizeof *names);
        actor_id_t *ids = mk_realloc(s->ids, (s->n_names + np) * sizeof *ids);
        if (names)
            s->names = names;
        if (ids)
            s->ids = ids;
        for (size_t i = 0; names && ids && i < np; i++) {
            if (s->paths[i].origin != runtime_node_id(rt))
                continue;
            s->names[s->n_names] = s->paths[i].path;
            s->ids[s->n_names++] = s->paths[i].id;
        }
    }
    mk_clear_error();
#endif
    return true;
}

void sh_snapshot_free(sh_snapshot_t *s)
{
    mk_free(s->paths);
    mk_free(s->actors);
    mk_free(s->names);
    mk_free(s->ids);
}
