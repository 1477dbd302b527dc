/*
 * node_key.c -- load or create the node's ed25519 key in its data directory
 * (see node_key.h). Called once at services start-up on the runtime's
 * thread; file I/O only there, never on a message path. The private key
 * never leaves the EVP_PKEY; only the public half is formatted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/alloc_internal.h"
#include "core/bytes.h"
#include "core/error_internal.h"
#include "net/node_key.h"

void node_key_format(const unsigned char pub[NODE_KEY_RAW], char *out)
{
    memcpy(out, "ed25519:", 8);
    mk_hex_encode(pub, NODE_KEY_RAW, out + 8); /* NUL lands at out[NODE_KEY_TEXT_MAX] */
}

bool node_key_parse(const char *text, size_t len, unsigned char pub[NODE_KEY_RAW])
{
    if (!text)
        return false;
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
                       text[len - 1] == '\n'))
        len--;
    if (len == NODE_KEY_TEXT_MAX && strncasecmp(text, "ed25519:", 8) == 0) {
        text += 8;
        len -= 8;
    }
    if (len != 2 * NODE_KEY_RAW)
        return false;
    /* pub is left untouched on a bad digit */
    return mk_hex_decode(text, len, pub, NODE_KEY_RAW, NULL) == MK_HEX_OK;
}

/* Fill key->pub and key->text from key->pkey. */
static bool fill_public(node_key_t *key, const char *path)
{
    size_t n = NODE_KEY_RAW;
    if (EVP_PKEY_get_base_id(key->pkey) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(key->pkey, key->pub, &n) != 1 || n != NODE_KEY_RAW)
        return mk_fail("node key %s: not an ed25519 private key", path);
    node_key_format(key->pub, key->text);
    return true;
}

/* Make a new pair and write it to `path` (0600, via a temporary file). */
static bool create_key(node_key_t *key, const char *path)
{
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!kctx || EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_keygen(kctx, &key->pkey) != 1) {
        EVP_PKEY_CTX_free(kctx);
        return mk_fail("node key: cannot generate an ed25519 key (OpenSSL)");
    }
    EVP_PKEY_CTX_free(kctx);
    char tmp[4096];
    int tl = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (tl < 0 || (size_t)tl >= sizeof tmp)
        return mk_fail("node key: path %s is too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return mk_fail("node key: cannot create %s: %s", tmp, strerror(errno));
    fchmod(fd, 0600); /* whatever the umask */
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return mk_fail("node key: cannot write %s: %s", tmp, strerror(errno));
    }
    bool ok = PEM_write_PrivateKey(f, key->pkey, NULL, NULL, 0, NULL, NULL) == 1;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        return mk_fail("node key: cannot write %s: %s", path, strerror(err));
    }
    return true;
}

/* Read an existing key file after checking its type and mode. */
static bool read_key(node_key_t *key, const char *path, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return mk_fail("node key %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return mk_fail("node key %s: not a regular file", path);
    if (st.st_mode & 077)
        return mk_fail("node key %s has mode %04o: readable or writable by others; "
                       "run `chmod 600 %s` (or remove it to make a new key)",
                       path, (unsigned)(st.st_mode & 07777), path);
    if (st.st_size > 64 * 1024)
        return mk_fail("node key %s: %lld bytes is not a key file", path, (long long)st.st_size);
    FILE *f = fdopen(dup(fd), "r");
    if (!f)
        return mk_fail("node key %s: %s", path, strerror(errno));
    key->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key->pkey)
        return mk_fail("node key %s: not a PEM private key", path);
    return true;
}

node_key_t *node_key_load(const char *dir)
{
    if (!dir || !dir[0]) {
        mk_set_error("node key: no data directory");
        return NULL;
    }
    char path[4096];
    int pl = snprintf(path, sizeof path, "%s/%s", dir, NODE_KEY_FILE);
    if (pl < 0 || (size_t)pl >= sizeof path - 8) {
        mk_set_error("node key: data directory path is too long");
        return NULL;
    }
    node_key_t *key = mk_calloc(1, sizeof *key);
    if (!key) {
        mk_set_error("node key: out of memory");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    bool ok;
    if (fd >= 0) {
        ok = read_key(key, path, fd);
        close(fd);
    } else if (errno == ENOENT) {
        ok = create_key(key, path);
    } else {
        ok = mk_fail("node key %s: %s", path, strerror(errno));
    }
    if (!ok || !fill_public(key, path)) {
        node_key_free(key);
        return NULL;
    }
    return key;
}

void node_key_free(node_key_t *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    mk_free(key);
}
