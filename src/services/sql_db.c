/*
 * sql_db.c -- SQL queries for "/node/storage/db" (a local stand-in for the
 * cloud SQL service of seed 002): one statement per request, parameters
 * bound from a JSON array (never pasted into the SQL), rows returned as JSON
 * built with cJSON. Called by the local KV actor on its own connection.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "microkernel/node_services.h"
#include "services/local_kv.h"

/* Deny ATTACH / DETACH: a query may touch only its own database file. */
static int authorize(void *ctx, int action, const char *a, const char *b, const char *c,
                     const char *d)
{
    (void)ctx, (void)a, (void)b, (void)c, (void)d;
    return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

bool sql_db_setup(sqlite3 *db)
{
    return sqlite3_set_authorizer(db, authorize, NULL) == SQLITE_OK;
}

static bool bind_params(sqlite3_stmt *st, const kv_request_t *rq, char *why, size_t why_len)
{
    int want = sqlite3_bind_parameter_count(st);
    cJSON *arr = NULL;
    if (rq->params.ptr) {
        arr = cJSON_ParseWithLength(rq->params.ptr, rq->params.len);
        if (!arr || !cJSON_IsArray(arr)) {
            snprintf(why, why_len, "params is not a JSON array");
            cJSON_Delete(arr);
            return false;
        }
    }
    int have = arr ? cJSON_GetArraySize(arr) : 0;
    if (have != want) {
        snprintf(why, why_len, "the statement has %d parameter(s) but params has %d", want, have);
        cJSON_Delete(arr);
        return false;
    }
    int i = 1;
    bool ok = true;
    for (cJSON *p = arr ? arr->child : NULL; p && ok; p = p->next, i++) {
        int rc;
        if (cJSON_IsNull(p)) {
            rc = sqlite3_bind_null(st, i);
        } else if (cJSON_IsBool(p)) {
            rc = sqlite3_bind_int(st, i, cJSON_IsTrue(p));
        } else if (cJSON_IsNumber(p)) {
            double v = p->valuedouble;
            if (v == (double)(sqlite3_int64)v && v > -9.2e18 && v < 9.2e18)
                rc = sqlite3_bind_int64(st, i, (sqlite3_int64)v);
            else
                rc = sqlite3_bind_double(st, i, v);
        } else if (cJSON_IsString(p)) {
            rc = sqlite3_bind_text(st, i, p->valuestring, -1, SQLITE_TRANSIENT);
        } else {
            snprintf(why, why_len, "params[%d] is not a number, string, boolean or null", i - 1);
            ok = false;
            break;
        }
        if (rc != SQLITE_OK) {
            snprintf(why, why_len, "cannot bind params[%d]", i - 1);
            ok = false;
        }
    }
    cJSON_Delete(arr);
    return ok;
}

/* Column c of the current row as JSON (blobs as lower-case hex); NULL when out of memory. */
static cJSON *column_value(sqlite3_stmt *st, int c)
{
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER: return cJSON_CreateNumber((double)sqlite3_column_int64(st, c));
    case SQLITE_FLOAT: return cJSON_CreateNumber(sqlite3_column_double(st, c));
    case SQLITE_TEXT: return cJSON_CreateString((const char *)sqlite3_column_text(st, c));
    case SQLITE_BLOB: {
        /* Blobs as lower-case hex text. */
        const unsigned char *p = sqlite3_column_blob(st, c);
        int n = sqlite3_column_bytes(st, c);
        char *hex = mk_malloc((size_t)n * 2 + 1);
        if (!hex)
            return NULL;
        mk_hex_encode(p, (size_t)n, hex);
        cJSON *s = cJSON_CreateString(hex);
        mk_free(hex);
        return s;
    }
    default: return cJSON_CreateNull();
    }
}

bool sql_db_query(sqlite3 *db, const kv_request_t *rq, kv_buf_t *out, char *why, size_t why_len)
{
    if (!rq->sql.ptr || rq->sql.len == 0) {
        snprintf(why, why_len, "missing field sql");
        return false;
    }
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, rq->sql.ptr, (int)rq->sql.len, &st, &tail) != SQLITE_OK) {
        snprintf(why, why_len, "SQL error: %s", sqlite3_errmsg(db));
        return false;
    }
    if (!st) {
        snprintf(why, why_len, "sql holds no statement");
        return false;
    }
    for (const char *t = tail; t && t < rq->sql.ptr + rq->sql.len; t++)
        if (*t != ' ' && *t != '\t' && *t != '\r' && *t != ';') {
            snprintf(why, why_len, "only one statement per query");
            sqlite3_finalize(st);
            return false;
        }
    if (!bind_params(st, rq, why, why_len)) {
        sqlite3_finalize(st);
        return false;
    }
    cJSON *root = cJSON_CreateObject();
    if (rq->id.ptr) {
        char id[KV_ID_MAX + 1];
        memcpy(id, rq->id.ptr, rq->id.len);
        id[rq->id.len] = '\0';
        cJSON_AddStringToObject(root, "id", id);
    }
    int ncol = sqlite3_column_count(st);
    cJSON *cols = cJSON_AddArrayToObject(root, "columns");
    for (int c = 0; c < ncol; c++)
        cJSON_AddItemToArray(cols, cJSON_CreateString(sqlite3_column_name(st, c)));
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    int rc, nrows = 0;
    bool truncated = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nrows == DB_ROWS_MAX) {
            truncated = true;
            break;
        }
        cJSON *row = cJSON_CreateObject();
        for (int c = 0; c < ncol; c++)
            cJSON_AddItemToObject(row, sqlite3_column_name(st, c), column_value(st, c));
        cJSON_AddItemToArray(rows, row);
        nrows++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        snprintf(why, why_len, "SQL error: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        cJSON_Delete(root);
        return false;
    }
    bool readonly = sqlite3_stmt_readonly(st);
    sqlite3_finalize(st);
    cJSON_AddNumberToObject(root, "changes", readonly ? 0 : sqlite3_changes(db));
    cJSON_AddNumberToObject(root, "last_row_id", (double)sqlite3_last_insert_rowid(db));
    if (truncated)
        cJSON_AddBoolToObject(root, "truncated", 1);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) {
        snprintf(why, why_len, "out of memory building the result");
        return false;
    }
    size_t n = strlen(text);
    bool ok = n <= DB_RESULT_MAX && kv_buf_add(out, text, n);
    if (!ok)
        snprintf(why, why_len, "result is larger than DB_RESULT_MAX (262144) bytes; add a LIMIT");
    cJSON_free(text); /* cJSON's memory, not the library allocator's */
    return ok;
}
