/*
 * microkernel/shell.h -- the interactive shell: a console actor that bridges
 * a terminal (or any pair of fds) into messages, and a shell actor that runs
 * commands.
 *
 * Source: seed README (002), "Interactive shell"; issue 9. The console reads
 * its input fd through the event loop (actor_watch_fd), edits lines with
 * mk_readline.h (raw mode via termios when the input is a terminal, plain
 * lines otherwise) and sends each finished line to the shell; the shell
 * answers with text for the console to print. Neither blocks the runtime:
 * `call` waits for its reply as a message, with a timer. The commands are
 * documented in docs/shell.md.
 */
#ifndef MICROKERNEL_SHELL_H
#define MICROKERNEL_SHELL_H

#include "microkernel/runtime.h"
#include "microkernel/services.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The original's native shell (compat/services.md section 5) ------- */

#define MSG_SHELL_INPUT                                                                            \
    100                      /* console -> shell: one command line, raw bytes, no newline,         \
                                no NUL needed; cut at 255 bytes (a NUL ends it earlier) */
#define MSG_SHELL_INIT   101 /* main -> shell (and console): start; no payload */
#define MSG_SHELL_PROMPT 109 /* shell -> console: ready for the next line; no payload */

/*
 * Spawn the original's native C shell (mailbox 32) and return its id, or
 * ACTOR_ID_INVALID with the reason in mk_last_error() (no memory, no actor
 * slot). Callable outside a behaviour. Each call spawns an independent
 * shell with its own state (the original keeps static state: one per
 * process). The shell writes everything to stdout (flushed after each
 * message) in the original's exact formats (docs/shell.md, "The original's
 * native shell"):
 *  - MSG_SHELL_INIT: registers the flat name "shell" (kept going if taken),
 *    prints "\nmk-shell v0.3 (native)\nType 'help' for commands.\n\n"; no
 *    prompt.
 *  - MSG_SHELL_INPUT from a local actor (or from outside a behaviour): the
 *    sender becomes its console; the line (first 255 bytes) runs; then
 *    MSG_SHELL_PROMPT goes to the console (no known console: the flat name
 *    "console"; none: "> " is printed). Input from an actor of another node
 *    is ignored and logged (rate-limited): commands act with this node's
 *    rights (the original accepts it).
 *  - `call` waits 5000 ms for any message ("[reply] type=<t> from=<id>
 *    size=<n>" + payload) or prints "Timeout (5s)"; `mount` waits up to
 *    10000 ms for the mount actor. Other messages print as "[msg] ...".
 * Commands: help ?, list, self, whoami, register, lookup, send, call
 * (x:hex payloads up to 256 bytes), stop, ls, info top, caps, exit quit
 * (prints "Bye!", runtime_stop), load/reload (builds with WASM; modules of
 * 1 byte .. 256 KiB), mount <host>[:<port>] (default 4200; through our mount
 * actor "/sys/mount-listen": "Mounted: <identity>" or "Mount failed
 * (rc=-1)"). Text payloads print at most 1024 bytes then "..." (the
 * original prints all).
 */
actor_id_t shell_actor_init(runtime_t *rt);

/* ---- Ours: the line console and the shell of mk-shell (docs/shell.md) -- */

/*
 * Messages between our line console and our shell (extension range, see
 * services.h; never accepted from a node link, see node_link.c's local-only
 * list). Payloads are raw text without a NUL unless stated. Named MSG_TTY_*
 * (they were MSG_CONSOLE_*, values unchanged) because the original's
 * services.h gives MSG_CONSOLE_WRITE/CLEAR other values (0xFF000060/61) for
 * its ANSI console actor (console.h): one name, one meaning.
 */
#define MSG_TTY_LINE  0xFF000A00u /* console -> shell: one input line */
#define MSG_TTY_EOF   0xFF000A01u /* console -> shell: input ended (EOF, Ctrl+D) */
#define MSG_TTY_WRITE 0xFF000A02u /* anyone -> console: text to print */
#define MSG_TTY_READY 0xFF000A03u /* shell -> console: show the prompt, send the next line */
#define MSG_TTY_HISTORY                                                                            \
    0xFF000A04u /* shell -> console: add a line to the edit history                                \
                   (empty payload: clear the history) */
#define MSG_TTY_QUIT                                                                               \
    0xFF000A05u                    /* shell -> console: flush, restore the terminal, stop          \
                                      the runtime */
#define MSG_TTY_START  0xFF000A06u /* to console, once: start reading input */
#define MSG_TTY_PUMP   0xFF000A07u /* console -> itself: read more (input not pollable) */
#define MSG_SHELL_NEXT 0xFF000A10u /* shell -> itself: run the next script line */

#define SHELL_CALL_TIMEOUT_MS 5000 /* how long `call` waits for a reply (seed: 5 s) */

/* How to start a shell. Fill with shell_config_init() first. */
typedef struct {
    const char *node_name;   /* shown by whoami; NULL: "node-<id>" */
    const char *data_dir;    /* where the history is kept when no KV store runs;
                                NULL: history not persisted */
    const char *script_path; /* run these commands then exit; NULL: interactive */
    int in_fd;               /* console input (default 0); not closed */
    int out_fd;              /* console output (default 1); not closed */
    bool banner;             /* print "mk-shell vX (native)" first (default true) */
    bool capture_logs;       /* route runtime log lines through the console so they
                                do not tear the input line (default true) */
    int *exit_status;        /* where the shell stores the process exit status when it
                                ends: 0, or 1 when a script command failed; may be NULL */
} shell_config_t;

/* Defaults: fds 0 and 1, banner and log capture on, everything else NULL. */
void shell_config_init(shell_config_t *cfg);

/*
 * Spawn the console (registered as "console") and the shell (registered as
 * "shell") on `rt`, from outside a behaviour, before runtime_run(). The
 * strings in `cfg` are copied. When `in_fd` is a terminal it is put in raw
 * mode once the runtime runs, and restored when the console stops, when
 * the runtime is destroyed, at exit, and on SIGTERM/SIGHUP/SIGQUIT. The
 * shell stops the runtime (runtime_stop) after `exit`, Ctrl+D, end of
 * input, or the end of the script. Returns the shell's ID, or
 * ACTOR_ID_INVALID with the reason in mk_last_error() when an actor cannot
 * be spawned, a name is taken, or the script cannot be opened.
 */
actor_id_t shell_start(runtime_t *rt, const shell_config_t *cfg);

/*
 * Start the node's HTTP status endpoint (registered as "/sys/status", a
 * system actor): it listens on 127.0.0.1:`port` (0: a port the kernel
 * picks) once the runtime runs, and answers GET /status with
 * {"node_id","node_name","version","actor_count","actors":[...]} and GET
 * /actors with the actor array alone; each actor is {"seq","id" ("0x..."),
 * "status","mailbox_used","mailbox_size","system","parent" (null or
 * "0x..."),"names":[...]}. Other paths get 404, other methods 405. A
 * `port` that cannot be bound now (in use) fails at once ("cannot serve
 * HTTP on 127.0.0.1:<port>: Address already in use"); should it be taken
 * between this call and the listen, the actor logs the reason (LOG_ERROR)
 * and stops. Returns the actor's ID, or ACTOR_ID_INVALID with a reason
 * (port in use, no actor slot, or a build without the HTTP layer: "not
 * available in this build").
 */
actor_id_t shell_status_start(runtime_t *rt, uint16_t port, const char *node_name);

/* Flags of shell_status_start_ex(). */
#define SHELL_STATUS_WRITE 0x1u /* enable the observer's write actions (send, stop, reload) */

/*
 * shell_status_start() with `flags`. The same server also serves the web
 * observer (docs/observer.md): the page at "/", GET /api/actors,
 * /api/tree, /api/nodes, /api/metrics, /api/log, the SSE stream
 * /api/events and Prometheus text at /metrics. Its write actions (POST
 * /api/send, /api/stop, /api/reload) answer 403 unless SHELL_STATUS_WRITE
 * is given (mk-shell --observer-write). Same errors as shell_status_start.
 */
actor_id_t shell_status_start_ex(runtime_t *rt, uint16_t port, const char *node_name,
                                 unsigned flags);

/* The version string the shell prints, e.g. "0.1.0". */
const char *shell_version(void);

#ifdef __cplusplus
}
#endif

#endif
