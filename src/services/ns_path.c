/*
 * ns_path.c -- the path rules of the hierarchical namespace (namespace.h).
 *
 * A pure function over (buf, len): paths come from other nodes (path sync),
 * from shell input and from programs, so it must accept any bytes without
 * reading past `len`, allocate nothing and keep no state. Fuzzed by
 * tests/fuzz/fuzz_ns_path.c.
 */
#include "microkernel/namespace.h"

ns_path_error_t ns_path_check(const char *buf, size_t len, bool allow_root)
{
    if (!buf || len == 0)
        return NS_PATH_EMPTY;
    if (buf[0] != '/')
        return NS_PATH_NO_SLASH;
    if (len >= NS_PATH_MAX)
        return NS_PATH_TOO_LONG;
    if (len == 1)
        return allow_root ? NS_PATH_OK : NS_PATH_ROOT;
    size_t seg_start = 1; /* index of the first byte of the current segment */
    for (size_t i = 1; i <= len; i++) {
        if (i == len || buf[i] == '/') {
            size_t seg_len = i - seg_start;
            if (seg_len == 0)
                return NS_PATH_EMPTY_SEGMENT;
            if (buf[seg_start] == '.' &&
                (seg_len == 1 || (seg_len == 2 && buf[seg_start + 1] == '.')))
                return NS_PATH_DOT_SEGMENT;
            seg_start = i + 1;
            continue;
        }
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x21 || c > 0x7E || c == '\\')
            return NS_PATH_BAD_BYTE;
    }
    return NS_PATH_OK;
}

const char *ns_path_strerror(ns_path_error_t err)
{
    switch (err) {
    case NS_PATH_OK: return "is valid";
    case NS_PATH_EMPTY: return "is empty";
    case NS_PATH_NO_SLASH: return "does not start with '/'";
    case NS_PATH_TOO_LONG: return "is longer than 127 bytes (NS_PATH_MAX is 128 with the NUL)";
    case NS_PATH_EMPTY_SEGMENT: return "contains an empty segment ('//' or a trailing '/')";
    case NS_PATH_DOT_SEGMENT: return "contains a '.' or '..' segment";
    case NS_PATH_BAD_BYTE: return "contains a byte outside printable ASCII (or a space or '\\')";
    case NS_PATH_ROOT: return "is the root '/', which cannot be registered";
    }
    return "is invalid";
}
