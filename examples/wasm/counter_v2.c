/*
 * counter_v2.c -- version 2 of a counter actor, for hot code reload and
 * state persistence (built like echo.c). Type 210 adds one and saves the
 * count with mk_save_state; type 211 replies 212 with {version, count}
 * (two little-endian i32). On its first message it restores the count with
 * mk_load_state, so the count survives a reload (and, with a state file, a
 * restart).
 * Version 2 also reports its version as 2 and accepts 213: add n (an i32
 * payload).
 */
#include <stdint.h>

extern int32_t mk_send(int64_t dest, int32_t type, const void *payload, int32_t size);
extern int32_t mk_save_state(const void *data, int32_t len);
extern int32_t mk_load_state(void *buf, int32_t cap);

#define VERSION       2
#define MSG_INCREMENT 210
#define MSG_GET       211
#define MSG_COUNT     212
#define MSG_ADD       213

static int32_t count;
static int32_t loaded;

int32_t handle_message(int32_t type, int64_t source, const void *payload, int32_t size)
{
    if (!loaded) {
        loaded = 1;
        if (mk_load_state(&count, sizeof count) != (int32_t)sizeof count)
            count = 0; /* no (or a different) state: start from zero */
    }
    if (type == MSG_INCREMENT) {
        count++;
        mk_save_state(&count, sizeof count);
    } else if (VERSION >= 2 && type == MSG_ADD && size == 4) {
        count += *(const int32_t *)payload;
        mk_save_state(&count, sizeof count);
    } else if (type == MSG_GET) {
        int32_t reply[2] = {VERSION, count};
        mk_send(source, MSG_COUNT, reply, sizeof reply);
    }
    return type != 0;
}
