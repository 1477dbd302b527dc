/*
 * The KV and SQL services from C: services_start() boots a node's standard
 * actors, among them the local store (SQLite files in the data directory)
 * at "/node/storage/kv" and "/node/storage/db". An actor puts a key, reads
 * it back, then creates a table, inserts two rows with bound parameters and
 * selects them. Requests and replies are text (`id=..`, `key=..`,
 * `sql=..`, `params=<JSON array>`); SQL results are JSON
 * (docs/services.md).
 *   kv_sql [DATA_DIR]     (default: a new temporary directory, removed)
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microkernel/message.h"
#include "microkernel/node_services.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

enum { MSG_START = 1 };

/* The steps, in order; each `id=` names the step its reply belongs to. */
static const char *const steps[] = {
    "id=1\nkey=greeting\nvalue=hello from C",
    "id=2\nkey=greeting\n",
    "id=3\nsql=CREATE TABLE IF NOT EXISTS sensors(name TEXT PRIMARY KEY, celsius REAL)\n",
    "id=4\nsql=INSERT OR REPLACE INTO sensors VALUES (?, ?), (?, ?)\n"
    "params=[\"kitchen\", 21.5, \"garage\", 7.25]\n",
    "id=5\nsql=SELECT name, celsius FROM sensors ORDER BY name\n",
};
enum { N_STEPS = sizeof steps / sizeof steps[0] };

typedef struct {
    int step; /* index of the request in flight */
    bool ok;
} app_t;

static void request(runtime_t *rt, app_t *a)
{
    const char *path = a->step < 2 ? "/node/storage/kv" : "/node/storage/db";
    msg_type_t type = a->step == 0 ? MSG_KV_PUT : a->step == 1 ? MSG_KV_GET : MSG_DB_QUERY;
    if (!actor_send_named(rt, path, type, steps[a->step], strlen(steps[a->step])))
        fprintf(stderr, "send to %s: %s\n", path, mk_last_error());
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static bool app(runtime_t *rt, actor_t *self, message_t *msg, void *state)
{
    (void)self;
    app_t *a = state;
    if (msg->type == MSG_START) {
        request(rt, a);
        return true;
    }
    const char *text = msg->payload;
    int len = (int)msg->payload_size;
    if (msg->type == MSG_KV_OK || msg->type == MSG_DB_RESULT) {
        printf("step %d: %.*s\n", a->step + 1, len, text);
    } else { /* MSG_KV_NOT_FOUND, MSG_KV_ERROR, MSG_DB_ERROR */
        printf("step %d failed: %.*s\n", a->step + 1, len, text);
        return false;
    }
    if (++a->step < N_STEPS) {
        request(rt, a);
        return true;
    }
    a->ok = true;
    return false; /* done: only the system actors are left, runtime_run() returns */
}

int main(int argc, char **argv)
{
    char tmp[] = "/tmp/kv_sql.XXXXXX";
    const char *dir = argc > 1 ? argv[1] : mkdtemp(tmp);
    if (!dir)
        return 1;
    runtime_t *rt = runtime_init(1, 32);
    if (!rt)
        return 1;
    services_config_t cfg = {.node_name = "example", .data_dir = dir, .no_mount_listen = true};
    app_t a = {0};
    if (!services_start(rt, &cfg)) {
        fprintf(stderr, "services_start: %s\n", mk_last_error());
    } else {
        actor_id_t id = actor_spawn(rt, app, &a, NULL, 16);
        actor_send(rt, id, MSG_START, NULL, 0);
        runtime_run(rt);
    }
    runtime_destroy(rt);
    if (argc <= 1) { /* remove the temporary store */
        if (nftw(tmp, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
            fprintf(stderr, "could not remove %s\n", tmp);
    }
    printf("kv_sql: %s\n", a.ok ? "all steps done" : "FAILED");
    return a.ok ? 0 : 1;
}
