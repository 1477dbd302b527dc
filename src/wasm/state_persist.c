/*
 * state_persist.c -- the state file format (state_persist.h): a pure parser,
 * an atomic writer (temp file, fsync, rename) and a checked reader.
 *
 * Called by the WASM glue for mk_save_state / mk_load_state and by any actor
 * that wants its state on disk. Does blocking file I/O on the caller's
 * thread: state files are small and written rarely; never call it per
 * message of a hot path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/runtime_api.h"
#include "microkernel/services.h"
#include "microkernel/state_persist.h"

static const uint8_t magic[4] = {'M', 'K', 'S', 'T'};
enum { STATE_VERSION = 1 };

const char *state_strerror(state_status_t st)
{
    switch (st) {
    case STATE_OK: return "ok";
    case STATE_MISSING: return "no state file";
    case STATE_IO: return "I/O error";
    case STATE_TRUNCATED: return "truncated state file";
    case STATE_CORRUPT: return "corrupt state file (bad header or checksum mismatch)";
    case STATE_TOO_LARGE: return "state too large";
    }
    return "unknown state status";
}

uint32_t state_crc32(uint32_t crc, const void *data, size_t len)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        /* Benign race: every thread writes the same values. */
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void state_header_encode(uint8_t hdr[STATE_HEADER_SIZE], const void *data, size_t len)
{
    memcpy(hdr, magic, 4);
    hdr[4] = STATE_VERSION;
    hdr[5] = hdr[6] = hdr[7] = 0;
    put_le(hdr + 8, len, 8);
    put_le(hdr + 16, state_crc32(0, data, len), 4);
    put_le(hdr + 20, state_crc32(0, hdr, 20), 4);
}

state_status_t state_parse(const uint8_t *file, size_t len, const uint8_t **data, size_t *data_len)
{
    if (!file || len < STATE_HEADER_SIZE)
        return STATE_TRUNCATED;
    if (memcmp(file, magic, 4) != 0 || file[4] != STATE_VERSION || file[5] || file[6] || file[7])
        return STATE_CORRUPT;
    if ((uint32_t)get_le(file + 20, 4) != state_crc32(0, file, 20))
        return STATE_CORRUPT;
    uint64_t n = get_le(file + 8, 8);
    if (n > STATE_MAX_SIZE)
        return STATE_TOO_LARGE;
    if (len - STATE_HEADER_SIZE < n)
        return STATE_TRUNCATED;
    if (len - STATE_HEADER_SIZE > n)
        return STATE_CORRUPT;
    const uint8_t *d = file + STATE_HEADER_SIZE;
    if ((uint32_t)get_le(file + 16, 4) != state_crc32(0, d, (size_t)n))
        return STATE_CORRUPT;
    if (data)
        *data = d;
    if (data_len)
        *data_len = (size_t)n;
    return STATE_OK;
}

/* Write all `n` bytes or fail. */
static bool write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* fsync the directory holding `path`, so the rename itself is durable. */
static void sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Write `hdr_len` bytes at `hdr` then `len` bytes at `data` as file `path`,
 * atomically (temporary file, fsync, rename, fsync of the directory). */
static bool write_atomic(const char *fn, const char *path, const uint8_t *hdr, size_t hdr_len,
                         const void *data, size_t len)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return mk_fail("%s: path too long: %s", fn, path);
    /* O_NONBLOCK | O_NOFOLLOW and the S_ISREG check: a FIFO, device or
     * symlink planted at the temporary name must not block the node's
     * thread or redirect the write (issue 13). */
    int fd = open(
        tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY, 0644);
    if (fd < 0)
        return mk_fail("%s: %s: open: %s", fn, tmp, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mk_fail("%s: %s: not a regular file", fn, tmp);
    }
    const char *step = NULL;
    if ((hdr_len && !write_all(fd, hdr, hdr_len)) || (len && !write_all(fd, data, len)))
        step = "write";
    else if (fsync(fd) != 0)
        step = "fsync";
    int saved_errno = errno;
    if (close(fd) != 0 && !step) {
        step = "close";
        saved_errno = errno;
    }
    if (!step && rename(tmp, path) != 0) {
        step = "rename";
        saved_errno = errno;
    }
    if (step) {
        unlink(tmp);
        return mk_fail("%s: %s: %s: %s", fn, path, step, strerror(saved_errno));
    }
    sync_dir(path);
    return true;
}

bool state_file_save(const char *path, const void *data, size_t len)
{
    if (!path || !*path)
        return mk_fail("state_file_save: no path");
    if (!data && len > 0)
        return mk_fail("state_file_save: data is NULL but len is %zu", len);
    if (len > STATE_MAX_SIZE)
        return mk_fail("state_file_save: %s: %zu bytes is above STATE_MAX_SIZE (%u)", path, len,
                       (unsigned)STATE_MAX_SIZE);
    uint8_t hdr[STATE_HEADER_SIZE];
    state_header_encode(hdr, data, len);
    return write_atomic("state_file_save", path, hdr, sizeof hdr, data, len);
}

state_status_t state_file_load(const char *path, void *buf, size_t cap, size_t *len_out)
{
    if (len_out)
        *len_out = 0;
    if (!path || !*path) {
        mk_set_error("state_file_load: no path");
        return STATE_IO;
    }
    /* O_NONBLOCK: a FIFO without a writer must not block the node's thread;
     * anything but a regular file is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        mk_set_error("state_file_load: %s: %s", path, strerror(e));
        return e == ENOENT ? STATE_MISSING : STATE_IO;
    }
    struct stat st;
    state_status_t rc = STATE_IO;
    uint8_t *img = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        mk_set_error("state_file_load: %s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > (uint64_t)STATE_MAX_SIZE + STATE_HEADER_SIZE) {
        mk_set_error("state_file_load: %s: %lld bytes is above STATE_MAX_SIZE", path,
                     (long long)st.st_size);
        rc = STATE_TOO_LARGE;
        goto out;
    }
    size_t size = (size_t)st.st_size;
    img = mk_malloc(size ? size : 1);
    if (!img) {
        mk_set_error("state_file_load: %s: out of memory", path);
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, img + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            mk_set_error("state_file_load: %s: read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    const uint8_t *data = NULL;
    size_t n = 0;
    rc = state_parse(img, got, &data, &n);
    if (rc != STATE_OK) {
        mk_set_error("state_file_load: %s: %s", path, state_strerror(rc));
        goto out;
    }
    if (len_out)
        *len_out = n;
    if (n > cap) {
        mk_set_error("state_file_load: %s: state of %zu bytes does not fit in %zu", path, n, cap);
        rc = STATE_TOO_LARGE;
        goto out;
    }
    if (n)
        memcpy(buf, data, n);
out:
    mk_free(img);
    close(fd);
    return rc;
}

/* ---- The original's keyed API: <base>/<actor name>/<key>, raw bytes ---- */

typedef struct {
    char base[STATE_PERSIST_BASE_MAX + 1];
} persist_ext_t;

static void persist_ext_free(runtime_t *rt, void *data)
{
    (void)rt;
    mk_free(data);
}

/* mkdir -p of the first `len` bytes of `path` (mode 0755). */
static bool mkdir_p(const char *path, size_t len)
{
    char buf[STATE_PERSIST_PATH_MAX];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, path, len);
    buf[len] = '\0';
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return false;
        buf[i] = c;
    }
    return true;
}

void state_persist_init(runtime_t *rt, const char *base_path)
{
    if (!rt || !base_path || !*base_path) {
        mk_set_error("state_persist_init: NULL runtime or empty base path");
        return;
    }
    persist_ext_t *x = mk_runtime_ext(rt, MK_EXT_STATE);
    if (!x) {
        if (!(x = mk_calloc(1, sizeof *x))) {
            mk_set_error("state_persist_init: out of memory");
            return;
        }
        mk_runtime_set_ext(rt, MK_EXT_STATE, x, persist_ext_free);
    }
    snprintf(x->base, sizeof x->base, "%s", base_path);
    if (!mkdir_p(x->base, strlen(x->base)))
        mk_set_error("state_persist_init: cannot create %s: %s", x->base, strerror(errno));
}

/* The directory name of the running actor (compat/services.md section 3):
 * its first flat name, else _id_<seq>, or _unknown outside an actor. */
static void resolve_name(runtime_t *rt, char *out, size_t cap)
{
    actor_id_t self = actor_self(rt);
    if (self == ACTOR_ID_INVALID) {
        snprintf(out, cap, "_unknown");
        return;
    }
    const char *names[MK_MAX_NAMES];
    actor_id_t ids[MK_MAX_NAMES];
    size_t n = runtime_list_names(rt, names, ids, MK_MAX_NAMES);
    for (size_t i = 0; i < n && i < MK_MAX_NAMES; i++) {
        if (ids[i] == self) {
            snprintf(out, cap, "%s", names[i]);
            return;
        }
    }
    snprintf(out, cap, "_id_%u", actor_id_seq(self));
}

/* `<base>/<name>/<key>` into `out`; the length of the directory part in
 * `*dir_len`. False with a reason when not initialised or too long. */
static bool keyed_path(const char *fn, runtime_t *rt, const char *actor_name, const char *key,
                       char out[STATE_PERSIST_PATH_MAX], size_t *dir_len)
{
    persist_ext_t *x = rt ? mk_runtime_ext(rt, MK_EXT_STATE) : NULL;
    if (!x)
        return mk_fail("%s: state_persist_init() was not called", fn);
    if (!key || !*key)
        return mk_fail("%s: empty key", fn);
    char name[MK_NAME_MAX + 16];
    if (actor_name && *actor_name)
        snprintf(name, sizeof name, "%s", actor_name);
    else
        resolve_name(rt, name, sizeof name);
    int d = snprintf(out, STATE_PERSIST_PATH_MAX, "%s/%s", x->base, name);
    int n = snprintf(out, STATE_PERSIST_PATH_MAX, "%s/%s/%s", x->base, name, key);
    if (d < 0 || n < 0 || n >= STATE_PERSIST_PATH_MAX)
        return mk_fail("%s: path %s/%s/%s is %d bytes or more", fn, x->base, name, key,
                       STATE_PERSIST_PATH_MAX);
    *dir_len = (size_t)d;
    return true;
}

int state_save(runtime_t *rt, const char *actor_name, const char *key, const void *data,
               size_t size)
{
    char path[STATE_PERSIST_PATH_MAX];
    size_t dir_len;
    if (!keyed_path("state_save", rt, actor_name, key, path, &dir_len))
        return -1;
    if (!data && size > 0) {
        mk_set_error("state_save: data is NULL but size is %zu", size);
        return -1;
    }
    if (!mkdir_p(path, dir_len)) {
        mk_set_error("state_save: cannot create %.*s: %s", (int)dir_len, path, strerror(errno));
        return -1;
    }
    return write_atomic("state_save", path, NULL, 0, data, size) ? 0 : -1;
}

int state_load(runtime_t *rt, const char *actor_name, const char *key, void *buf, size_t cap)
{
    char path[STATE_PERSIST_PATH_MAX];
    size_t dir_len;
    if (!keyed_path("state_load", rt, actor_name, key, path, &dir_len))
        return -1;
    if (!buf && cap > 0) {
        mk_set_error("state_load: buf is NULL but cap is %zu", cap);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        mk_set_error("state_load: %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        mk_set_error("state_load: %s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (cap > INT_MAX)
        cap = INT_MAX;
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, (uint8_t *)buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            mk_set_error("state_load: %s: read: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return (int)got;
}

int state_delete(runtime_t *rt, const char *actor_name, const char *key)
{
    char path[STATE_PERSIST_PATH_MAX];
    size_t dir_len;
    if (!keyed_path("state_delete", rt, actor_name, key, path, &dir_len))
        return -1;
    if (unlink(path) != 0) {
        mk_set_error("state_delete: %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
