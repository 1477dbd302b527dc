/*
 * microkernel/config.h -- build-time limits of the runtime, in one place.
 *
 * Every value is a default that a build can override, e.g.
 *   cmake -DCMAKE_C_FLAGS="-DMK_MAX_TIMERS=64"
 * The first four are the limits the seed API reference states (000,
 * "Services" and "Transport"; the transport count is the original's 16,
 * ../shared/compat/wire-and-mount.md section 2, where the older seed said
 * 8); the rest are this implementation's own.
 */
#ifndef MICROKERNEL_CONFIG_H
#define MICROKERNEL_CONFIG_H

#ifndef MK_MAX_TIMERS
#define MK_MAX_TIMERS 32 /* concurrent timers per runtime (seed) */
#endif
#ifndef MK_MAX_FD_WATCHES
#define MK_MAX_FD_WATCHES 32 /* concurrent fd watches per runtime (seed) */
#endif
#ifndef MK_MAX_NAMES
#define MK_MAX_NAMES 128 /* registered names per runtime (seed) */
#endif
#ifndef MK_MAX_TRANSPORTS
#define MK_MAX_TRANSPORTS 16 /* transports per runtime (the original's MAX_TRANSPORTS) */
#endif
/* Flat names one peer node may plant in our registry (MSG_NAME_REGISTER);
 * the rest of MK_MAX_NAMES stays for local actors and other peers. */
#ifndef MK_NET_PEER_NAMES_MAX
#define MK_NET_PEER_NAMES_MAX (MK_MAX_NAMES / 2)
#endif
#ifndef MK_NAME_MAX
#define MK_NAME_MAX 63 /* characters in a registered name (seed), NUL not counted */
#endif
#ifndef MK_LOG_MSG_MAX
#define MK_LOG_MSG_MAX 255 /* characters in one log message (seed) */
#endif

#ifndef MK_MAILBOX_MAX
#define MK_MAILBOX_MAX (1u << 24) /* largest mailbox, in messages */
#endif
#ifndef MK_MSG_INLINE_PAYLOAD
#define MK_MSG_INLINE_PAYLOAD 64 /* payload bytes stored inside a pooled message */
#endif
#ifndef MK_MSG_POOL_PAYLOAD_MAX
#define MK_MSG_POOL_PAYLOAD_MAX 4096 /* larger payloads use malloc per message */
#endif
#ifndef MK_POOL_KEEP
#define MK_POOL_KEEP 4096 /* free blocks kept per pool class; the rest are freed */
#endif
#ifndef MK_IO_POLL_INTERVAL
#define MK_IO_POLL_INTERVAL 64 /* messages handled between non-blocking I/O polls */
#endif
#ifndef MK_DISPATCH_BATCH
#define MK_DISPATCH_BATCH 16 /* messages an actor may handle in one turn of runtime_run */
#endif
/* Messages a node link delivers from one transport per turn of the event
 * loop (a readiness event, or the resume of a link that spent its budget)
 * before timers, other sockets and ready actors have theirs; the rest wait
 * for the next I/O poll (docs/multi-node.md, "Fair receiving"). */
#ifndef MK_NET_RECV_BUDGET
#define MK_NET_RECV_BUDGET 64
#endif
/* A peer accepted by a listening Unix/TCP transport that has not sent one
 * whole valid frame within this many ms is dropped and the listener
 * accepts again; mk_net_set_handshake_ms() changes it per runtime. */
#ifndef MK_NET_HANDSHAKE_MS
#define MK_NET_HANDSHAKE_MS 3000
#endif
/* Adaptive idle spin before blocking, in microseconds (0: off); the
 * MK_IDLE_SPIN_US environment variable overrides it at runtime_init(). */
#ifndef MK_IDLE_SPIN_US
#define MK_IDLE_SPIN_US 25
#endif
/* Bounded memory mode (microkernel/alloc.h mk_arena_init): the arena's
 * fixed pools hold blocks of 16, 32, ... MK_ARENA_POOL_MAX bytes (a power
 * of two), MK_ARENA_POOL_BLOCKS of each. */
#ifndef MK_ARENA_POOL_MAX
#define MK_ARENA_POOL_MAX 256
#endif
#ifndef MK_ARENA_POOL_BLOCKS
#define MK_ARENA_POOL_BLOCKS 64
#endif
/* Bounded memory mode: bytes of the fixed pool of each kind, carved from
 * the arena by mk_arena_init() (microkernel/alloc.h, docs/mcu.md). 0 puts
 * the kind in the arena's general region. */
#ifndef MK_BOUNDED_MESSAGE_POOL_BYTES
#define MK_BOUNDED_MESSAGE_POOL_BYTES 32768 /* message blocks and payloads */
#endif
#ifndef MK_BOUNDED_MAILBOX_POOL_BYTES
#define MK_BOUNDED_MAILBOX_POOL_BYTES 16384 /* actors with their mailbox rings */
#endif
#ifndef MK_BOUNDED_WASM_MEMORY_POOL_BYTES
#define MK_BOUNDED_WASM_MEMORY_POOL_BYTES 327680 /* WASM linear memories (4 pages + headers) */
#endif
#ifndef MK_BOUNDED_WASM_STACK_POOL_BYTES
#define MK_BOUNDED_WASM_STACK_POOL_BYTES 65536 /* WASM value and frame stacks */
#endif
#ifndef MK_MAX_EXIT_HOOKS
#define MK_MAX_EXIT_HOOKS 8 /* subsystems told of every actor exit */
#endif

#endif
