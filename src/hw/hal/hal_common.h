/*
 * hal_common.h -- what every hardware HAL table shares: the fault query
 * that lets an actor tell "this call failed" (answered with an error reply)
 * from "the device is wedged" (the actor stops with EXIT_CRASHED so its
 * supervisor re-initialises the HAL and re-applies the last configuration,
 * docs/hardware.md "Supervision").
 */
#ifndef MK_HW_HAL_COMMON_H
#define MK_HW_HAL_COMMON_H

#include <stdbool.h>

/*
 * Failure injection shared by the mock backends (src/hw/hal/mock/): tests
 * arm it through each mock's *_mock_fail() to make HAL calls fail on
 * demand. Zero-initialise.
 */
typedef struct {
    int fail_next;    /* this many further calls fail (plain failure) */
    bool fault_armed; /* the next call fails and leaves the HAL faulted */
    bool faulted;     /* wedged until deinit + init */
} hw_mock_ctl_t;

/* Whether the current mock call must fail (consumes one armed failure). */
static inline bool hw_mock_should_fail(hw_mock_ctl_t *c)
{
    if (c->faulted)
        return true;
    if (c->fault_armed) {
        c->fault_armed = false;
        c->faulted = true;
        return true;
    }
    if (c->fail_next > 0) {
        c->fail_next--;
        return true;
    }
    return false;
}

#endif
