/*
 * microkernel/state_persist.h -- file-backed binary save/load of actor state.
 *
 * Two layers. The original's keyed API (state_persist_init, state_save,
 * state_load, state_delete; ../shared/compat/services.md section 3) stores
 * raw bytes, no header, in <base>/<actor name>/<key>, written atomically
 * here. Below it, our checked state files (state_file_save/state_file_load,
 * what wasm_actor_set_state_file binds) carry a header:
 *
 * Source: seed 002, "Actor state persistence". A state file is a 24-byte
 * header followed by the state bytes (format in docs/wasm-actors.md):
 *   magic "MKST" | version u8 (1) | 3 zero bytes | length u64 LE |
 *   CRC-32 (IEEE) of the state u32 LE | CRC-32 of the first 20 header bytes u32 LE
 * Writes are atomic: a temporary file in the same directory is written,
 * fsync()ed and renamed over the old one, so a crash leaves either the old
 * or the new state, never a mix. A truncated or corrupt file is detected by
 * the lengths and checksums and reported, never loaded. Usable by any actor;
 * WASM actors reach it through mk_save_state / mk_load_state.
 */
#ifndef MICROKERNEL_STATE_PERSIST_H
#define MICROKERNEL_STATE_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microkernel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The original's keyed API (compat/services.md section 3) ---- */

/* Longest base path kept by state_persist_init (longer ones are cut). */
#define STATE_PERSIST_BASE_MAX 63
/* Bound on <base>/<name>/<key> in bytes, NUL included. */
#define STATE_PERSIST_PATH_MAX 256

/*
 * Remember `base_path` (its first 63 bytes) for runtime `rt` and create it
 * like mkdir -p (mode 0755). Conventional values: /tmp/mk_state (Linux),
 * /storage/_state (ESP32). Errors (NULL arguments, no memory, a directory
 * that cannot be created) are reported through mk_last_error() only, as the
 * original returns nothing.
 */
void state_persist_init(runtime_t *rt, const char *base_path);

/*
 * Write `size` raw bytes at `data` to <base>/<actor_name>/<key> (the
 * directory made like mkdir -p), replacing the file atomically (temporary
 * file, fsync, rename). `actor_name` NULL or empty: the running actor's
 * first flat registered name, else "_id_<sequence>", or "_unknown" outside
 * any actor. `key` is a file name used verbatim. Returns 0, or -1 (reason
 * in mk_last_error()) when state_persist_init was not called, the key is
 * empty, the path is 256 bytes or more, or a directory or the file cannot
 * be written.
 */
int state_save(runtime_t *rt, const char *actor_name, const char *key, const void *data,
               size_t size);

/*
 * Read at most `cap` bytes of <base>/<actor_name>/<key> into `buf` (name
 * resolved as for state_save). Returns the number of bytes read (a longer
 * file is cut at `cap`, as the original), or -1 (reason set) when not
 * initialised, the file is missing or unreadable.
 */
int state_load(runtime_t *rt, const char *actor_name, const char *key, void *buf, size_t cap);

/* Remove <base>/<actor_name>/<key>. 0, or -1 (reason set) when not
 * initialised or the file cannot be removed (e.g. missing). */
int state_delete(runtime_t *rt, const char *actor_name, const char *key);

/* ---- Checked state files (extension) ---- */

/* Size of the header in front of the state bytes. */
#define STATE_HEADER_SIZE 24
/* Largest state accepted by state_file_save / state_file_load (bytes). */
#ifndef STATE_MAX_SIZE
#define STATE_MAX_SIZE (16u * 1024u * 1024u)
#endif

/* What state_parse / state_file_load found. */
typedef enum {
    STATE_OK = 0,    /* a valid state */
    STATE_MISSING,   /* no such file (state_file_load only) */
    STATE_IO,        /* the file could not be read or written */
    STATE_TRUNCATED, /* shorter than its header says */
    STATE_CORRUPT,   /* bad magic, version, header or data checksum, trailing bytes */
    STATE_TOO_LARGE, /* beyond STATE_MAX_SIZE, or the caller's buffer */
} state_status_t;

/* Text of a status ("checksum mismatch", ...); never NULL. */
const char *state_strerror(state_status_t st);

/*
 * Write `len` bytes at `data` (may be NULL when len is 0) as the state file
 * `path`, atomically (temporary file "<path>.tmp.<pid>", fsync, rename,
 * fsync of the directory). Returns false with mk_last_error() naming the
 * path and the failing step (open, write, fsync, rename), or for len above
 * STATE_MAX_SIZE; the previous file is then untouched.
 */
bool state_file_save(const char *path, const void *data, size_t len);

/*
 * Read the state file `path` into `buf` (room for `cap` bytes; may be NULL
 * when cap is 0); `*len_out` gets the state's length. Returns STATE_OK, or
 * STATE_MISSING, STATE_IO, STATE_TRUNCATED, STATE_CORRUPT, or STATE_TOO_LARGE
 * (the state does not fit in `cap`; *len_out then holds the size needed),
 * with mk_last_error() naming the path and the problem. Nothing is copied
 * to `buf` unless the whole file checks out.
 */
state_status_t state_file_load(const char *path, void *buf, size_t cap, size_t *len_out);

/*
 * Check the `len` bytes of a state file image at `file` (pure: no I/O, no
 * allocation). On STATE_OK `*data` points at the state inside `file` and
 * `*data_len` is its length. Otherwise STATE_TRUNCATED, STATE_CORRUPT or
 * STATE_TOO_LARGE. This is the parser the fuzz target exercises.
 */
state_status_t state_parse(const uint8_t *file, size_t len, const uint8_t **data, size_t *data_len);

/* Encode the header for `len` bytes at `data` into `hdr` (pure). */
void state_header_encode(uint8_t hdr[STATE_HEADER_SIZE], const void *data, size_t len);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of `len` bytes, continued
 * from `crc` (start with 0). */
uint32_t state_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
