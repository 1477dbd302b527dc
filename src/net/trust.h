/*
 * trust.h -- the trust list (docs/security.md, "Trust"): the public keys
 * of the nodes allowed to mount this one, <data dir>/trusted_keys, one key
 * "ed25519:<64 hex>" per line, '#' starts a comment, blank lines ignored.
 * Read on every mount attempt, so `trust` / `untrust` take effect on the
 * next mount without a restart. Private to the runtime.
 */
#ifndef MK_NET_TRUST_H
#define MK_NET_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "net/node_key.h"

#define TRUST_FILE     "trusted_keys"
#define TRUST_FILE_MAX (1024 * 1024) /* bytes read from the file at most */
#define TRUST_LINE_MAX 512           /* bytes of one line, newline not counted */

/*
 * One line of the file (without its newline). Returns 1 with the key in
 * pub, 0 for a blank or comment line (text after '#' is a comment), -1 for
 * anything else. Pure.
 */
int trust_parse_line(const char *line, size_t len, unsigned char pub[NODE_KEY_RAW]);

/*
 * Whether `pub` is in <dir>/trusted_keys. A missing file is an empty list
 * (false, no error). Malformed lines are skipped. False with a reason in
 * mk_last_error() also when the file cannot be read; *error says which
 * (may be NULL).
 */
bool trust_contains(const char *dir, const unsigned char pub[NODE_KEY_RAW], bool *error);

/*
 * Add the key written in `text` ("ed25519:<hex>") to the list, creating
 * the file (mode 0600) when missing. *added is false when it was already
 * there. False with a reason for a malformed key or an I/O error.
 */
bool trust_add(const char *dir, const char *text, bool *added);

/*
 * Remove every line holding the key in `text`; comments and other keys
 * stay. *removed is false when it was not there. False with a reason for a
 * malformed key or an I/O error (the file is then unchanged: rewritten to
 * a temporary file and renamed).
 */
bool trust_remove(const char *dir, const char *text, bool *removed);

#endif
