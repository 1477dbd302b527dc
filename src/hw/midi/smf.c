/*
 * smf.c -- Standard MIDI File reader and writer (SMF 1.0): smf_parse
 * walks MThd and every MTrk with a bounded cursor, keeping channel events
 * and every Set Tempo (the tempo map); smf_write_map emits a type-0 file
 * with the events and the tempo map merged in tick order. Pure: no I/O, no
 * allocation, fuzzed alone (tests/fuzz/fuzz_midi_smf.c).
 */
#include "hw/midi/smf.h"

#include <string.h>

#include "hw/midi/midi_parser.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read a variable-length quantity at *pos (< end). */
static smf_err_t vlq(const uint8_t *b, size_t *pos, size_t end, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (*pos >= end)
            return SMF_ERR_TRUNCATED;
        uint8_t c = b[(*pos)++];
        v = (v << 7) | (c & 0x7F);
        if (!(c & 0x80)) {
            *out = v;
            return SMF_OK;
        }
    }
    return SMF_ERR_BAD_VLQ;
}

static smf_err_t track(const uint8_t *b, size_t pos, size_t end, uint8_t ti, smf_t *out)
{
    uint32_t tick = 0;
    uint8_t running = 0;
    while (pos < end) {
        uint32_t delta;
        smf_err_t e = vlq(b, &pos, end, &delta);
        if (e)
            return e;
        tick += delta;
        if (tick > SMF_MAX_TICK)
            return SMF_ERR_TOO_LONG;
        if (pos >= end)
            return SMF_ERR_TRUNCATED;
        uint8_t st = b[pos];
        if (st == 0xFF) { /* meta: type, length, data */
            if (pos + 2 > end)
                return SMF_ERR_TRUNCATED;
            uint8_t type = b[pos + 1];
            pos += 2;
            uint32_t len;
            if ((e = vlq(b, &pos, end, &len)))
                return e;
            if (len > end - pos)
                return SMF_ERR_TRUNCATED;
            if (type == 0x51 && len == 3) {
                uint32_t us = (uint32_t)b[pos] << 16 | (uint32_t)b[pos + 1] << 8 | b[pos + 2];
                if (us == 0)
                    return SMF_ERR_BAD_TEMPO;
                if (out->ntempos >= SMF_MAX_TEMPOS)
                    return SMF_ERR_TOO_MANY_TEMPOS;
                out->tempos[out->ntempos++] = (smf_tempo_t){tick, us};
            }
            pos += len;
            if (type == 0x2F) {
                out->end_tick[ti] = tick;
                return SMF_OK;
            }
            continue;
        }
        if (st == 0xF0 || st == 0xF7) { /* SysEx: length, data (skipped) */
            pos++;
            uint32_t len;
            if ((e = vlq(b, &pos, end, &len)))
                return e;
            if (len > end - pos)
                return SMF_ERR_TRUNCATED;
            pos += len;
            running = 0;
            continue;
        }
        if (st >= 0xF0)
            return SMF_ERR_BAD_STATUS;
        if (st & 0x80) {
            running = st;
            pos++;
        } else if (!running) {
            return SMF_ERR_NO_STATUS;
        }
        int n = midi_message_length(running) - 1;
        if (pos + (size_t)n > end)
            return SMF_ERR_TRUNCATED;
        if (out->nevents >= SMF_MAX_EVENTS)
            return SMF_ERR_TOO_MANY_EVENTS;
        smf_event_t *ev = &out->events[out->nevents++];
        ev->tick = tick;
        ev->track = ti;
        ev->status = running;
        ev->data1 = b[pos] & 0x7F;
        ev->data2 = n == 2 ? b[pos + 1] & 0x7F : 0;
        pos += (size_t)n;
    }
    out->end_tick[ti] = tick; /* no End of Track: the chunk's end */
    return SMF_OK;
}

smf_err_t smf_parse(const uint8_t *b, size_t len, smf_t *out)
{
    memset(out, 0, offsetof(smf_t, events));
    if (len < 14 || memcmp(b, "MThd", 4) != 0 || be32(b + 4) < 6)
        return SMF_ERR_NOT_SMF;
    uint32_t hlen = be32(b + 4);
    if (hlen > len - 8)
        return SMF_ERR_TRUNCATED;
    out->format = be16(b + 8);
    uint16_t declared = be16(b + 10);
    out->division = be16(b + 12);
    if (out->format > 1 || (out->format == 0 && declared > 1))
        return SMF_ERR_FORMAT;
    if (out->division == 0 || (out->division & 0x8000))
        return SMF_ERR_DIVISION;
    size_t pos = 8 + hlen;
    while (pos + 8 <= len) {
        uint32_t clen = be32(b + pos + 4);
        if (clen > len - pos - 8)
            return SMF_ERR_TRUNCATED;
        if (memcmp(b + pos, "MTrk", 4) == 0) {
            if (out->ntracks >= SMF_MAX_TRACKS)
                return SMF_ERR_TOO_MANY_TRACKS;
            smf_err_t e = track(b, pos + 8, pos + 8 + clen, (uint8_t)out->ntracks, out);
            if (e)
                return e;
            out->ntracks++;
        }
        pos += 8 + clen; /* unknown chunks are skipped, as the spec asks */
    }
    if (pos != len)
        return SMF_ERR_TRUNCATED;
    /* Tracks were read one after another: merge their tempos by tick
     * (insertion sort, stable: equal ticks keep file order). */
    for (size_t i = 1; i < out->ntempos; i++)
        for (size_t j = i; j > 0 && out->tempos[j - 1].tick > out->tempos[j].tick; j--) {
            smf_tempo_t t = out->tempos[j];
            out->tempos[j] = out->tempos[j - 1];
            out->tempos[j - 1] = t;
        }
    out->tempo_us = SMF_DEFAULT_TEMPO_US;
    for (size_t i = 0; i < out->ntempos && out->tempos[i].tick == 0; i++)
        out->tempo_us = out->tempos[i].us;
    return SMF_OK;
}

const char *smf_strerror(smf_err_t e)
{
    switch (e) {
    case SMF_OK: return "ok";
    case SMF_ERR_NOT_SMF: return "not a Standard MIDI File (no MThd header)";
    case SMF_ERR_FORMAT: return "unsupported SMF format (only 0 and 1)";
    case SMF_ERR_DIVISION: return "unsupported time division (SMPTE or zero)";
    case SMF_ERR_TRUNCATED: return "truncated chunk or event";
    case SMF_ERR_BAD_VLQ: return "variable-length quantity longer than 4 bytes";
    case SMF_ERR_NO_STATUS: return "data byte without running status";
    case SMF_ERR_TOO_MANY_TRACKS: return "more than 16 tracks";
    case SMF_ERR_TOO_MANY_EVENTS: return "more than 4096 events";
    case SMF_ERR_BAD_STATUS: return "undefined status byte in a track";
    case SMF_ERR_TOO_LONG: return "track longer than 2^28 ticks";
    case SMF_ERR_TOO_MANY_TEMPOS: return "more than 256 tempo changes";
    case SMF_ERR_BAD_TEMPO: return "tempo of 0 microseconds per quarter";
    }
    return "unknown error";
}

static size_t put_vlq(uint8_t *p, uint32_t v)
{
    uint8_t tmp[5];
    size_t n = 0;
    tmp[n++] = v & 0x7F;
    while ((v >>= 7) != 0)
        tmp[n++] = (uint8_t)(0x80 | (v & 0x7F));
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

size_t smf_write_size(size_t n, size_t nt)
{
    /* header 14 + track header 8 + EOT 4; 7 per tempo (4-byte delta + FF 51
     * 03 + 3 bytes: 10 worst case), 8 per event (4-byte delta + 3 bytes). */
    return 26 + 10 * (nt ? nt : 1) + 8 * n;
}

size_t smf_write_map(const smf_event_t *ev, size_t n, const smf_tempo_t *tempos, size_t nt,
                     uint16_t ppqn, uint8_t *buf, size_t cap)
{
    static const smf_tempo_t dflt = {0, SMF_DEFAULT_TEMPO_US};
    if (nt == 0) {
        tempos = &dflt;
        nt = 1;
    }
    if (cap < smf_write_size(n, nt))
        return 0;
    for (size_t i = 0; i < nt; i++)
        if (tempos[i].us == 0 || tempos[i].us > 0xFFFFFFu)
            return 0;
    static const uint8_t head[14] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 0};
    memcpy(buf, head, sizeof head);
    buf[12] = (uint8_t)(ppqn >> 8);
    buf[13] = (uint8_t)ppqn;
    memcpy(buf + 14, "MTrk", 4);
    size_t p = 22;
    uint32_t last = 0;
    size_t i = 0, k = 0;
    while (i < n || k < nt) {
        /* A tempo goes before the events of its tick. */
        bool tempo = k < nt && (i == n || tempos[k].tick <= ev[i].tick);
        uint32_t tick = tempo ? tempos[k].tick : ev[i].tick;
        uint32_t t = tick < last ? last : tick;
        p += put_vlq(buf + p, t - last);
        last = t;
        if (tempo) {
            uint32_t us = tempos[k++].us;
            const uint8_t meta[6] = {
                0xFF, 0x51, 0x03, (uint8_t)(us >> 16), (uint8_t)(us >> 8), (uint8_t)us};
            memcpy(buf + p, meta, sizeof meta);
            p += sizeof meta;
        } else {
            buf[p++] = ev[i].status;
            buf[p++] = ev[i].data1 & 0x7F;
            if (midi_message_length(ev[i].status) == 3)
                buf[p++] = ev[i].data2 & 0x7F;
            i++;
        }
    }
    const uint8_t eot[4] = {0x00, 0xFF, 0x2F, 0x00};
    memcpy(buf + p, eot, 4);
    p += 4;
    uint32_t tlen = (uint32_t)(p - 22);
    buf[18] = (uint8_t)(tlen >> 24);
    buf[19] = (uint8_t)(tlen >> 16);
    buf[20] = (uint8_t)(tlen >> 8);
    buf[21] = (uint8_t)tlen;
    return p;
}

size_t smf_write(const smf_event_t *ev, size_t n, uint16_t ppqn, uint32_t tempo_us, uint8_t *buf,
                 size_t cap)
{
    const smf_tempo_t t = {0, tempo_us};
    return smf_write_map(ev, n, &t, 1, ppqn, buf, cap);
}
