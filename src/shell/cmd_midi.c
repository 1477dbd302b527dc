/*
 * cmd_midi.c -- the shell's `midi` command (../shared/compat/midi.md §6):
 * configure the MIDI actor, send notes, CC, program changes and raw
 * messages, start/stop the monitor and the arpeggiator and set its BPM,
 * pattern and octaves, print the SC16IS752's registers, and play / stop a
 * Standard MIDI File through the sequencer (ours). Requests go to the
 * actors as messages; waits never block (SHELL_PENDING).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc_internal.h"
#include "hw/midi/midi_internal.h"
#include "microkernel/arpeggiator.h"
#include "microkernel/midi.h"
#include "microkernel/midi_monitor.h"
#include "microkernel/sequencer.h"
#include "shell/shell_internal.h"

#define MIDI_WAIT_MS  3000u        /* the original waits 3 s and says "Timeout (5s)" */
#define MIDI_PLAY_MAX (256u << 10) /* `midi play`: largest file read, bytes */

static const char *const k_note[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                       "F#", "G",  "G#", "A",  "A#", "B"};

static shell_result_t print_reply(shell_t *sh, const message_t *msg)
{
    sh_print_message(sh, "[reply]", msg);
    return SHELL_DONE;
}

static shell_reply_handler_t k_wait = {print_reply, "Timeout (5s)"};

/* Decimal, 0x hex or leading-0 octal, as the original's strtol(…, 0). */
static unsigned long num(const char *s)
{
    return s ? strtoul(s, NULL, 0) : 0;
}

static void usage(shell_t *sh)
{
    sh_printf(sh, "MIDI commands:\n"
                  "  midi configure [port addr sda scl irq freq]  set up the SC16IS752 "
                  "(default 0 0x48 8 9 43 400000)\n"
                  "  midi send <status> <d1> [d2]   send a raw message\n"
                  "  midi note <ch> <note> [vel]    Note On (vel 0 = off; default 127)\n"
                  "  midi cc <ch> <cc#> <val>       control change\n"
                  "  midi pc <ch> <program>         program change\n"
                  "  midi monitor [off]             print MIDI IN traffic (/sys/midi_monitor)\n"
                  "  midi arp [on|off|stop]         start or switch the arpeggiator\n"
                  "  midi arp bpm <n> | pattern up|down|updown|random | octaves <n>\n"
                  "  midi status                    SC16IS752 channel A registers\n"
                  "  midi play <file.mid>           play a Standard MIDI File (/sys/sequencer)\n"
                  "  midi stop                      stop it (Note Off for every sounding note)\n");
}

/* Send to the MIDI actor and wait for its reply. */
static shell_result_t midi_request(shell_t *sh, msg_type_t type, const void *p, size_t len,
                                   bool complain)
{
    actor_id_t midi = actor_lookup(sh->rt, MIDI_PATH);
    if (midi == ACTOR_ID_INVALID && complain) {
        sh_printf(sh, "MIDI actor not found\n");
        return SHELL_DONE;
    }
    if (midi != ACTOR_ID_INVALID)
        (void)actor_send(sh->rt, midi, type, p, len);
    return sh_wait_reply(sh, midi, MIDI_WAIT_MS, &k_wait);
}

static shell_result_t short_msg(shell_t *sh, uint8_t st, unsigned long d1, unsigned long d2,
                                bool complain)
{
    midi_send_payload_t p = {st, (uint8_t)d1, (uint8_t)d2, 0};
    return midi_request(sh, MSG_MIDI_SEND, &p, sizeof p, complain);
}

static shell_result_t do_configure(shell_t *sh, const shell_args_t *a)
{
    midi_config_payload_t c = {0, 0x48, 8, 9, 43, {0}, 400000};
    if (a->argc > 2) {
        const char *v[6] = {NULL};
        for (size_t i = 0; i < 6 && 2 + i < a->argc; i++)
            v[i] = a->argv[2 + i];
        c = (midi_config_payload_t){(uint8_t)num(v[0]), (uint8_t)num(v[1]), (uint8_t)num(v[2]),
                                    (uint8_t)num(v[3]), (uint8_t)num(v[4]), {0},
                                    (uint32_t)num(v[5])};
    }
    sh_printf(sh, "MIDI configure: I2C%u addr=0x%02X sda=%u scl=%u irq=%u freq=%u\n", c.i2c_port,
              c.i2c_addr, c.sda_pin, c.scl_pin, c.irq_pin, c.i2c_freq_hz);
    return midi_request(sh, MSG_MIDI_CONFIGURE, &c, sizeof c, true);
}

static shell_result_t do_monitor(shell_t *sh, const shell_args_t *a)
{
    actor_id_t mon = actor_lookup(sh->rt, "/sys/midi_monitor");
    if (a->argc > 2 && strcmp(a->argv[2], "off") == 0) {
        if (mon == ACTOR_ID_INVALID) {
            sh_printf(sh, "MIDI monitor not running\n");
        } else {
            actor_stop(sh->rt, mon);
            sh_printf(sh, "MIDI monitor stopped\n");
        }
        return SHELL_DONE;
    }
    if (mon != ACTOR_ID_INVALID) {
        sh_printf(sh, "MIDI monitor already running (0x%016llx)\n", (unsigned long long)mon);
        return SHELL_DONE;
    }
    mon = midi_monitor_init(sh->rt);
    if (mon == ACTOR_ID_INVALID)
        sh_printf(sh, "Failed (is MIDI actor running?)\n");
    else
        sh_printf(sh, "MIDI monitor started (0x%016llx)\n", (unsigned long long)mon);
    return SHELL_DONE;
}

static void arp_send(shell_t *sh, actor_id_t arp, msg_type_t type, uint16_t v)
{
    uint8_t p[4] = {0};
    if (type == MSG_ARP_SET_BPM)
        memcpy(p, &v, 2);
    else
        p[0] = (uint8_t)v;
    (void)actor_send(sh->rt, arp, type, p, sizeof p);
}

static shell_result_t do_arp(shell_t *sh, const shell_args_t *a)
{
    actor_id_t arp = actor_lookup(sh->rt, "/sys/arpeggiator");
    if (a->argc <= 2) {
        if (arp != ACTOR_ID_INVALID) {
            sh_printf(sh, "Arpeggiator already running (0x%016llx)\n", (unsigned long long)arp);
            return SHELL_DONE;
        }
        arp = arpeggiator_init(sh->rt);
        if (arp == ACTOR_ID_INVALID)
            sh_printf(sh, "Failed (is MIDI actor running?)\n");
        else
            sh_printf(sh, "Arpeggiator started (0x%016llx)\n", (unsigned long long)arp);
        return SHELL_DONE;
    }
    if (arp == ACTOR_ID_INVALID) {
        sh_printf(sh, "Arpeggiator not running (use 'midi arp' to start)\n");
        return SHELL_DONE;
    }
    const char *sub = a->argv[2], *arg = a->argc > 3 ? a->argv[3] : "";
    if (strcmp(sub, "on") == 0 || strcmp(sub, "off") == 0) {
        arp_send(sh, arp, MSG_ARP_ENABLE, sub[1] == 'n');
        sh_printf(sh, sub[1] == 'n' ? "Arpeggiator enabled\n" : "Arpeggiator disabled (bypass)\n");
    } else if (strcmp(sub, "bpm") == 0) {
        long bpm = strtol(arg, NULL, 10);
        arp_send(sh, arp, MSG_ARP_SET_BPM, (uint16_t)bpm);
        sh_printf(sh, "BPM \xE2\x86\x92 %ld\n", bpm);
    } else if (strcmp(sub, "pattern") == 0) {
        static const char *const names[4] = {"up", "down", "updown", "random"};
        int p = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(arg, names[i]) == 0)
                p = i;
        if (p < 0) {
            sh_printf(sh, "Patterns: up down updown random\n");
        } else {
            arp_send(sh, arp, MSG_ARP_SET_PATTERN, (uint16_t)p);
            sh_printf(sh, "Pattern \xE2\x86\x92 %s\n", names[p]);
        }
    } else if (strcmp(sub, "octaves") == 0) {
        long n = strtol(arg, NULL, 10);
        arp_send(sh, arp, MSG_ARP_SET_OCTAVES, (uint16_t)n);
        sh_printf(sh, "Octaves \xE2\x86\x92 %ld\n", n);
    } else if (strcmp(sub, "stop") == 0) {
        /* Silence the sounding note first (extension: no hanging note). */
        arp_send(sh, arp, MSG_ARP_ENABLE, 0);
        actor_stop(sh->rt, arp);
        sh_printf(sh, "Arpeggiator stopped\n");
    } else {
        sh_printf(sh, "Unknown MIDI command: arp %s (try 'midi help')\n", sub);
    }
    return SHELL_DONE;
}

static shell_result_t do_status(shell_t *sh)
{
    midi_hal_status_t s;
    if (!midi_read_status(&s)) {
        sh_printf(sh, "MIDI not configured\n");
        return SHELL_DONE;
    }
    sh_printf(sh,
              "SC16IS752 Channel A (MIDI IN):\n"
              "  RXLVL: %u bytes waiting\n"
              "  TXLVL: %u bytes free (channel B)\n"
              "  IER:   0x%02X (RHR irq %s)\n"
              "  IIR:   0x%02X (%s, source bits 0x%X)\n"
              "  LSR:   0x%02X (data ready %s, overrun %s)\n",
              s.rxlvl, s.txlvl, s.ier, (s.ier & 1) ? "enabled" : "disabled", s.iir,
              (s.iir & 1) ? "no interrupt pending" : "interrupt pending", (s.iir >> 1) & 7, s.lsr,
              (s.lsr & 1) ? "yes" : "no", (s.lsr & 2) ? "yes" : "no");
    return SHELL_DONE;
}

/* ---- midi play / midi stop (ours: the sequencer, docs/midi.md) ---------- */

static shell_result_t play_started(shell_t *sh, const message_t *msg)
{
    if (msg->type != MSG_SEQ_OK)
        return sh_error(sh, "sequencer did not start playing (reply type %u)", msg->type);
    sh_printf(sh, "Playing (stop with 'midi stop')\n");
    return SHELL_DONE;
}

static shell_reply_handler_t k_play_wait = {play_started, NULL};

/* The file is loaded: start playing from tick 0. */
static shell_result_t play_loaded(shell_t *sh, const message_t *msg)
{
    if (msg->type == MSG_SEQ_ERROR) {
        int n = msg->payload_size > 200 ? 200 : (int)msg->payload_size;
        return sh_error(sh, "%.*s", n, (const char *)msg->payload);
    }
    if (msg->type != MSG_SEQ_OK)
        return sh_error(sh, "unexpected reply type %u from the sequencer", msg->type);
    (void)actor_send(sh->rt, msg->source, MSG_SEQ_PLAY, NULL, 0);
    return sh_wait_reply(sh, msg->source, MIDI_WAIT_MS, &k_play_wait);
}

static shell_reply_handler_t k_load_wait = {play_loaded, NULL};

/* Read `path` (a regular file of 1 .. MIDI_PLAY_MAX bytes) into a new
 * buffer; NULL after printing why. */
static uint8_t *read_smf(shell_t *sh, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) {
        sh_error(sh, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 1 ||
        st.st_size > (off_t)MIDI_PLAY_MAX) {
        fclose(f);
        sh_error(sh, "%s: not a regular file of 1 to %u bytes", path, MIDI_PLAY_MAX);
        return NULL;
    }
    uint8_t *buf = mk_malloc((size_t)st.st_size);
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)st.st_size) {
        mk_free(buf);
        sh_error(sh, "cannot read %s", path);
        return NULL;
    }
    *len = got;
    return buf;
}

/* `midi play FILE`: start the sequencer if needed, load the file
 * (MSG_SEQ_LOAD_SMF), then MSG_SEQ_PLAY; each step waits for its reply. */
static shell_result_t do_play(shell_t *sh, const char *path)
{
    if (!path)
        return sh_usage_error(sh, "midi play <file.mid>");
    size_t len;
    uint8_t *smf = read_smf(sh, path, &len);
    if (!smf)
        return SHELL_FAILED;
    actor_id_t seq = actor_lookup(sh->rt, SEQUENCER_PATH);
    if (seq == ACTOR_ID_INVALID)
        seq = sequencer_init(sh->rt);
    if (seq == ACTOR_ID_INVALID) {
        mk_free(smf);
        sh_printf(sh, "Failed (is MIDI actor running?)\n");
        return SHELL_FAILED;
    }
    bool sent = actor_send(sh->rt, seq, MSG_SEQ_LOAD_SMF, smf, len);
    mk_free(smf);
    if (!sent)
        return sh_error(sh, "cannot send to the sequencer: %s", mk_last_error());
    sh_printf(sh, "Loading %s (%zu bytes)\n", path, len);
    return sh_wait_reply(sh, seq, MIDI_WAIT_MS, &k_load_wait);
}

static shell_result_t stopped(shell_t *sh, const message_t *msg)
{
    if (msg->type != MSG_SEQ_OK)
        return sh_error(sh, "unexpected reply type %u from the sequencer", msg->type);
    sh_printf(sh, "Stopped\n");
    return SHELL_DONE;
}

static shell_reply_handler_t k_stop_wait = {stopped, NULL};

static shell_result_t do_stop(shell_t *sh)
{
    actor_id_t seq = actor_lookup(sh->rt, SEQUENCER_PATH);
    if (seq == ACTOR_ID_INVALID) {
        sh_printf(sh, "Sequencer not running\n");
        return SHELL_DONE;
    }
    if (!actor_send(sh->rt, seq, MSG_SEQ_STOP, NULL, 0))
        return sh_error(sh, "cannot send to the sequencer: %s", mk_last_error());
    return sh_wait_reply(sh, seq, MIDI_WAIT_MS, &k_stop_wait);
}

shell_result_t cmd_midi(shell_t *sh, const shell_args_t *a, const char *line, size_t len)
{
    (void)line, (void)len;
    const char *sub = a->argc > 1 ? a->argv[1] : "help";
    const char *x = a->argc > 2 ? a->argv[2] : NULL, *y = a->argc > 3 ? a->argv[3] : NULL,
               *z = a->argc > 4 ? a->argv[4] : NULL;
    if (strcmp(sub, "help") == 0) {
        usage(sh);
        return SHELL_DONE;
    }
    if (strcmp(sub, "configure") == 0 || strcmp(sub, "config") == 0)
        return do_configure(sh, a);
    if (strcmp(sub, "send") == 0) {
        if (!x || !y)
            return sh_usage_error(sh, "midi send <status> <d1> [d2]");
        return short_msg(sh, (uint8_t)num(x), num(y), num(z), true);
    }
    if (strcmp(sub, "note") == 0) {
        if (!x || !y)
            return sh_usage_error(sh, "midi note <ch> <note> [vel]");
        unsigned long ch = num(x) & 0x0F, note = num(y) & 0x7F, vel = z ? num(z) & 0x7F : 127;
        sh_printf(sh, "Note %s%d ch=%lu vel=%lu\n", k_note[note % 12], (int)(note / 12) - 1, ch,
                  vel);
        return short_msg(sh, (uint8_t)(0x90 | ch), note, vel, true);
    }
    if (strcmp(sub, "cc") == 0) {
        if (!x || !y || !z)
            return sh_usage_error(sh, "midi cc <ch> <cc#> <val>");
        return short_msg(sh, (uint8_t)(0xB0 | (num(x) & 0x0F)), num(y) & 0x7F, num(z) & 0x7F,
                         false);
    }
    if (strcmp(sub, "pc") == 0) {
        if (!x || !y)
            return sh_usage_error(sh, "midi pc <ch> <program>");
        return short_msg(sh, (uint8_t)(0xC0 | (num(x) & 0x0F)), num(y) & 0x7F, 0, false);
    }
    if (strcmp(sub, "monitor") == 0 || strcmp(sub, "mon") == 0)
        return do_monitor(sh, a);
    if (strcmp(sub, "arp") == 0)
        return do_arp(sh, a);
    if (strcmp(sub, "status") == 0)
        return do_status(sh);
    if (strcmp(sub, "play") == 0)
        return do_play(sh, x);
    if (strcmp(sub, "stop") == 0)
        return do_stop(sh);
    sh_printf(sh, "Unknown MIDI command: %s (try 'midi help')\n", sub);
    return SHELL_DONE;
}
