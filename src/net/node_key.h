/*
 * node_key.h -- the node's ed25519 identity key (docs/security.md, "Keys"):
 * created on first start as <data dir>/node.key (PEM, mode 0600), refused
 * when the file is readable by group or others. Its public key is written
 * "ed25519:<64 lowercase hex>" (shell `whoami`, the trust list, logs).
 * Private to the runtime (src/net, src/services, src/shell).
 */
#ifndef MK_NET_NODE_KEY_H
#define MK_NET_NODE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NODE_KEY_FILE     "node.key"
#define NODE_KEY_RAW      32                     /* bytes of an ed25519 public key */
#define NODE_KEY_TEXT_MAX (8 + 2 * NODE_KEY_RAW) /* "ed25519:" + 64 hex, NUL not counted */
#define NODE_KEY_SIG      64                     /* bytes of an ed25519 signature */

typedef struct evp_pkey_st EVP_PKEY;

/* A loaded key pair: the OpenSSL key (private + public) and its public
 * bytes. Owned by whoever called node_key_load(); free with node_key_free(). */
typedef struct {
    EVP_PKEY *pkey;                   /* ed25519 pair */
    unsigned char pub[NODE_KEY_RAW];  /* raw public key (RFC 8032 §5.1.5 encoding) */
    char text[NODE_KEY_TEXT_MAX + 1]; /* "ed25519:<hex>" */
} node_key_t;

/*
 * Load <dir>/node.key, or create it (new random ed25519 pair, PEM PKCS#8,
 * written to a temporary file with mode 0600 and renamed) when it does not
 * exist. Returns NULL with a reason for mk_last_error() when `dir` is
 * NULL/empty, the file is readable or writable by group/others ("... has
 * mode 0644; run chmod 600 ..."), is not a regular file, does not hold an
 * ed25519 private key, or on I/O / OpenSSL failure.
 */
node_key_t *node_key_load(const char *dir);

/* Free a key from node_key_load (NULL is ignored). */
void node_key_free(node_key_t *key);

/* Write "ed25519:<64 lowercase hex>" of `pub` into out (NODE_KEY_TEXT_MAX+1
 * bytes at least). */
void node_key_format(const unsigned char pub[NODE_KEY_RAW], char *out);

/*
 * Parse a public key written "ed25519:<64 hex>" (hex in either case; bare
 * 64 hex digits are accepted too) from the `len` bytes at `text`, spaces
 * around it ignored. Pure. False (nothing written) on anything else.
 */
bool node_key_parse(const char *text, size_t len, unsigned char pub[NODE_KEY_RAW]);

#endif
