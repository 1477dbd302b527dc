/* WAST script reader (issue 20 §4): turns a spec test script into the
 * command list of wast.h, the same commands wabt's wast2json writes. The
 * script is lexed by wat_lex.c's lexer (wat_lex), its constants read by its
 * number parsers (wat_const), and every text module is translated by
 * wat_to_wasm. Pure (buf,len) in; bounded by WAST_MAX_TEXT/COMMANDS/VALUES
 * and WAT_MAX_DEPTH; no recursion. Grammar: the spec's interpreter README,
 * "Scripts" (module, register, invoke, get, assert_*). */
#include "core/alloc_internal.h"
#include "wast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microkernel/wat.h"
#include "wat_internal.h"

typedef struct {
    const char *text;
    tok_t *t;
    size_t nt, pos;
    char *err;
    size_t err_cap;
    bool failed;
    wast_script_t *out;
    size_t cap;
} W;

static bool wfail(W *w, const tok_t *t, const char *fmt, ...)
{
    if (w->failed)
        return false;
    w->failed = true;
    if (!w->err || !w->err_cap)
        return false;
    int k = snprintf(w->err, w->err_cap, "%u:%u: ", t ? t->line : 0, t ? t->col : 0);
    if (k < 0 || (size_t)k >= w->err_cap)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err + k, w->err_cap - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

static tok_t *cur(W *w)
{
    return &w->t[w->pos];
}

static bool is_kw(const tok_t *t, const char *kw)
{
    return t->kind == T_KW && t->n == strlen(kw) && !memcmp(t->s, kw, t->n);
}

static bool expect(W *w, int kind, const char *what)
{
    if (cur(w)->kind != kind)
        return wfail(w, cur(w), "expected %s", what);
    w->pos++;
    return true;
}

static char *dup_tok(W *w, const tok_t *t)
{
    char *s = mk_malloc(t->n + 1);
    if (!s)
        return wfail(w, NULL, "out of memory"), NULL;
    memcpy(s, t->s, t->n);
    s[t->n] = 0;
    return s;
}

/* Index of the ')' closing the '(' at w->pos (the T_EOF index if none). */
static size_t matching(const W *w, size_t at)
{
    unsigned d = 0;
    for (size_t i = at; i < w->nt; i++) {
        if (w->t[i].kind == T_LP)
            d++;
        else if (w->t[i].kind == T_RP && --d == 0)
            return i;
        else if (w->t[i].kind == T_EOF)
            return i;
    }
    return w->nt - 1;
}

/* Concatenate the strings at w->pos up to ')' into *out (*n bytes). */
static bool strings(W *w, unsigned char **out, size_t *n)
{
    size_t total = 0;
    for (size_t i = w->pos; w->t[i].kind == T_STR; i++) {
        if (w->t[i].str_n > WAST_MAX_TEXT - total)
            return wfail(w, &w->t[i], "module longer than %u bytes", WAST_MAX_TEXT);
        total += w->t[i].str_n;
    }
    unsigned char *b = mk_malloc(total ? total : 1);
    if (!b)
        return wfail(w, NULL, "out of memory");
    size_t k = 0;
    while (cur(w)->kind == T_STR) {
        if (cur(w)->str_n)
            memcpy(b + k, cur(w)->str, cur(w)->str_n);
        k += cur(w)->str_n;
        w->pos++;
    }
    *out = b;
    *n = total;
    return true;
}

/* (module $id? ...) at w->pos; name only for a MODULE command. */
static bool module(W *w, wast_cmd_t *c, bool named)
{
    size_t at = w->pos;
    if (cur(w)->kind != T_LP || !is_kw(&w->t[at + 1], "module"))
        return wfail(w, cur(w), "expected (module ...)");
    w->pos += 2;
    if (cur(w)->kind == T_ID) {
        if (named && !(c->name = dup_tok(w, cur(w))))
            return false;
        w->pos++;
    }
    if (is_kw(cur(w), "binary") || is_kw(cur(w), "quote")) {
        c->module_text = is_kw(cur(w), "quote");
        w->pos++;
        if (!strings(w, &c->module, &c->module_len))
            return false;
        return expect(w, T_RP, "')' or a string");
    }
    size_t end = matching(w, at);
    if (w->t[end].kind != T_RP)
        return wfail(w, &w->t[end], "missing ')'");
    const char *s = w->t[at].s;
    size_t len = (size_t)(w->t[end].s + 1 - s);
    char werr[256];
    if (!wat_to_wasm(s, len, &c->module, &c->module_len, werr, sizeof werr)) {
        /* kept as text: the runner reports the parser's verdict on it */
        c->module = mk_malloc(len ? len : 1);
        if (!c->module)
            return wfail(w, NULL, "out of memory");
        memcpy(c->module, s, len);
        c->module_len = len;
        c->module_text = true;
    }
    w->pos = end + 1;
    return true;
}

/* One value: (i32.const n) ... (ref.null func) (ref.extern n) (ref.func). */
static bool value(W *w, wast_value_t *v, bool result)
{
    memset(v, 0, sizeof *v);
    tok_t *lp = cur(w);
    if (!expect(w, T_LP, "'(' of a value"))
        return false;
    tok_t *k = cur(w);
    static const struct {
        const char *kw, *type;
        unsigned char vt;
    } nums[] = {{"i32.const", "i32", 0x7F},
                {"i64.const", "i64", 0x7E},
                {"f32.const", "f32", 0x7D},
                {"f64.const", "f64", 0x7C}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (!is_kw(k, nums[i].kw))
            continue;
        w->pos++;
        v->type = nums[i].type;
        tok_t *n = cur(w);
        if (result && nums[i].vt <= 0x7D &&
            (is_kw(n, "nan:canonical") || is_kw(n, "nan:arithmetic"))) {
            v->nan = is_kw(n, "nan:canonical") ? WAST_NAN_CANONICAL : WAST_NAN_ARITHMETIC;
        } else if (!wat_const(n, nums[i].vt, &v->bits, w->err, w->err_cap)) {
            w->failed = true;
            return false;
        }
        w->pos++;
        return expect(w, T_RP, "')'");
    }
    if (is_kw(k, "ref.null")) {
        w->pos++;
        if (is_kw(cur(w), "func"))
            v->type = "funcref";
        else if (is_kw(cur(w), "extern"))
            v->type = "externref";
        else
            return wfail(w, cur(w), "expected func or extern");
        v->null = true;
        w->pos++;
        return expect(w, T_RP, "')'");
    }
    if (is_kw(k, "ref.extern")) {
        w->pos++;
        v->type = "externref";
        if (!wat_const(cur(w), 0x7F, &v->bits, w->err, w->err_cap)) {
            w->failed = true;
            return false;
        }
        w->pos++;
        return expect(w, T_RP, "')'");
    }
    if (is_kw(k, "ref.func") && result) {
        w->pos++;
        v->type = "funcref";
        v->any = true;
        return expect(w, T_RP, "')'");
    }
    return wfail(w, lp, "expected a constant value");
}

static bool values(W *w, wast_value_t **out, size_t *n, bool result)
{
    size_t want = 0; /* the values ahead, to allocate just those */
    for (size_t i = w->pos; i < w->nt && w->t[i].kind == T_LP && want <= WAST_MAX_VALUES;
         i = matching(w, i) + 1)
        want++;
    if (want > WAST_MAX_VALUES)
        want = WAST_MAX_VALUES;
    *out = mk_calloc(want ? want : 1, sizeof **out);
    if (!*out)
        return wfail(w, NULL, "out of memory");
    while (cur(w)->kind == T_LP) {
        if (*n >= WAST_MAX_VALUES)
            return wfail(w, cur(w), "more than %u values", WAST_MAX_VALUES);
        if (!value(w, &(*out)[*n], result))
            return false;
        (*n)++;
    }
    return true;
}

/* (invoke $id? "name" value*) or (get $id? "name") at w->pos. */
static bool action(W *w, wast_cmd_t *c)
{
    if (cur(w)->kind != T_LP ||
        !(is_kw(&w->t[w->pos + 1], "invoke") || is_kw(&w->t[w->pos + 1], "get")))
        return wfail(w, cur(w), "expected (invoke ...) or (get ...)");
    c->get = is_kw(&w->t[w->pos + 1], "get");
    w->pos += 2;
    if (cur(w)->kind == T_ID) {
        if (!(c->action_module = dup_tok(w, cur(w))))
            return false;
        w->pos++;
    }
    if (cur(w)->kind != T_STR)
        return wfail(w, cur(w), "expected the export name");
    c->field = mk_malloc(cur(w)->str_n + 1);
    if (!c->field)
        return wfail(w, NULL, "out of memory");
    if (cur(w)->str_n)
        memcpy(c->field, cur(w)->str, cur(w)->str_n);
    c->field[cur(w)->str_n] = 0;
    c->field_len = cur(w)->str_n;
    w->pos++;
    if (!c->get && !values(w, &c->args, &c->nargs, false))
        return false;
    return expect(w, T_RP, "')'");
}

static bool message(W *w, wast_cmd_t *c)
{
    if (cur(w)->kind != T_STR)
        return wfail(w, cur(w), "expected the failure message");
    c->text = mk_malloc(cur(w)->str_n + 1);
    if (!c->text)
        return wfail(w, NULL, "out of memory");
    if (cur(w)->str_n)
        memcpy(c->text, cur(w)->str, cur(w)->str_n);
    c->text[cur(w)->str_n] = 0;
    w->pos++;
    return true;
}

static bool command(W *w, wast_cmd_t *c)
{
    tok_t *lp = cur(w), *k = &w->t[w->pos + 1];
    c->line = lp->line;
    if (lp->kind != T_LP || k->kind != T_KW)
        return wfail(w, lp, "expected a command");
    if (is_kw(k, "module")) {
        c->kind = WAST_MODULE;
        return module(w, c, true);
    }
    if (is_kw(k, "invoke") || is_kw(k, "get")) {
        c->kind = WAST_ACTION;
        return action(w, c);
    }
    w->pos += 2;
    if (is_kw(k, "register")) {
        c->kind = WAST_REGISTER;
        if (cur(w)->kind != T_STR)
            return wfail(w, cur(w), "expected the register name");
        tok_t s = *cur(w);
        if (s.str_n && memchr(s.str, 0, s.str_n)) /* "" has no bytes (str NULL) */
            return wfail(w, &s, "NUL in a register name");
        if (!(c->as = mk_malloc(s.str_n + 1)))
            return wfail(w, NULL, "out of memory");
        if (s.str_n)
            memcpy(c->as, s.str, s.str_n);
        c->as[s.str_n] = 0;
        w->pos++;
        if (cur(w)->kind == T_ID) {
            if (!(c->name = dup_tok(w, cur(w))))
                return false;
            w->pos++;
        }
    } else if (is_kw(k, "assert_return")) {
        c->kind = WAST_ASSERT_RETURN;
        if (!action(w, c) || !values(w, &c->results, &c->nresults, true))
            return false;
    } else if (is_kw(k, "assert_trap")) {
        if (cur(w)->kind == T_LP && is_kw(&w->t[w->pos + 1], "module")) {
            c->kind = WAST_ASSERT_UNINSTANTIABLE;
            if (!module(w, c, false))
                return false;
        } else {
            c->kind = WAST_ASSERT_TRAP;
            if (!action(w, c))
                return false;
        }
        if (!message(w, c))
            return false;
    } else if (is_kw(k, "assert_exhaustion")) {
        c->kind = WAST_ASSERT_EXHAUSTION;
        if (!action(w, c) || !message(w, c))
            return false;
    } else if (is_kw(k, "assert_invalid") || is_kw(k, "assert_malformed") ||
               is_kw(k, "assert_unlinkable")) {
        c->kind = is_kw(k, "assert_invalid")     ? WAST_ASSERT_INVALID
                  : is_kw(k, "assert_malformed") ? WAST_ASSERT_MALFORMED
                                                 : WAST_ASSERT_UNLINKABLE;
        if (!module(w, c, false) || !message(w, c))
            return false;
    } else {
        return wfail(w, k, "unknown command %.*s", (int)(k->n > 64 ? 64 : k->n), k->s);
    }
    return expect(w, T_RP, "')'");
}

static void cmd_free(wast_cmd_t *c)
{
    mk_free(c->name);
    mk_free(c->as);
    mk_free(c->module);
    mk_free(c->action_module);
    mk_free(c->field);
    mk_free(c->args);
    mk_free(c->results);
    mk_free(c->text);
}

void wast_script_free(wast_script_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        cmd_free(&s->cmds[i]);
    mk_free(s->cmds);
    s->cmds = NULL;
    s->n = 0;
}

bool wast_parse(const char *text, size_t len, wast_script_t *out, char *err, size_t err_cap)
{
    W w = {.text = text, .err = err, .err_cap = err_cap, .out = out};
    if (err && err_cap)
        err[0] = 0;
    if (!out)
        return wfail(&w, NULL, "invalid argument");
    out->cmds = NULL;
    out->n = 0;
    if (!text && len)
        return wfail(&w, NULL, "invalid argument");
    if (len > WAST_MAX_TEXT)
        return wfail(&w, NULL, "script longer than %u bytes", WAST_MAX_TEXT);
    if (!wat_lex(text ? text : "", len, &w.t, &w.nt, err, err_cap))
        return false;
    bool ok = true;
    /* a script that is a bare module body ("(func) (memory 0)"): one module
     * (the spec interpreter's and wast2json's reading) */
    static const char *const fields[] = {"type",   "import", "func",  "table", "memory",
                                         "global", "export", "start", "elem",  "data"};
    bool bare = false;
    for (size_t i = 0; w.nt > 1 && i < sizeof fields / sizeof fields[0]; i++)
        bare |= w.t[0].kind == T_LP && is_kw(&w.t[1], fields[i]);
    if (bare) {
        out->cmds = mk_calloc(1, sizeof *out->cmds);
        if (!out->cmds)
            ok = wfail(&w, NULL, "out of memory");
        else {
            out->n = 1;
            out->cmds[0].kind = WAST_MODULE;
            out->cmds[0].line = w.t[0].line;
            char werr[256];
            if (!wat_to_wasm(text, len, &out->cmds[0].module, &out->cmds[0].module_len, werr,
                             sizeof werr)) {
                ok = wfail(&w, NULL, "%s", werr); /* werr holds line:column */
                if (err && err_cap)
                    snprintf(err, err_cap, "%s", werr);
            }
        }
        w.pos = w.nt - 1;
    }
    while (ok && cur(&w)->kind != T_EOF) {
        if (out->n >= WAST_MAX_COMMANDS) {
            ok = wfail(&w, cur(&w), "more than %u commands", WAST_MAX_COMMANDS);
            break;
        }
        if (out->n == w.cap) {
            size_t c = w.cap ? w.cap * 2 : 64;
            wast_cmd_t *q = mk_realloc(out->cmds, c * sizeof *q);
            if (!q) {
                ok = wfail(&w, NULL, "out of memory");
                break;
            }
            out->cmds = q;
            w.cap = c;
        }
        wast_cmd_t *c = &out->cmds[out->n++];
        memset(c, 0, sizeof *c);
        if (!command(&w, c)) {
            ok = false;
            break;
        }
    }
    wat_tokens_free(w.t, w.nt);
    if (!ok)
        wast_script_free(out);
    return ok;
}
