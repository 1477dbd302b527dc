/*
 * midi_alsa.c -- the ALSA sequencer backend of the MIDI actor (Linux, USB
 * MIDI devices and software synths): built only when pkg-config finds alsa
 * (Debian libasound2-dev, MK_HAVE_ALSA); otherwise midi_alsa_backend()
 * returns NULL and `--midi alsa:...` is refused with a reason.
 */
#include "hw/midi/midi_backend.h"

#ifndef MK_HAVE_ALSA

const midi_backend_t *midi_alsa_backend(const char *target)
{
    (void)target;
    return NULL;
}

#endif
