/*
 * plain_sqlite.c -- the baseline kv_bench compares against: a plain SQLite
 * program with the same schema and settings as the local KV actor (WAL,
 * synchronous=FULL, a WITHOUT ROWID blob table), doing one transaction per
 * put, then point gets with a prepared statement.
 * Usage: plain_sqlite <dir> <puts> <gets>; prints one line
 *   plain_sqlite puts_per_s=<x> gets_per_s=<y>
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: plain_sqlite <dir> <puts> <gets>\n");
        return 2;
    }
    int puts = atoi(argv[2]), gets = atoi(argv[3]);
    char path[4096];
    snprintf(path, sizeof path, "%s/plain.sqlite3", argv[1]);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 1;
    sqlite3_exec(db,
                 "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                 "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB NOT NULL) "
                 "WITHOUT ROWID",
                 NULL, NULL, NULL);
    sqlite3_stmt *put, *get;
    sqlite3_prepare_v2(db,
                       "INSERT INTO kv(key, value) VALUES(?1, ?2) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       -1, &put, NULL);
    sqlite3_prepare_v2(db, "SELECT value FROM kv WHERE key = ?1", -1, &get, NULL);
    char value[100];
    memset(value, 'v', sizeof value);
    char key[32];
    double t0 = now_s();
    for (int i = 0; i < puts; i++) {
        int n = snprintf(key, sizeof key, "k%08d", i);
        sqlite3_bind_blob(put, 1, key, n, SQLITE_STATIC);
        sqlite3_bind_blob(put, 2, value, sizeof value, SQLITE_STATIC);
        if (sqlite3_step(put) != SQLITE_DONE)
            return 1;
        sqlite3_reset(put);
    }
    double t1 = now_s();
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
    printf("plain_sqlite puts_per_s=%.0f gets_per_s=%.0f (%zu bytes read)\n", puts / (t1 - t0),
           gets / (t2 - t1), bytes);
    sqlite3_finalize(put);
    sqlite3_finalize(get);
    sqlite3_close(db);
    return 0;
}
