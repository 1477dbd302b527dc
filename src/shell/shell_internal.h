/*
 * shell_internal.h -- what the shell's files share: the shell state, the
 * command table entry, output helpers and the console's constructor.
 *
 * Everything runs on the runtime's thread, inside the shell's or the
 * console's behaviour.
 */
#ifndef MK_SHELL_INTERNAL_H
#define MK_SHELL_INTERNAL_H

#include <stdio.h>

#include "core/runtime_api.h"
#include "shell/line_edit.h"
#include "microkernel/shell.h"
#include "shell/cmdline.h"
#include "shell/outbox.h"

#define SHELL_OUT_MAX        16384 /* bytes of output gathered before a write */
#define SHELL_REPLY_SHOW_MAX 4096  /* payload bytes a `call` reply shows; the rest is counted */
#define SHELL_HISTORY_MAX    100   /* lines `history` keeps */
#define SHELL_PATH_MAX       512   /* bytes of a file path */

typedef struct console console_t;

/* Spawn the console actor reading `in_fd`, writing `out_fd`, sending lines
 * to `shell`, and queue its MSG_TTY_START. ACTOR_ID_INVALID on failure. */
actor_id_t console_spawn(runtime_t *rt, int in_fd, int out_fd, actor_id_t shell);

/* What a command did. */
typedef enum {
    SHELL_DONE,    /* finished; the next line may come */
    SHELL_FAILED,  /* finished with an error (a script stops) */
    SHELL_PENDING, /* waits for a message (call); the shell finishes it later */
    SHELL_EXIT     /* the session ends */
} shell_result_t;

typedef struct shell shell_t;

/* A command handler: `args` are the words of `line` (`len` bytes), argv[0]
 * being the command name. */
typedef shell_result_t (*shell_cmd_fn)(shell_t *sh, const shell_args_t *args, const char *line,
                                       size_t len);

typedef struct {
    const char *name; /* what is typed */
    const char *args; /* usage after the name, "" for none */
    const char *help; /* one line */
    size_t min_args;  /* words after the name */
    size_t max_args;  /* SHELL_ARGS_MAX for "the rest of the line" */
    shell_cmd_fn fn;
} shell_cmd_t;

struct shell {
    runtime_t *rt;
    actor_id_t self;                  /* this shell */
    actor_id_t console;               /* where output goes */
    sh_outbox_t to_console;           /* output, READY, history, QUIT: never dropped */
    sh_outbox_t to_self;              /* MSG_SHELL_NEXT, MSG_TTY_START */
    char node_name[MK_NAME_MAX + 1];  /* for whoami */
    char data_dir[SHELL_PATH_MAX];    /* "" when none */
    char script_path[SHELL_PATH_MAX]; /* "" when interactive */
    FILE *script;                     /* open script, or NULL */
    unsigned script_line;             /* line number of the command running */
    int *exit_status;                 /* the caller's; may be NULL */
    int status;                       /* 0, or 1 after a failed script command */
    bool banner;                      /* print the banner at start */
    const shell_cmd_t *cmd;           /* the command running */

    bool calling;                        /* a command waits for a reply */
    actor_id_t call_target;              /* whom it asked */
    timer_id_t call_timer;               /* its timeout */
    unsigned call_timeout_ms;            /* for the timeout message */
    struct shell_reply_handler *call_fn; /* what to do with the reply */

    char out[SHELL_OUT_MAX]; /* output gathered for the console */
    size_t out_len;

    char history[SHELL_HISTORY_MAX][LINE_EDIT_LINE_MAX]; /* ring, oldest first */
    size_t hist_count;                                   /* lines in the ring */
    size_t hist_first;                                   /* ring index of the oldest */
    unsigned long hist_total; /* lines ever recorded (numbers in `history`) */
    actor_id_t kv;            /* local KV store keeping the history, or invalid */
    unsigned kv_pending;      /* history requests not answered yet */
    bool kv_loading;          /* the stored history has not arrived yet */
    bool quitting;            /* ending once the history is stored */
    bool gone;                /* said Goodbye; ignores everything */
    timer_id_t quit_timer;    /* gives up waiting for the store */
};

/* ---- Output (shell.c) -------------------------------------------------- */

/* Append formatted text to the output; it reaches the console when the
 * command finishes (or earlier when the buffer fills). */
void sh_printf(shell_t *sh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Print "error: <cmd>: <text>" and return SHELL_FAILED. */
shell_result_t sh_error(shell_t *sh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Like sh_error, followed by "; usage: <name> <args>". */
shell_result_t sh_usage_error(shell_t *sh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Send what was gathered to the console now (queued when its mailbox is
 * full; written to stderr when the console is gone). */
void sh_flush(shell_t *sh);

/* Send a control message (READY, HISTORY, QUIT) to the console: queued
 * until its mailbox has room, never dropped while it lives. */
void sh_console_control(shell_t *sh, msg_type_t type, const void *data, size_t len);

/*
 * Resolve a name, a path, 0x<hex ID> or a decimal local sequence number to
 * an actor ID. Local IDs must be alive; remote ones are taken as given.
 * Prints an error and returns false when nothing matches.
 */
bool sh_resolve(shell_t *sh, const char *ref, actor_id_t *out);

/* The first registered name of `id`, or NULL. */
const char *sh_name_of(shell_t *sh, actor_id_t id);

/* ---- Snapshots of the actor table (snapshot.c) ------------------------- */

#ifdef MK_SHELL_SERVICES
#include "microkernel/namespace.h"
typedef ns_entry_t ns_entry_like_t;
#else
typedef struct {
    const char *path;
    actor_id_t id;
    node_id_t origin;
} ns_entry_like_t;
#endif

typedef struct {
    actor_info_t *actors; /* live actors, by increasing ID */
    size_t n_actors;
    const char **names; /* flat names, then local paths (valid until the tables change) */
    actor_id_t *ids;
    size_t n_names;
    ns_entry_like_t *paths; /* local namespace paths (or NULL) */
} sh_snapshot_t;

/* Take a snapshot (false when memory runs out); free it with sh_snapshot_free. */
bool sh_snapshot_take(runtime_t *rt, sh_snapshot_t *s);
void sh_snapshot_free(sh_snapshot_t *s);
/* "running", "ready" or "idle". */
const char *sh_status_word(const actor_info_t *a);

/* ---- Command groups ---------------------------------------------------- */

/* cmd_actors.c */
shell_result_t cmd_list(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_info(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_self(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_whoami(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_stop(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_register(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_lookup(shell_t *, const shell_args_t *, const char *, size_t);

/* cmd_msg.c */
shell_result_t cmd_send(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_call(shell_t *, const shell_args_t *, const char *, size_t);

/* What a waiting command does with its reply. */
typedef struct shell_reply_handler {
    /* Called with the first message from an actor that reaches the shell;
     * returns the command's result. */
    shell_result_t (*on_reply)(shell_t *sh, const message_t *msg);
    /* Printed as is when the wait times out (the command fails); NULL:
     * "error: <cmd>: no reply from ... within N s". */
    const char *timeout_msg;
} shell_reply_handler_t;

/*
 * Wait for the reply to a request just sent to `target`: arms a timer of
 * `timeout_ms` and returns SHELL_PENDING, or prints an error and returns
 * SHELL_FAILED when no timer can be had. The shell then hands the first
 * message from an actor (source not ACTOR_ID_INVALID) to `h`, or prints
 * "no reply from ... within N s" when the timer fires first.
 */
shell_result_t sh_wait_reply(shell_t *sh, actor_id_t target, unsigned timeout_ms,
                             shell_reply_handler_t *h);
/* A message arrived while a command waits: returns true and sets *r when it
 * was the reply. */
bool sh_call_reply(shell_t *sh, const message_t *msg, shell_result_t *r);
void sh_call_timeout(shell_t *sh);
/* Whether `id` is a live local system actor (actor_info_t.system: the log,
 * ns, caps, mount, local_kv, status, display actors). `stop` in the shell
 * and POST /api/stop of the observer refuse them with SH_STOP_SYSTEM_WHY. */
bool sh_is_system_actor(runtime_t *rt, actor_id_t id);
#define SH_STOP_SYSTEM_WHY "a system actor the node needs (use exit to stop the node)"

/* Print an unsolicited message ("[msg] type=..."): the first 64 payload
 * bytes quoted, then "..." (size= gives the whole length). */
void sh_print_message(shell_t *sh, const char *tag, const message_t *msg);
/* Append `len` bytes of `data` to the output as they are (any length: the
 * output buffer is flushed as it fills; sh_printf cuts at 2047 bytes). */
void sh_write(shell_t *sh, const char *data, size_t len);

/* cmd_node.c: the commands that need the layers above the core */
shell_result_t cmd_load(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_reload(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_ls(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_mount(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_caps(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_trust(shell_t *, const shell_args_t *, const char *, size_t);
shell_result_t cmd_untrust(shell_t *, const shell_args_t *, const char *, size_t);

/* cmd_store.c: `check` (the local KV store's integrity_check) */
shell_result_t cmd_check(shell_t *, const shell_args_t *, const char *, size_t);

/* cmd_display.c: `snapshot` (docs/display.md) */
shell_result_t cmd_snapshot(shell_t *, const shell_args_t *, const char *, size_t);

/* cmd_midi.c: `midi` (docs/midi.md) */
shell_result_t cmd_midi(shell_t *, const shell_args_t *, const char *, size_t);

/* history.c */
void sh_history_load(shell_t *sh);
void sh_history_record(shell_t *sh, const char *line);
/* A reply of the KV store to a history request: consumed (true) or not. */
bool sh_history_reply(shell_t *sh, const message_t *msg);
/* History requests are still unanswered. */
bool sh_history_busy(const shell_t *sh);
shell_result_t cmd_history(shell_t *, const shell_args_t *, const char *, size_t);

#endif
