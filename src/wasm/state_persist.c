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

bool state_save(const char *path, const void *data, size_t len)
{
    if (!path || !*path)
        return mk_fail("state_save: no path");
    if (!data && len > 0)
        return mk_fail("state_save: data is NULL but len is %zu", len);
    if (len > STATE_MAX_SIZE)
        return mk_fail("state_save: %s: %zu bytes is above STATE_MAX_SIZE (%u)", path, len,
                       (unsigned)STATE_MAX_SIZE);
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return mk_fail("state_save: path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return mk_fail("state_save: %s: open: %s", tmp, strerror(errno));
    uint8_t hdr[STATE_HEADER_SIZE];
    state_header_encode(hdr, data, len);
    const char *step = NULL;
    if (!write_all(fd, hdr, sizeof hdr) || (len && !write_all(fd, data, len)))
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
        return mk_fail("state_save: %s: %s: %s", path, step, strerror(saved_errno));
    }
    sync_dir(path);
    return true;
}

state_status_t state_load(const char *path, void *buf, size_t cap, size_t *len_out)
{
    if (len_out)
        *len_out = 0;
    if (!path || !*path) {
        mk_set_error("state_load: no path");
        return STATE_IO;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        mk_set_error("state_load: %s: %s", path, strerror(e));
        return e == ENOENT ? STATE_MISSING : STATE_IO;
    }
    struct stat st;
    state_status_t rc = STATE_IO;
    uint8_t *img = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        mk_set_error("state_load: %s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > (uint64_t)STATE_MAX_SIZE + STATE_HEADER_SIZE) {
        mk_set_error("state_load: %s: %lld bytes is above STATE_MAX_SIZE", path,
                     (long long)st.st_size);
        rc = STATE_TOO_LARGE;
        goto out;
    }
    size_t size = (size_t)st.st_size;
    img = mk_malloc(size ? size : 1);
    if (!img) {
        mk_set_error("state_load: %s: out of memory", path);
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, img + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            mk_set_error("state_load: %s: read: %s", path, strerror(errno));
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
        mk_set_error("state_load: %s: %s", path, state_strerror(rc));
        goto out;
    }
    if (len_out)
        *len_out = n;
    if (n > cap) {
        mk_set_error("state_load: %s: state of %zu bytes does not fit in %zu", path, n, cap);
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
