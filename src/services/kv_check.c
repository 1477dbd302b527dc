/*
 * kv_check.c -- is a store file fit to serve? Refuses a 0-byte or
 * non-regular file before SQLite sees it (SQLite would take a 0-byte file
 * for a new, empty database), and runs SQLite's own consistency checks
 * (PRAGMA quick_check at open, PRAGMA integrity_check on request).
 *
 * Called by local_kv.c when it opens kv.sqlite3 and db.sqlite3 and for
 * MSG_KV_CHECK. It never writes to, moves or repairs a file: a damaged
 * store is left exactly as it was for the operator (issue 13).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error_internal.h"
#include "services/local_kv.h"

bool kv_store_precheck(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return true; /* a new store */
        return mk_fail("local_kv: cannot inspect %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return mk_fail("local_kv: %s is not a regular file: refusing to open it", path);
    if (st.st_size == 0)
        return mk_fail("local_kv: %s is empty (0 bytes), not a SQLite database: refusing to "
                       "serve it as an empty store; the file is left as it is (remove it to start "
                       "a new store)",
                       path);
    return true;
}

bool kv_store_check(sqlite3 *db, bool full, char *why, size_t why_len)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA %s(%d)", full ? "integrity_check" : "quick_check",
             KV_CHECK_PROBLEMS_MAX);
    const char *name = full ? "integrity_check" : "quick_check";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(why, why_len, "PRAGMA %s failed: %s", name, sqlite3_errmsg(db));
        return false;
    }
    size_t problems = 0;
    char first[256] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t && strcmp((const char *)t, "ok") == 0)
            continue;
        if (problems++ == 0)
            snprintf(first, sizeof first, "%s", t ? (const char *)t : "?");
    }
    if (rc != SQLITE_DONE) {
        snprintf(why, why_len, "PRAGMA %s failed: %s", name, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return false;
    }
    sqlite3_finalize(st);
    if (problems == 0)
        return true;
    for (char *c = first; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    snprintf(why, why_len, "PRAGMA %s found %s%zu problem(s), the first: %s", name,
             problems >= KV_CHECK_PROBLEMS_MAX ? "at least " : "", problems, first);
    return false;
}
