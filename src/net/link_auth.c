/*
 * link_auth.c -- parsers and writers of the link authentication messages,
 * the transcript, and the ed25519 / HMAC primitives over OpenSSL's EVP API
 * (see link_auth.h). The parsers read only (buf, len) and keep no state;
 * called by the mount handshake (src/services/mount.c) on the runtime's
 * thread, and by the fuzz target.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/bytes.h"
#include "core/error_internal.h"
#include "net/link_auth.h"

long link_auth1_parse(const void *buf, size_t len, link_auth1_t *out, const char **why)
{
    const unsigned char *p = buf;
    *why = NULL;
    size_t m = len < 8 ? len : 8;
    if (m && memcmp(p, LINK_AUTH1_MAGIC, m) != 0) {
        *why = "not an MKAUTH1 message";
        return -1;
    }
    if (len < LINK_AUTH1_SIZE)
        return 0;
    out->version = mk_get_be32(p + 8);
    out->flags = mk_get_be32(p + 12);
    if (out->version != LINK_AUTH_VERSION) {
        *why = "unsupported authentication version (this node speaks 1)";
        return -1;
    }
    memcpy(out->nonce, p + 16, LINK_AUTH_NONCE);
    memcpy(out->pub, p + 16 + LINK_AUTH_NONCE, NODE_KEY_RAW);
    return LINK_AUTH1_SIZE;
}

void link_auth1_write(const link_auth1_t *a, unsigned char out[LINK_AUTH1_SIZE])
{
    memcpy(out, LINK_AUTH1_MAGIC, 8); /* with its NUL */
    mk_put_be32(out + 8, a->version);
    mk_put_be32(out + 12, a->flags);
    memcpy(out + 16, a->nonce, LINK_AUTH_NONCE);
    memcpy(out + 16 + LINK_AUTH_NONCE, a->pub, NODE_KEY_RAW);
}

long link_auth2_parse(const void *buf, size_t len, bool with_hmac, link_auth2_t *out)
{
    size_t want = with_hmac ? LINK_AUTH2_COOKIE : LINK_AUTH2_SIZE;
    if (len < want)
        return 0;
    memcpy(out->sig, buf, NODE_KEY_SIG);
    out->has_hmac = with_hmac;
    if (with_hmac)
        memcpy(out->hmac, (const unsigned char *)buf + NODE_KEY_SIG, LINK_AUTH_HMAC);
    else
        memset(out->hmac, 0, LINK_AUTH_HMAC);
    return (long)want;
}

size_t link_auth2_write(const link_auth2_t *a, unsigned char *out)
{
    memcpy(out, a->sig, NODE_KEY_SIG);
    if (!a->has_hmac)
        return LINK_AUTH2_SIZE;
    memcpy(out + NODE_KEY_SIG, a->hmac, LINK_AUTH_HMAC);
    return LINK_AUTH2_COOKIE;
}

long link_verdict_parse(const void *buf, size_t len, link_verdict_t *out, const char **why)
{
    const unsigned char *p = buf;
    *why = NULL;
    size_t m = len < 4 ? len : 4;
    if (m && memcmp(p, "MKOK", m) != 0 && memcmp(p, "MKNO", m) != 0) {
        *why = "not a verdict (MKOK/MKNO)";
        return -1;
    }
    if (len < LINK_VERDICT_HDR)
        return 0;
    size_t n = (size_t)p[4] << 8 | p[5];
    if (n > LINK_VERDICT_MAX) {
        *why = "verdict reason longer than 200 bytes";
        return -1;
    }
    if (len < LINK_VERDICT_HDR + n)
        return 0;
    out->ok = p[3] == 'K';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[LINK_VERDICT_HDR + i];
        out->reason[i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
    }
    out->reason[n] = '\0';
    return (long)(LINK_VERDICT_HDR + n);
}

size_t link_verdict_write(bool ok, const char *reason, unsigned char *out)
{
    size_t n = reason ? strnlen(reason, LINK_VERDICT_MAX) : 0;
    memcpy(out, ok ? "MKOK" : "MKNO", 4);
    out[4] = (unsigned char)(n >> 8);
    out[5] = (unsigned char)n;
    if (n)
        memcpy(out + LINK_VERDICT_HDR, reason, n);
    return LINK_VERDICT_HDR + n;
}

void link_auth_transcript(unsigned char out[LINK_TRANSCRIPT_SIZE], char role,
                          const unsigned char hello_c[LINK_HELLO_SIZE],
                          const unsigned char hello_l[LINK_HELLO_SIZE],
                          const unsigned char auth1_c[LINK_AUTH1_SIZE],
                          const unsigned char auth1_l[LINK_AUTH1_SIZE],
                          const unsigned char exporter[LINK_EXPORTER_SIZE])
{
    size_t n = 0;
    memcpy(out + n, LINK_AUTH_CONTEXT, 15);
    n += 15;
    out[n++] = (unsigned char)role;
    memcpy(out + n, hello_c, LINK_HELLO_SIZE);
    n += LINK_HELLO_SIZE;
    memcpy(out + n, hello_l, LINK_HELLO_SIZE);
    n += LINK_HELLO_SIZE;
    memcpy(out + n, auth1_c, LINK_AUTH1_SIZE);
    n += LINK_AUTH1_SIZE;
    memcpy(out + n, auth1_l, LINK_AUTH1_SIZE);
    n += LINK_AUTH1_SIZE;
    memcpy(out + n, exporter, LINK_EXPORTER_SIZE);
}

bool link_auth_sign(EVP_PKEY *key, const unsigned char *data, size_t len,
                    unsigned char sig[NODE_KEY_SIG])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sl = NODE_KEY_SIG;
    bool ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
              EVP_DigestSign(ctx, sig, &sl, data, len) == 1 && sl == NODE_KEY_SIG;
    EVP_MD_CTX_free(ctx);
    return ok ? true : mk_fail("link auth: ed25519 signing failed (OpenSSL)");
}

bool link_auth_verify(const unsigned char pub[NODE_KEY_RAW], const unsigned char *data, size_t len,
                      const unsigned char sig[NODE_KEY_SIG])
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, NODE_KEY_RAW);
    EVP_MD_CTX *ctx = pk ? EVP_MD_CTX_new() : NULL;
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
              EVP_DigestVerify(ctx, sig, NODE_KEY_SIG, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok;
}

void link_auth_hmac(const char *cookie, size_t cookie_len, const unsigned char *data, size_t len,
                    unsigned char out[LINK_AUTH_HMAC])
{
    unsigned int ol = LINK_AUTH_HMAC;
    if (!HMAC(EVP_sha256(), cookie, (int)cookie_len, data, len, out, &ol))
        memset(out, 0, LINK_AUTH_HMAC);
}
