/*
 * svc_number.h -- parsing numbers in the services' text protocols.
 */
#ifndef MK_SERVICES_SVC_NUMBER_H
#define MK_SERVICES_SVC_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse the whole slice `s` (`n` bytes, not NUL-terminated) as an unsigned
 * number: decimal, or hexadecimal after "0x"/"0X". Returns false for an
 * empty slice, any other character, more than 20 digits, overflow, or a
 * value above `max`; `*out` is written only on success.
 */
bool svc_parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out);

#endif
