/*
 * plain_sqlite.h -- SQLite driven directly, the baseline of kv_bench.
 */
#ifndef MK_BENCH_PLAIN_SQLITE_H
#define MK_BENCH_PLAIN_SQLITE_H

#include <stdbool.h>

#define PLAIN_VALUE_BYTES 100 /* bytes per value, as kv_bench's puts */

/*
 * Put keys "k00000000".."k<puts-1>" (zero-padded to 8 digits) with
 * PLAIN_VALUE_BYTES-byte values into the database file `path` (created if
 * missing), `batch` puts per transaction (1: one transaction per put), then
 * `gets` point reads of those keys in kv_bench's order. Same schema, pragmas
 * and statements as the local KV actor (src/services/local_kv.c), called
 * from this thread. Returns false (reason on stderr) on any SQLite error or a
 * missing key; on success *puts_s and *gets_s are operations per second of
 * wall time (*gets_s 0 when gets is 0) and *put_cpu_us the process's CPU
 * microseconds per put (fsync waits excluded).
 */
bool plain_sqlite_run(const char *path, int puts, int batch, int gets, double *puts_s,
                      double *gets_s, double *put_cpu_us);

#endif
