/*
 * link_auth.h -- the messages of the node-link authentication that follows
 * the mount hello (docs/security.md, "Link authentication"): AUTH1 (version,
 * flags, nonce, public key), AUTH2 (ed25519 signature over the transcript,
 * plus an HMAC-SHA256 with the cookie in cookie mode) and VERDICT ("MKOK" /
 * "MKNO" with a reason). Every message has a fixed size or a bounded length;
 * the parsers are pure (buf, len) -> consumed / 0 need more / -1 error and
 * fuzzed by tests/fuzz/fuzz_link_auth.c. Integers are big-endian.
 */
#ifndef MK_NET_LINK_AUTH_H
#define MK_NET_LINK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/node_key.h"

#define LINK_AUTH1_MAGIC     "MKAUTH1" /* 8 bytes on the wire with its NUL */
#define LINK_AUTH_VERSION    1u
#define LINK_AUTH_NONCE      32
#define LINK_AUTH1_SIZE      (8 + 4 + 4 + LINK_AUTH_NONCE + NODE_KEY_RAW) /* 80 */
#define LINK_AUTH_HMAC       32
#define LINK_AUTH2_SIZE      NODE_KEY_SIG                    /* 64: key mode */
#define LINK_AUTH2_COOKIE    (NODE_KEY_SIG + LINK_AUTH_HMAC) /* 96: cookie mode */
#define LINK_VERDICT_HDR     6                               /* "MKOK"/"MKNO" + u16 reason length */
#define LINK_VERDICT_MAX     200                             /* bytes of a verdict's reason */
#define LINK_HELLO_SIZE      40                              /* the original's mount_hello_t */
#define LINK_EXPORTER_SIZE   32
#define LINK_EXPORTER_LABEL  "EXPORTER-mk-link-auth"
#define LINK_AUTH_CONTEXT    "mk-link-auth-v1"
#define LINK_TRANSCRIPT_SIZE (15 + 1 + 2 * LINK_HELLO_SIZE + 2 * LINK_AUTH1_SIZE + 32) /* 288 */

/* Flags of the hello extension and of AUTH1. */
#define LINK_F_TLS    0x1u /* TLS 1.3 wanted */
#define LINK_F_KEY    0x2u /* key authentication (always set by this version) */
#define LINK_F_COOKIE 0x4u /* the sender has a cookie: its AUTH2 carries an HMAC */

typedef struct {
    uint32_t version;                     /* LINK_AUTH_VERSION */
    uint32_t flags;                       /* LINK_F_* of the sender */
    unsigned char nonce[LINK_AUTH_NONCE]; /* RAND_bytes of the sender */
    unsigned char pub[NODE_KEY_RAW];      /* the sender's ed25519 public key */
} link_auth1_t;

typedef struct {
    unsigned char sig[NODE_KEY_SIG];    /* ed25519 over the transcript */
    unsigned char hmac[LINK_AUTH_HMAC]; /* HMAC-SHA256(cookie, transcript); cookie mode */
    bool has_hmac;                      /* the message carried hmac */
} link_auth2_t;

typedef struct {
    bool ok;                           /* "MKOK" */
    char reason[LINK_VERDICT_MAX + 1]; /* NUL-terminated; control bytes shown as '?' */
} link_verdict_t;

/* AUTH1: "MKAUTH1\0" | u32 version | u32 flags | nonce[32] | pub[32].
 * Returns LINK_AUTH1_SIZE, 0 (need more), or -1 with a static reason (bad
 * magic, version other than 1). */
long link_auth1_parse(const void *buf, size_t len, link_auth1_t *out, const char **why);
void link_auth1_write(const link_auth1_t *a, unsigned char out[LINK_AUTH1_SIZE]);

/* AUTH2: sig[64], then hmac[32] when `with_hmac` (the sender's AUTH1 had
 * LINK_F_COOKIE). Returns the size taken or 0 (need more); never fails. */
long link_auth2_parse(const void *buf, size_t len, bool with_hmac, link_auth2_t *out);
/* Returns the bytes written (64 or 96) to out (LINK_AUTH2_COOKIE bytes). */
size_t link_auth2_write(const link_auth2_t *a, unsigned char *out);

/* VERDICT: "MKOK"|"MKNO" | u16 length | reason. Returns 6 + length, 0
 * (need more) or -1 with a reason (bad tag, length over 200). */
long link_verdict_parse(const void *buf, size_t len, link_verdict_t *out, const char **why);
/* `reason` may be NULL; cut at LINK_VERDICT_MAX. Returns the size written
 * to out (LINK_VERDICT_HDR + LINK_VERDICT_MAX bytes at least). */
size_t link_verdict_write(bool ok, const char *reason, unsigned char *out);

/*
 * The signed transcript: "mk-link-auth-v1" | role ('C' connector, 'L'
 * listener: the signer's) | hello of the connector | hello of the listener
 * | AUTH1 of the connector | AUTH1 of the listener | 32-byte TLS exporter
 * (zeros without TLS). Writes LINK_TRANSCRIPT_SIZE bytes to out.
 */
void link_auth_transcript(unsigned char out[LINK_TRANSCRIPT_SIZE], char role,
                          const unsigned char hello_c[LINK_HELLO_SIZE],
                          const unsigned char hello_l[LINK_HELLO_SIZE],
                          const unsigned char auth1_c[LINK_AUTH1_SIZE],
                          const unsigned char auth1_l[LINK_AUTH1_SIZE],
                          const unsigned char exporter[LINK_EXPORTER_SIZE]);

/* ed25519 signature (EVP_DigestSign) of `len` bytes with `key`. False with
 * a reason on an OpenSSL failure. */
bool link_auth_sign(EVP_PKEY *key, const unsigned char *data, size_t len,
                    unsigned char sig[NODE_KEY_SIG]);
/* Whether `sig` is a valid ed25519 signature of the data by `pub`. */
bool link_auth_verify(const unsigned char pub[NODE_KEY_RAW], const unsigned char *data, size_t len,
                      const unsigned char sig[NODE_KEY_SIG]);
/* HMAC-SHA256(cookie, data) into out. */
void link_auth_hmac(const char *cookie, size_t cookie_len, const unsigned char *data, size_t len,
                    unsigned char out[LINK_AUTH_HMAC]);

#endif
