/*
 * mk-shell -- the node a person runs: boots a runtime with its standard
 * actors (logging, the node services when built in, the HTTP status
 * endpoint, the console and the shell) and hands the terminal to the shell.
 *
 * `make run` starts it through scripts/run.sh. Options are in usage()
 * below and in docs/shell.md. Exit status: 0, 1 when a --script command
 * failed or the node could not boot, 2 for bad options.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "microkernel/dashboard.h"
#include "microkernel/display.h"
#include "microkernel/nats.h"
#include "microkernel/runtime.h"
#include "microkernel/services.h"
#include "microkernel/shell.h"
#ifdef MK_SHELL_WASM
#include "microkernel/wasm_actor.h"
#endif
#ifdef MK_SHELL_SERVICES
#include "microkernel/cf_proxy.h"
#include "microkernel/node_info.h"
#include "microkernel/node_services.h"
#include "microkernel/hw.h"
#endif

#define DEFAULT_HTTP_PORT 8420
#ifdef MK_SHELL_SERVICES
#define DEFAULT_LISTEN_PORT MOUNT_DEFAULT_PORT
#else
#define DEFAULT_LISTEN_PORT 4200 /* the original's MK_MOUNT_PORT */
#endif
#define MAX_ACTORS 1024

typedef struct {
    unsigned long node_id;
    const char *name;
    const char *data_dir;
    const char *script;
    int listen_port;      /* 0: no mount listener */
    char listen_host[64]; /* address of the mount listener (default 127.0.0.1) */
    const char *cookie;   /* --cookie or $MK_COOKIE; NULL: none */
    bool insecure;        /* --insecure: also mount nodes that cannot authenticate */
    bool no_tls;          /* --no-tls */
    int http_port;        /* 0: no status endpoint */
    const char *cf_url;   /* --cf-url or $MK_CF_URL; NULL: no cloud provider */
    const char *cf_token; /* --cf-token or $MK_CF_TOKEN */
    bool no_kv;           /* --no-kv: no local KV/SQL store */
    bool listen_set;      /* given on the command line */
    bool http_set;
#ifdef MK_SHELL_SERVICES
    hw_config_t hw; /* --hw, --gpiochip, --i2c-bus, --pwm-chip, --pwm-sysfs-root, --led-spidev */
#endif
    const display_board_t *board; /* --display: display, console, dashboard */
    bool dashboard;               /* --dashboard: the dashboard in this terminal */
    bool observer_write;          /* --observer-write: the web observer may send, stop, reload */
    const char *nats;             /* --nats URL[,URL]: join NATS (docs/scale-out.md); NULL: no */
    const char *nats_kv;          /* --nats-kv BUCKET: /node/storage/kv in JetStream; NULL: no */
} options_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mk-shell [options]\n"
            "Start a microkernel node and its interactive shell.\n"
            "\n"
            "  --node-id N       node ID, 1..4294967295 (default 1)\n"
            "  --name NAME       node name shown by whoami (default $MK_NODE_NAME,\n"
            "                    else linux-XXXX from the host name)\n"
            "  --data-dir DIR    where the node keeps its data, history included\n"
            "                    (default ./.mk-data, created if missing)\n"
            "  --listen [HOST:]PORT  accept mounts from other nodes on HOST:PORT\n"
            "                    (default 127.0.0.1:%d: this machine only; give\n"
            "                    0.0.0.0:PORT to let other machines mount this node;\n"
            "                    $MK_MOUNT_PORT changes the default port)\n"
            "  --no-listen       no mount listener\n"
            "  --cookie SECRET   shared secret: nodes that know it may mount this one\n"
            "                    without a trust-list entry (also $MK_COOKIE)\n"
            "  --insecure        also mount nodes that cannot authenticate (the\n"
            "                    original's firmware): no authentication, no encryption\n"
            "  --no-tls          authenticate node links but do not encrypt them\n"
            "  --http PORT       HTTP status endpoint on 127.0.0.1:PORT (default %d)\n"
            "  --no-http         no HTTP status endpoint\n"
            "  --hw mock|linux|none  hardware actors' backend (default mock; docs/hardware.md)\n"
            "  --gpiochip DEV    GPIO chip for --hw linux (default /dev/gpiochip0)\n"
            "  --i2c-bus N       I2C port 0 = /dev/i2c-N, port 1 = N+1 (default 1)\n"
            "  --pwm-chip N      sysfs pwmchipN (default 0)\n"
            "  --pwm-sysfs-root DIR  sysfs PWM class directory (default /sys/class/pwm)\n"
            "  --led-spidev DEV  WS2812 strip's SPI device (default /dev/spidev0.0)\n"
            "  --midi mock|sc16is752|alsa:CLIENT:PORT  MIDI actor's backend (docs/midi.md)\n"
            "  --observer-write  let the web observer at http://127.0.0.1:PORT/ send\n"
            "                    messages, stop actors and reload WASM modules\n"
            "  --cf-url URL      the mk-proxy Worker (wss://.../ws) serving the cloud\n"
            "                    paths /node/storage/kv, /node/ai/infer, ... (also\n"
            "                    $MK_CF_URL; docs/cloud.md)\n"
            "  --cf-token TOKEN  the Worker's AUTH_TOKEN (also $MK_CF_TOKEN)\n"
            "  --no-kv           no local KV/SQL store: /node/storage/* go to a\n"
            "                    mounted peer or the cloud\n"
            "  --nats URL[,URL]  join NATS (docs/scale-out.md); credentials from\n"
            "                    $MK_NATS_USER/_PASSWORD, _TOKEN, _CREDS, _CA\n"
            "  --nats-kv BUCKET  with --nats: /node/storage/kv is the JetStream KV\n"
            "                    bucket BUCKET, shared by every node naming it\n"
            "  --script FILE     run the commands in FILE, then exit; the exit status\n"
            "                    is 1 when a command fails\n"
            "  --display BOARD   run a display (round466 or rect800, in memory) with the\n"
            "                    ANSI console and the dashboard on it; see it with\n"
            "                    `snapshot FILE.png` or GET /display.png\n"
            "  --dashboard       show the dashboard full-screen in this terminal until a\n"
            "                    key is pressed (no shell; a --script runs silently)\n"
            "  --help            show this help\n"
            "  --version         show the version\n",
            DEFAULT_LISTEN_PORT, DEFAULT_HTTP_PORT);
}

static bool parse_number(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* --listen PORT, HOST:PORT or [V6]:PORT into o->listen_host / listen_port. */
static bool parse_listen(const char *s, options_t *o)
{
    const char *colon = strrchr(s, ':');
    unsigned long v;
    if (!colon)
        return parse_number(s, 1, 65535, &v) && (o->listen_port = (int)v, true);
    size_t hn = (size_t)(colon - s);
    const char *h = s;
    if (hn >= 2 && s[0] == '[' && s[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof o->listen_host || !parse_number(colon + 1, 1, 65535, &v))
        return false;
    memcpy(o->listen_host, h, hn);
    o->listen_host[hn] = '\0';
    o->listen_port = (int)v;
    return true;
}

/* Returns -1 to continue, or the exit status. */
static int parse_options(int argc, char **argv, options_t *o)
{
    enum {
        OPT_NODE_ID = 256,
        OPT_NAME,
        OPT_DATA_DIR,
        OPT_LISTEN,
        OPT_NO_LISTEN,
        OPT_HTTP,
        OPT_NO_HTTP,
        OPT_SCRIPT,
        OPT_COOKIE,
        OPT_INSECURE,
        OPT_NO_TLS,
        OPT_CF_URL,
        OPT_CF_TOKEN,
        OPT_NO_KV,
        OPT_HELP,
        OPT_VERSION,
        OPT_NATS,
        OPT_OBSERVER_WRITE,
        OPT_DISPLAY,
        OPT_DASHBOARD,
        OPT_NATS_KV,
        OPT_HW_FIRST /* hardware options: OPT_HW_FIRST + i, named in longopts */
    };
    static const struct option longopts[] = {
        {"node-id", required_argument, NULL, OPT_NODE_ID},
        {"name", required_argument, NULL, OPT_NAME},
        {"data-dir", required_argument, NULL, OPT_DATA_DIR},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"no-listen", no_argument, NULL, OPT_NO_LISTEN},
        {"http", required_argument, NULL, OPT_HTTP},
        {"no-http", no_argument, NULL, OPT_NO_HTTP},
        {"script", required_argument, NULL, OPT_SCRIPT},
        {"cookie", required_argument, NULL, OPT_COOKIE},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"no-tls", no_argument, NULL, OPT_NO_TLS},
        {"display", required_argument, NULL, OPT_DISPLAY},
        {"dashboard", no_argument, NULL, OPT_DASHBOARD},
        {"cf-url", required_argument, NULL, OPT_CF_URL},
        {"cf-token", required_argument, NULL, OPT_CF_TOKEN},
        {"no-kv", no_argument, NULL, OPT_NO_KV},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"hw", required_argument, NULL, OPT_HW_FIRST},
        {"gpiochip", required_argument, NULL, OPT_HW_FIRST + 1},
        {"i2c-bus", required_argument, NULL, OPT_HW_FIRST + 2},
        {"pwm-chip", required_argument, NULL, OPT_HW_FIRST + 3},
        {"pwm-sysfs-root", required_argument, NULL, OPT_HW_FIRST + 4},
        {"led-spidev", required_argument, NULL, OPT_HW_FIRST + 5},
        {"midi", required_argument, NULL, OPT_HW_FIRST + 6},
        {"observer-write", no_argument, NULL, OPT_OBSERVER_WRITE},
        {"nats", required_argument, NULL, OPT_NATS},
        {"nats-kv", required_argument, NULL, OPT_NATS_KV},
        {NULL, 0, NULL, 0},
    };
    unsigned long v;
    memset(o, 0, sizeof *o);
    o->node_id = 1;
    o->data_dir = ".mk-data";
    o->listen_port = DEFAULT_LISTEN_PORT;
    /* $MK_MOUNT_PORT sets the default port, as the original's mk-shell
     * (compat wire-and-mount.md, MK_MOUNT_PORT); --listen overrides it. */
    const char *env_port = getenv("MK_MOUNT_PORT");
    if (env_port && env_port[0]) {
        if (!parse_number(env_port, 1, 65535, &v)) {
            fprintf(stderr, "mk-shell: MK_MOUNT_PORT: '%s' is not a port (1..65535)\n", env_port);
            return 2;
        }
        o->listen_port = (int)v;
    }
    snprintf(o->listen_host, sizeof o->listen_host, "127.0.0.1");
    const char *env_cookie = getenv("MK_COOKIE");
    o->cookie = env_cookie && env_cookie[0] ? env_cookie : NULL;
    o->http_port = DEFAULT_HTTP_PORT;
#ifdef MK_SHELL_SERVICES
    hw_config_init(&o->hw);
#endif
    const char *env_cf = getenv("MK_CF_URL");
    o->cf_url = env_cf && env_cf[0] ? env_cf : NULL;
    o->cf_token = getenv("MK_CF_TOKEN");
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_NODE_ID:
            if (!parse_number(optarg, 1, 0xFFFFFFFFul, &o->node_id)) {
                fprintf(stderr, "mk-shell: --node-id: '%s' is not a number in 1..4294967295\n",
                        optarg);
                goto bad;
            }
            break;
        case OPT_NAME:
            if (!optarg[0] || strlen(optarg) > 63) {
                fprintf(stderr, "mk-shell: --name: must be 1..63 characters\n");
                goto bad;
            }
            o->name = optarg;
            break;
        case OPT_DATA_DIR:
            if (!optarg[0]) {
                fprintf(stderr, "mk-shell: --data-dir: empty path\n");
                goto bad;
            }
            o->data_dir = optarg;
            break;
        case OPT_LISTEN:
            if (!parse_listen(optarg, o)) {
                fprintf(stderr,
                        "mk-shell: --listen: '%s' is not PORT or HOST:PORT (port 1..65535)\n",
                        optarg);
                goto bad;
            }
            o->listen_set = true;
            break;
        case OPT_HTTP:
            if (!parse_number(optarg, 1, 65535, &v)) {
                fprintf(stderr, "mk-shell: --%s: '%s' is not a port in 1..65535\n",
                        c == OPT_LISTEN ? "listen" : "http", optarg);
                goto bad;
            }
            o->http_port = (int)v;
            o->http_set = true;
            break;
        case OPT_COOKIE:
            if (!optarg[0]) {
                fprintf(stderr, "mk-shell: --cookie: empty secret\n");
                goto bad;
            }
            o->cookie = optarg;
            break;
        case OPT_CF_URL: o->cf_url = optarg[0] ? optarg : NULL; break;
        case OPT_CF_TOKEN: o->cf_token = optarg; break;
        case OPT_NO_KV: o->no_kv = true; break;
        case OPT_INSECURE: o->insecure = true; break;
        case OPT_NO_TLS: o->no_tls = true; break;
        case OPT_NO_LISTEN: o->listen_port = 0; break;
        case OPT_NO_HTTP: o->http_port = 0; break;
        case OPT_OBSERVER_WRITE: o->observer_write = true; break;
        case OPT_SCRIPT: o->script = optarg; break;
        case OPT_DISPLAY:
            if (!(o->board = display_board_find(optarg))) {
                fprintf(stderr, "mk-shell: --display: '%s' is not round466 or rect800\n", optarg);
                goto bad;
            }
            break;
        case OPT_DASHBOARD: o->dashboard = true; break;
        case OPT_NATS: o->nats = optarg; break;
        case OPT_NATS_KV: o->nats_kv = optarg; break;
        case OPT_HELP: usage(stdout); return 0;
        case OPT_VERSION: printf("mk-shell %s\n", shell_version()); return 0;
#ifdef MK_SHELL_SERVICES
        case OPT_HW_FIRST:
        case OPT_HW_FIRST + 1:
        case OPT_HW_FIRST + 2:
        case OPT_HW_FIRST + 3:
        case OPT_HW_FIRST + 4:
        case OPT_HW_FIRST + 5:
        case OPT_HW_FIRST + 6: {
            const struct option *lo = longopts;
            while (lo->name && lo->val != c)
                lo++;
            if (!hw_config_set(&o->hw, lo->name, optarg)) {
                fprintf(stderr, "mk-shell: %s\n", mk_last_error());
                goto bad;
            }
            break;
        }
#endif
        case ':':
            fprintf(stderr, "mk-shell: option '%s' needs a value\n", argv[optind - 1]);
            goto bad;
        default: fprintf(stderr, "mk-shell: unknown option '%s'\n", argv[optind - 1]); goto bad;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mk-shell: unexpected argument '%s'\n", argv[optind]);
        goto bad;
    }
    return -1;
bad:
    usage(stderr);
    return 2;
}

/* Make the data directory (one level, like mkdir) unless it exists. */
static bool ensure_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return S_ISDIR(st.st_mode);
    return mkdir(path, 0700) == 0;
}

#ifdef MK_SHELL_SERVICES
/* The dashboard's names hook: the actor's namespace paths too. */
static void dashboard_paths(runtime_t *rt, actor_id_t id, char *buf, size_t cap, void *ctx)
{
    (void)ctx;
    size_t off = strlen(buf);
    ns_reverse_lookup_all_paths(rt, id, buf, cap, &off);
}
#endif

/* --dashboard: the terminal's state to restore, and the log file. */
static struct termios saved_tty;
static bool tty_saved;

static void restore_terminal(void)
{
    static const char leave[] = "\x1b[0m\x1b[?25h\x1b[?1049l";
    if (write(STDOUT_FILENO, leave, sizeof leave - 1) < 0) { /* nothing more to do */
    }
    if (tty_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    tty_saved = false;
}

static void log_to_file(const char *line, void *ctx)
{
    if (ctx) {
        fprintf(ctx, "%s\n", line);
        fflush(ctx);
    }
}

/* Start the dashboard in this terminal: alternate screen, no cursor, keys
 * unbuffered; the runtime's log goes to <data-dir>/dashboard.log. */
static actor_id_t start_terminal_dashboard(runtime_t *rt, const options_t *o, FILE **log)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/dashboard.log", o->data_dir);
    *log = fopen(path, "a");
    runtime_set_log_sink(rt, log_to_file, *log);
    struct winsize ws = {0};
    dashboard_config_t cfg;
    dashboard_config_init(&cfg);
    cfg.identity = o->name;
#ifdef MK_SHELL_SERVICES
    cfg.names = dashboard_paths;
#endif
    cfg.term_fd = STDOUT_FILENO;
    cfg.key_fd = STDIN_FILENO;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
        cfg.term_cols = ws.ws_col;
        cfg.term_rows = ws.ws_row;
    }
    if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
        struct termios raw = saved_tty;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tty_saved = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    static const char enter[] = "\x1b[?1049h\x1b[?25l";
    if (write(STDOUT_FILENO, enter, sizeof enter - 1) < 0) { /* the dashboard will say */
    }
    atexit(restore_terminal);
    return dashboard_actor_init_config(rt, &cfg);
}

int main(int argc, char **argv)
{
    options_t o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!ensure_dir(o.data_dir)) {
        fprintf(stderr, "mk-shell: --data-dir %s: not a usable directory (%s)\n", o.data_dir,
                strerror(errno));
        return 1;
    }
#ifdef MK_SHELL_WASM
    if (!wasm_actors_init()) {
        fprintf(stderr, "mk-shell: cannot prepare WASM actors: %s\n", mk_last_error());
        return 1;
    }
#endif
    runtime_t *rt = runtime_init((node_id_t)o.node_id, MAX_ACTORS);
    if (!rt) {
        fprintf(stderr, "mk-shell: cannot start the runtime: %s\n", mk_last_error());
        return 1;
    }
    runtime_enable_logging(rt);

#ifdef MK_SHELL_SERVICES
    services_config_t svc = {
        .node_name = o.name,
        .data_dir = o.data_dir,
        .mount_host = o.listen_host,
        .mount_port = (uint16_t)o.listen_port,
        .no_mount_listen = o.listen_port == 0,
        .cookie = o.cookie,
        .insecure = o.insecure,
        .no_tls = o.no_tls,
        .no_kv = o.no_kv,
    };
    if (!services_start(rt, &svc)) {
        fprintf(stderr, "mk-shell: cannot start the node services: %s\n", mk_last_error());
        if (o.listen_port && !o.listen_set)
            fprintf(stderr,
                    "mk-shell: (another node may use port %d: try --listen PORT or "
                    "--no-listen)\n",
                    o.listen_port);
        runtime_destroy(rt);
        return 1;
    }
    if (o.cf_url) {
        cf_proxy_config_t cf = {0};
        if (strlen(o.cf_url) >= sizeof cf.url ||
            (o.cf_token && strlen(o.cf_token) >= sizeof cf.token)) {
            fprintf(stderr,
                    "mk-shell: --cf-url/--cf-token: URL at most %zu, token at most %zu "
                    "bytes\n",
                    sizeof cf.url - 1, sizeof cf.token - 1);
            runtime_destroy(rt);
            return 2;
        }
        snprintf(cf.url, sizeof cf.url, "%s", o.cf_url);
        snprintf(cf.token, sizeof cf.token, "%s", o.cf_token ? o.cf_token : "");
        if (cf_proxy_init(rt, &cf) == ACTOR_ID_INVALID) {
            fprintf(stderr, "mk-shell: --cf-url: %s\n", mk_last_error());
            runtime_destroy(rt);
            return 1;
        }
    }
    if (o.insecure)
        fprintf(stderr, "mk-shell: WARNING: --insecure: nodes that cannot authenticate may "
                        "mount this one, unauthenticated and unencrypted\n");
    if (o.hw.backend != HW_BACKEND_NONE && hw_start(rt, &o.hw) == ACTOR_ID_INVALID) {
        fprintf(stderr, "mk-shell: cannot start the hardware actors: %s\n", mk_last_error());
        runtime_destroy(rt);
        return 1;
    }
    node_info_t info;
    char node_name[NODE_NAME_MAX + 1] = "";
    if (!o.name && node_info_get(rt, &info)) {
        snprintf(node_name, sizeof node_name, "%s", info.name);
        o.name = node_name;
    }
#else
    if (o.listen_set)
        fprintf(stderr, "mk-shell: --listen: not available in this build: mount listener "
                        "(src/services)\n");
#endif
    if (o.nats) {
        /* With the registry (30 s TTL, docs/scale-out.md) when the servers
         * run JetStream; without it otherwise. */
        mk_nats_config_t nc = {.servers = o.nats,
                               .user = getenv("MK_NATS_USER"),
                               .password = getenv("MK_NATS_PASSWORD"),
                               .token = getenv("MK_NATS_TOKEN"),
                               .creds_file = getenv("MK_NATS_CREDS"),
                               .ca_file = getenv("MK_NATS_CA"),
                               .names_ttl_ms = 30000,
                               .event_loop = getenv("MK_NATS_EVENT_LOOP") != NULL};
        if (!runtime_attach_nats(rt, &nc)) {
            char why[256];
            snprintf(why, sizeof why, "%s", mk_last_error());
            nc.names_ttl_ms = 0;
            if (!strstr(why, "registry") || !runtime_attach_nats(rt, &nc)) {
                fprintf(stderr, "mk-shell: --nats: %s\n", mk_last_error());
                runtime_destroy(rt);
                return 1;
            }
            fprintf(stderr, "mk-shell: --nats: no registry: %s\n", why);
        }
        if (o.nats_kv && mk_nats_kv_start(rt, o.nats_kv, true) == ACTOR_ID_INVALID) {
            fprintf(stderr, "mk-shell: --nats-kv: %s\n", mk_last_error());
            runtime_destroy(rt);
            return 1;
        }
    } else if (o.nats_kv) {
        fprintf(stderr, "mk-shell: --nats-kv needs --nats\n");
        runtime_destroy(rt);
        return 1;
    }
    if (o.http_port &&
        shell_status_start_ex(rt, (uint16_t)o.http_port, o.name,
                              o.observer_write ? SHELL_STATUS_WRITE : 0) == ACTOR_ID_INVALID) {
        /* As a mount port in use: the node does not start half-configured. */
        fprintf(stderr, "mk-shell: cannot start the HTTP status endpoint: %s\n", mk_last_error());
        if (!o.http_set)
            fprintf(stderr,
                    "mk-shell: (another program may use port %d: try --http PORT or "
                    "--no-http)\n",
                    o.http_port);
        runtime_destroy(rt);
        return 1;
    }
    if (o.board) {
        dashboard_config_t dcfg;
        dashboard_config_init(&dcfg);
        dcfg.identity = o.name;
#ifdef MK_SHELL_SERVICES
        dcfg.names = dashboard_paths;
#endif
        if (dashboard_stack_start(rt, o.board, &dcfg) == ACTOR_ID_INVALID)
            fprintf(stderr, "mk-shell: --display: %s\n", mk_last_error());
    }
    if (o.dashboard) {
        FILE *log = NULL;
        actor_id_t dash = start_terminal_dashboard(rt, &o, &log);
        int status = 0;
        if (dash == ACTOR_ID_INVALID) {
            restore_terminal();
            fprintf(stderr, "mk-shell: --dashboard: %s\n", mk_last_error());
            status = 1;
        } else if (o.script) {
            int devnull = open("/dev/null", O_RDWR);
            shell_config_t scfg;
            shell_config_init(&scfg);
            scfg.node_name = o.name;
            scfg.data_dir = o.data_dir;
            scfg.script_path = o.script;
            scfg.in_fd = devnull;
            scfg.out_fd = devnull;
            scfg.banner = false;
            scfg.capture_logs = false;
            if (devnull < 0 || shell_start(rt, &scfg) == ACTOR_ID_INVALID)
                status = 1;
        }
        /* The script's end stops the runtime too: go on until the key. */
        while (status == 0 && actor_is_alive(rt, dash))
            runtime_run(rt);
        restore_terminal();
        runtime_destroy(rt);
        if (log)
            fclose(log);
        return status;
    }

    int status = 0;
    shell_config_t cfg;
    shell_config_init(&cfg);
    cfg.node_name = o.name;
    cfg.data_dir = o.data_dir;
    cfg.script_path = o.script;
    cfg.exit_status = &status;
    cfg.banner = o.script == NULL;
    if (shell_start(rt, &cfg) == ACTOR_ID_INVALID) {
        fprintf(stderr, "mk-shell: cannot start the shell: %s\n", mk_last_error());
        runtime_destroy(rt);
        return 1;
    }
    runtime_run(rt);
    runtime_destroy(rt);
#ifdef MK_SHELL_WASM
    wasm_actors_cleanup();
#endif
    return status;
}
