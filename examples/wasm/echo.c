/*
 * echo.c -- the echo actor in C, compiled to WebAssembly without libc:
 *   clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry \
 *     -Wl,--export=handle_message -Wl,--allow-undefined -Wl,--strip-all \
 *     -o echo.wasm echo.c
 * Answers a ping (type 200) with a pong (type 201) carrying the same payload
 * to the sender; type 0 stops it. The shell's `load echo.wasm` uses it too.
 */
#include <stdint.h>

/* Host functions from "env" (docs/wasm-actors.md). */
extern int32_t mk_send(int64_t dest, int32_t type, const void *payload, int32_t size);

#define MSG_PING 200
#define MSG_PONG 201

int32_t handle_message(int32_t type, int64_t source, const void *payload, int32_t size)
{
    if (type == MSG_PING) {
        mk_send(source, MSG_PONG, payload, size);
        return 1; /* keep alive */
    }
    return type != 0; /* type 0: stop */
}
