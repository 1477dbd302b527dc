/*
 * local_kv.h -- what local_kv.c, sql_db.c and kv_check.c share: a growable
 * reply buffer, the SQL entry points and the store checks. Private to
 * src/services.
 */
#ifndef MK_SERVICES_LOCAL_KV_H
#define MK_SERVICES_LOCAL_KV_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "services/kv_proto.h"

typedef struct {
    char *data; /* malloc'd; freed by the owner */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
} kv_buf_t;

/* Make room for `more` bytes; false when memory runs out. */
bool kv_buf_reserve(kv_buf_t *b, size_t more);
/* Append bytes; false when memory runs out. */
bool kv_buf_add(kv_buf_t *b, const void *data, size_t len);
/* Append "name=<data>\n". */
bool kv_buf_field(kv_buf_t *b, const char *name, const void *data, size_t len);

/* Install the authorizer (no ATTACH/DETACH) on the SQL connection; false
 * with a reason on failure. */
bool sql_db_setup(sqlite3 *db);

/*
 * Run the one statement in rq->sql with the JSON array rq->params bound in
 * order (numbers, strings, true/false as 1/0, null), and append the result
 * as JSON to `out`: {"id":..,"columns":[..],"rows":[{..}],"changes":n,
 * "last_row_id":n[,"truncated":true]}. On failure returns false with a
 * sentence in `why` (missing sql, several statements, syntax error, bad
 * params, result over DB_RESULT_MAX) and leaves `out` as it was.
 */
bool sql_db_query(sqlite3 *db, const kv_request_t *rq, kv_buf_t *out, char *why, size_t why_len);

/* Problems a check reports at most (PRAGMA quick_check(N) / integrity_check(N)). */
#define KV_CHECK_PROBLEMS_MAX 100

/*
 * Before SQLite opens `path`: true when it does not exist (a new store) or
 * is a non-empty regular file. False with the reason for mk_last_error() for
 * a 0-byte file (SQLite would silently treat it as a new, empty database:
 * "is empty (0 bytes), not a SQLite database"), anything but a regular file,
 * or a failing stat(2). Never touches the file.
 */
bool kv_store_precheck(const char *path);

/*
 * Run PRAGMA quick_check (`full` false: page structure, free lists, record
 * formats; reads every page) or PRAGMA integrity_check (`full` true: also
 * every index against its table) on `db`. True when SQLite answers "ok".
 * False with a sentence in `why` ("PRAGMA quick_check found 3 problem(s),
 * the first: ..." or "PRAGMA quick_check failed: file is not a database").
 * A value's bytes damaged inside a record are not detected: SQLite keeps
 * no checksums. Reads only. Source: https://sqlite.org/pragma.html.
 */
bool kv_store_check(sqlite3 *db, bool full, char *why, size_t why_len);

#endif
