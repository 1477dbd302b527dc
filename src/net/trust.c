/*
 * trust.c -- reading and editing the trust list file (see trust.h). Called
 * by the mount handshake (once per attempt, after the peer proved its key)
 * and by the shell's trust/untrust commands; small file I/O on the
 * runtime's thread, bounded by TRUST_FILE_MAX.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "net/trust.h"

int trust_parse_line(const char *line, size_t len, unsigned char pub[NODE_KEY_RAW])
{
    const char *hash = line ? memchr(line, '#', len) : NULL;
    if (hash)
        len = (size_t)(hash - line);
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        i++;
    if (i == len)
        return 0;
    return node_key_parse(line + i, len - i, pub) ? 1 : -1;
}

/* Read the whole file into a malloc'd NUL-terminated buffer; *len its size.
 * NULL with *missing when it does not exist, NULL with a reason on error. */
static char *read_all(const char *path, size_t *len, bool *missing)
{
    *missing = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            *missing = true;
        else
            mk_set_error("trust list %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        mk_set_error("trust list %s: not a regular file", path);
        return NULL;
    }
    size_t cap = st.st_size > TRUST_FILE_MAX ? TRUST_FILE_MAX : (size_t)st.st_size;
    char *buf = mk_malloc(cap + 1);
    size_t n = 0;
    while (buf && n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!buf) {
        mk_set_error("trust list %s: out of memory", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool list_path(const char *dir, char *out, size_t cap)
{
    if (!dir || !dir[0])
        return mk_fail("trust list: no data directory");
    int n = snprintf(out, cap, "%s/%s", dir, TRUST_FILE);
    if (n < 0 || (size_t)n >= cap - 8)
        return mk_fail("trust list: data directory path is too long");
    return true;
}

bool trust_contains(const char *dir, const unsigned char pub[NODE_KEY_RAW], bool *error)
{
    char path[4096];
    bool missing, dummy;
    if (!error)
        error = &dummy;
    *error = false;
    if (!list_path(dir, path, sizeof path)) {
        *error = true;
        return false;
    }
    size_t len;
    char *buf = read_all(path, &len, &missing);
    if (!buf) {
        *error = !missing;
        return false;
    }
    bool found = false;
    for (size_t pos = 0; pos < len && !found;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        unsigned char k[NODE_KEY_RAW];
        if (end - pos <= TRUST_LINE_MAX && trust_parse_line(buf + pos, end - pos, k) == 1 &&
            memcmp(k, pub, NODE_KEY_RAW) == 0)
            found = true;
        pos = end + 1;
    }
    mk_free(buf);
    return found;
}

/* Write `len` bytes to `path` via a temporary file (mode 0600) and rename. */
static bool write_all(const char *path, const char *data, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return mk_fail("trust list: cannot write %s: %s", tmp, strerror(errno));
    size_t n = 0;
    while (n < len) {
        ssize_t w = write(fd, data + n, len - n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        n += (size_t)w;
    }
    int err = errno;
    bool ok = n == len && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        err = ok ? errno : err;
        unlink(tmp);
        return mk_fail("trust list: cannot write %s: %s", path, strerror(err));
    }
    return true;
}

/* Rewrite the list keeping lines for which keep(line) and appending `add`
 * (may be NULL). *hits counts lines that held `pub`. */
static bool rewrite(const char *dir, const unsigned char pub[NODE_KEY_RAW], bool drop,
                    const char *add, size_t *hits)
{
    char path[4096];
    if (!list_path(dir, path, sizeof path))
        return false;
    bool missing;
    size_t len = 0;
    char *buf = read_all(path, &len, &missing);
    if (!buf && !missing)
        return false;
    size_t addlen = add ? strlen(add) : 0;
    char *out = mk_malloc(len + addlen + 2);
    if (!out) {
        mk_free(buf);
        return mk_fail("trust list: out of memory");
    }
    size_t on = 0;
    *hits = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        unsigned char k[NODE_KEY_RAW];
        bool is = end - pos <= TRUST_LINE_MAX && trust_parse_line(buf + pos, end - pos, k) == 1 &&
                  memcmp(k, pub, NODE_KEY_RAW) == 0;
        *hits += is;
        if (!(is && drop)) {
            memcpy(out + on, buf + pos, end - pos);
            on += end - pos;
            out[on++] = '\n';
        }
        pos = end + 1;
    }
    mk_free(buf);
    bool ok = true;
    if (add && *hits == 0) {
        memcpy(out + on, add, addlen);
        on += addlen;
        out[on++] = '\n';
    }
    if ((add && *hits == 0) || (drop && *hits > 0))
        ok = write_all(path, out, on);
    mk_free(out);
    return ok;
}

bool trust_add(const char *dir, const char *text, bool *added)
{
    unsigned char pub[NODE_KEY_RAW];
    if (!text || !node_key_parse(text, strlen(text), pub))
        return mk_fail("'%.80s' is not a node key (expected ed25519:<64 hex digits>, "
                       "as `whoami` prints on the other node)",
                       text ? text : "");
    char canon[NODE_KEY_TEXT_MAX + 1];
    node_key_format(pub, canon);
    size_t hits;
    if (!rewrite(dir, pub, false, canon, &hits))
        return false;
    if (added)
        *added = hits == 0;
    return true;
}

bool trust_remove(const char *dir, const char *text, bool *removed)
{
    unsigned char pub[NODE_KEY_RAW];
    if (!text || !node_key_parse(text, strlen(text), pub))
        return mk_fail("'%.80s' is not a node key (expected ed25519:<64 hex digits>)",
                       text ? text : "");
    size_t hits;
    if (!rewrite(dir, pub, true, NULL, &hits))
        return false;
    if (removed)
        *removed = hits > 0;
    return true;
}
