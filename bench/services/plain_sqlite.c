/*
 * plain_sqlite.c -- the baseline kv_bench compares the local KV actor with:
 * SQLite called directly from one thread, with the actor's schema (a WITHOUT
 * ROWID blob table) and every pragma it sets at open (locking_mode=EXCLUSIVE,
 * journal_mode=WAL, synchronous=FULL, cache_size=-16384, mmap_size=256 MiB),
 * its prepared upsert and point-get statements and its BEGIN IMMEDIATE /
 * COMMIT, putting `batch` keys per transaction.
 */
#include "plain_sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

bool plain_sqlite_run(const char *path, int puts, int batch, int gets, double *puts_s,
                      double *gets_s, double *put_cpu_us)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *put = NULL, *get = NULL, *begin = NULL, *commit = NULL;
    bool ok = false;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; "
                     "PRAGMA synchronous=FULL; PRAGMA cache_size=-16384; "
                     "PRAGMA mmap_size=268435456; "
                     "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB NOT NULL) "
                     "WITHOUT ROWID",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO kv(key, value) VALUES(?1, ?2) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           -1, &put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT value FROM kv WHERE key = ?1", -1, &get, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
        fprintf(stderr, "plain_sqlite: %s: %s\n", path, db ? sqlite3_errmsg(db) : "no memory");
        goto out;
    }
    char value[PLAIN_VALUE_BYTES];
    memset(value, 'v', sizeof value);
    char key[32];
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < puts; i += batch) {
        if (!step_done(begin))
            goto fail;
        for (int j = i; j < i + batch && j < puts; j++) {
            int n = snprintf(key, sizeof key, "k%08d", j);
            sqlite3_bind_blob(put, 1, key, n, SQLITE_STATIC);
            sqlite3_bind_blob(put, 2, value, sizeof value, SQLITE_STATIC);
            if (!step_done(put))
                goto fail;
        }
        if (!step_done(commit))
            goto fail;
    }
    double t1 = now_s(), c1 = cpu_s();
    size_t bytes = 0;
    for (int i = 0; i < gets; i++) {
        int n =
            snprintf(key, sizeof key, "k%08d", (int)((unsigned)i * 2654435761u % (unsigned)puts));
        sqlite3_bind_blob(get, 1, key, n, SQLITE_STATIC);
        if (sqlite3_step(get) == SQLITE_ROW)
            bytes += (size_t)sqlite3_column_bytes(get, 0);
        sqlite3_reset(get);
    }
    double t2 = now_s();
    if (gets > 0 && bytes != (size_t)gets * PLAIN_VALUE_BYTES) {
        fprintf(stderr, "plain_sqlite: gets returned %zu bytes\n", bytes);
        goto out;
    }
    *puts_s = puts / (t1 - t0);
    *put_cpu_us = (c1 - c0) * 1e6 / puts;
    *gets_s = gets > 0 ? gets / (t2 - t1) : 0;
    ok = true;
    goto out;
fail:
    fprintf(stderr, "plain_sqlite: %s: %s\n", path, sqlite3_errmsg(db));
out:
    sqlite3_finalize(put);
    sqlite3_finalize(get);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return ok;
}
