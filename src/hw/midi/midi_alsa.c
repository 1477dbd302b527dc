/*
 * midi_alsa.c -- the ALSA sequencer backend of the MIDI actor (Linux, USB
 * MIDI devices and software synths): one duplex port "microkernel:midi",
 * connected both ways to the "<client>:<port>" given to --midi alsa:...;
 * bytes are converted to and from sequencer events with snd_midi_event.
 * Built only when pkg-config finds alsa (Debian libasound2-dev,
 * MK_HAVE_ALSA); otherwise midi_alsa_backend() returns NULL. Never blocks:
 * the sequencer handle is non-blocking and watched through its poll fd.
 */
#include "hw/midi/midi_backend.h"

#ifndef MK_HAVE_ALSA

const midi_backend_t *midi_alsa_backend(const char *target)
{
    (void)target;
    return NULL;
}

#else

#include <alsa/asoundlib.h>
#include <poll.h>
#include <string.h>

#define ALSA_PENDING 1024 /* decoded bytes waiting for the next drain */

typedef struct {
    const char *target; /* "<client>:<port>" */
    snd_seq_t *seq;
    snd_midi_event_t *enc, *dec;
    int port;
    uint8_t pending[ALSA_PENDING];
    size_t npending;
} alsa_t;

static alsa_t g_alsa;

static void a_deconfigure(void *ctx)
{
    alsa_t *a = ctx;
    if (a->enc)
        snd_midi_event_free(a->enc);
    if (a->dec)
        snd_midi_event_free(a->dec);
    if (a->seq)
        snd_seq_close(a->seq);
    a->enc = a->dec = NULL;
    a->seq = NULL;
    a->npending = 0;
}

static bool a_configure(void *ctx, const midi_config_payload_t *cfg)
{
    alsa_t *a = ctx;
    (void)cfg; /* I2C wiring does not apply */
    a_deconfigure(a);
    snd_seq_addr_t peer;
    if (snd_seq_open(&a->seq, "default", SND_SEQ_OPEN_DUPLEX, SND_SEQ_NONBLOCK) < 0) {
        a->seq = NULL;
        return false;
    }
    (void)snd_seq_set_client_name(a->seq, "microkernel");
    a->port =
        snd_seq_create_simple_port(a->seq, "midi",
                                   SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_WRITE |
                                       SND_SEQ_PORT_CAP_SUBS_READ | SND_SEQ_PORT_CAP_SUBS_WRITE,
                                   SND_SEQ_PORT_TYPE_MIDI_GENERIC | SND_SEQ_PORT_TYPE_APPLICATION);
    if (a->port < 0 || snd_seq_parse_address(a->seq, &peer, a->target) < 0 ||
        snd_seq_connect_to(a->seq, a->port, peer.client, peer.port) < 0 ||
        snd_seq_connect_from(a->seq, a->port, peer.client, peer.port) < 0 ||
        snd_midi_event_new(256, &a->enc) < 0 || snd_midi_event_new(256, &a->dec) < 0) {
        a_deconfigure(a);
        return false;
    }
    snd_midi_event_no_status(a->dec, 1); /* full status bytes: the parser sees plain MIDI */
    return true;
}

static int a_notify_fd(void *ctx)
{
    alsa_t *a = ctx;
    struct pollfd pfd;
    if (!a->seq || snd_seq_poll_descriptors(a->seq, &pfd, 1, POLLIN) != 1)
        return -1;
    return pfd.fd;
}

static int a_drain_rx(void *ctx, uint8_t *buf, int max)
{
    alsa_t *a = ctx;
    if (!a->seq)
        return -1;
    snd_seq_event_t *ev;
    while (a->npending + 256 <= ALSA_PENDING && snd_seq_event_input(a->seq, &ev) >= 0) {
        long n = snd_midi_event_decode(a->dec, a->pending + a->npending,
                                       (long)(ALSA_PENDING - a->npending), ev);
        if (n > 0)
            a->npending += (size_t)n;
    }
    size_t n = a->npending < (size_t)max ? a->npending : (size_t)max;
    memcpy(buf, a->pending, n);
    memmove(a->pending, a->pending + n, a->npending - n);
    a->npending -= n;
    return (int)n;
}

static int a_tx(void *ctx, const uint8_t *data, size_t len)
{
    alsa_t *a = ctx;
    if (!a->seq)
        return -1;
    snd_midi_event_reset_encode(a->enc);
    for (size_t i = 0; i < len; i++) {
        snd_seq_event_t ev;
        snd_seq_ev_clear(&ev);
        if (snd_midi_event_encode_byte(a->enc, data[i], &ev) != 1)
            continue;
        snd_seq_ev_set_source(&ev, a->port);
        snd_seq_ev_set_subs(&ev);
        snd_seq_ev_set_direct(&ev);
        if (snd_seq_event_output_direct(a->seq, &ev) < 0)
            return -1;
    }
    return 0;
}

static bool a_read_status(void *ctx, midi_hal_status_t *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    return false; /* no UART registers behind a sequencer port */
}

static const midi_backend_t g_backend = {
    .name = "alsa",
    .ctx = &g_alsa,
    .configure = a_configure,
    .deconfigure = a_deconfigure,
    .notify_fd = a_notify_fd,
    .drain_rx = a_drain_rx,
    .tx = a_tx,
    .read_status = a_read_status,
};

const midi_backend_t *midi_alsa_backend(const char *target)
{
    if (!g_alsa.seq)
        g_alsa.target = target;
    return &g_backend;
}

#endif
