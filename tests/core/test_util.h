/* test_util.h -- small helpers shared by the core tests. */
#ifndef MK_TEST_UTIL_H
#define MK_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "microkernel/actor.h"
#include "microkernel/message.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"

/* Assert that the last error mentions `needle`, printing both on failure. */
#define assert_error_mentions(needle)                                                              \
    do {                                                                                           \
        const char *e_ = mk_last_error();                                                          \
        if (!strstr(e_, (needle)))                                                                 \
            fail_msg("mk_last_error() = \"%s\", expected it to mention \"%s\"", e_, (needle));     \
    } while (0)

#endif
