/* WAT instructions (issue 20, goal 4; spec 6.5): the opcode table, block
 * heads (label, block type), memory arguments, each instruction's
 * immediates, and instructions in plain and folded form, encoded into the
 * current function's code buffer (spec 5.4). The only recursion (folded
 * instructions) is bounded by WAT_MAX_DEPTH. */
#include "core/alloc_internal.h"
#include "wat_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- instructions ---- */
enum {
    I_NONE,
    I_BLOCK,
    I_LOCAL,
    I_GLOBAL,
    I_FUNC,
    I_LABEL,
    I_BRTABLE,
    I_CALLIND,
    I_MEM,
    I_I32,
    I_I64,
    I_F32,
    I_F64,
    I_MEM0,  /* memory.size/grow: one 0x00 byte */
    I_DATA,  /* data.drop */
    I_MINIT, /* memory.init x, 0x00 */
    I_MCOPY, /* 0x00 0x00 */
    I_REFNULL,
    I_TABLE, /* table.get/set/size/grow/fill */
    I_TINIT, /* table.init elem table */
    I_ELEM,  /* elem.drop */
    I_TCOPY,
    I_SELECTT,
};

typedef struct {
    const char *name;
    unsigned short op; /* 0xFCxx for prefixed */
    unsigned char imm, align;
} op_t;

static const op_t ops[] = {
    {"unreachable", 0x00, I_NONE, 0},
    {"nop", 0x01, I_NONE, 0},
    {"block", 0x02, I_BLOCK, 0},
    {"loop", 0x03, I_BLOCK, 0},
    {"if", 0x04, I_BLOCK, 0},
    {"br", 0x0c, I_LABEL, 0},
    {"br_if", 0x0d, I_LABEL, 0},
    {"br_table", 0x0e, I_BRTABLE, 0},
    {"return", 0x0f, I_NONE, 0},
    {"call", 0x10, I_FUNC, 0},
    {"call_indirect", 0x11, I_CALLIND, 0},
    {"drop", 0x1a, I_NONE, 0},
    {"select", 0x1b, I_SELECTT, 0},
    {"local.get", 0x20, I_LOCAL, 0},
    {"local.set", 0x21, I_LOCAL, 0},
    {"local.tee", 0x22, I_LOCAL, 0},
    {"global.get", 0x23, I_GLOBAL, 0},
    {"global.set", 0x24, I_GLOBAL, 0},
    {"table.get", 0x25, I_TABLE, 0},
    {"table.set", 0x26, I_TABLE, 0},
    {"i32.load", 0x28, I_MEM, 2},
    {"i64.load", 0x29, I_MEM, 3},
    {"f32.load", 0x2a, I_MEM, 2},
    {"f64.load", 0x2b, I_MEM, 3},
    {"i32.load8_s", 0x2c, I_MEM, 0},
    {"i32.load8_u", 0x2d, I_MEM, 0},
    {"i32.load16_s", 0x2e, I_MEM, 1},
    {"i32.load16_u", 0x2f, I_MEM, 1},
    {"i64.load8_s", 0x30, I_MEM, 0},
    {"i64.load8_u", 0x31, I_MEM, 0},
    {"i64.load16_s", 0x32, I_MEM, 1},
    {"i64.load16_u", 0x33, I_MEM, 1},
    {"i64.load32_s", 0x34, I_MEM, 2},
    {"i64.load32_u", 0x35, I_MEM, 2},
    {"i32.store", 0x36, I_MEM, 2},
    {"i64.store", 0x37, I_MEM, 3},
    {"f32.store", 0x38, I_MEM, 2},
    {"f64.store", 0x39, I_MEM, 3},
    {"i32.store8", 0x3a, I_MEM, 0},
    {"i32.store16", 0x3b, I_MEM, 1},
    {"i64.store8", 0x3c, I_MEM, 0},
    {"i64.store16", 0x3d, I_MEM, 1},
    {"i64.store32", 0x3e, I_MEM, 2},
    {"memory.size", 0x3f, I_MEM0, 0},
    {"memory.grow", 0x40, I_MEM0, 0},
    {"i32.const", 0x41, I_I32, 0},
    {"i64.const", 0x42, I_I64, 0},
    {"f32.const", 0x43, I_F32, 0},
    {"f64.const", 0x44, I_F64, 0},
    {"ref.null", 0xd0, I_REFNULL, 0},
    {"ref.is_null", 0xd1, I_NONE, 0},
    {"ref.func", 0xd2, I_FUNC, 0},
    {"memory.init", 0xfc08, I_MINIT, 0},
    {"data.drop", 0xfc09, I_DATA, 0},
    {"memory.copy", 0xfc0a, I_MCOPY, 0},
    {"memory.fill", 0xfc0b, I_MEM0, 0},
    {"table.init", 0xfc0c, I_TINIT, 0},
    {"elem.drop", 0xfc0d, I_ELEM, 0},
    {"table.copy", 0xfc0e, I_TCOPY, 0},
    {"table.grow", 0xfc0f, I_TABLE, 0},
    {"table.size", 0xfc10, I_TABLE, 0},
    {"table.fill", 0xfc11, I_TABLE, 0},
};

/* Numeric instructions without immediates, 0x45..0xc4 in order (spec 5.4.7). */
static const char *const numops[] = {"i32.eqz",
                                     "i32.eq",
                                     "i32.ne",
                                     "i32.lt_s",
                                     "i32.lt_u",
                                     "i32.gt_s",
                                     "i32.gt_u",
                                     "i32.le_s",
                                     "i32.le_u",
                                     "i32.ge_s",
                                     "i32.ge_u",
                                     "i64.eqz",
                                     "i64.eq",
                                     "i64.ne",
                                     "i64.lt_s",
                                     "i64.lt_u",
                                     "i64.gt_s",
                                     "i64.gt_u",
                                     "i64.le_s",
                                     "i64.le_u",
                                     "i64.ge_s",
                                     "i64.ge_u",
                                     "f32.eq",
                                     "f32.ne",
                                     "f32.lt",
                                     "f32.gt",
                                     "f32.le",
                                     "f32.ge",
                                     "f64.eq",
                                     "f64.ne",
                                     "f64.lt",
                                     "f64.gt",
                                     "f64.le",
                                     "f64.ge",
                                     "i32.clz",
                                     "i32.ctz",
                                     "i32.popcnt",
                                     "i32.add",
                                     "i32.sub",
                                     "i32.mul",
                                     "i32.div_s",
                                     "i32.div_u",
                                     "i32.rem_s",
                                     "i32.rem_u",
                                     "i32.and",
                                     "i32.or",
                                     "i32.xor",
                                     "i32.shl",
                                     "i32.shr_s",
                                     "i32.shr_u",
                                     "i32.rotl",
                                     "i32.rotr",
                                     "i64.clz",
                                     "i64.ctz",
                                     "i64.popcnt",
                                     "i64.add",
                                     "i64.sub",
                                     "i64.mul",
                                     "i64.div_s",
                                     "i64.div_u",
                                     "i64.rem_s",
                                     "i64.rem_u",
                                     "i64.and",
                                     "i64.or",
                                     "i64.xor",
                                     "i64.shl",
                                     "i64.shr_s",
                                     "i64.shr_u",
                                     "i64.rotl",
                                     "i64.rotr",
                                     "f32.abs",
                                     "f32.neg",
                                     "f32.ceil",
                                     "f32.floor",
                                     "f32.trunc",
                                     "f32.nearest",
                                     "f32.sqrt",
                                     "f32.add",
                                     "f32.sub",
                                     "f32.mul",
                                     "f32.div",
                                     "f32.min",
                                     "f32.max",
                                     "f32.copysign",
                                     "f64.abs",
                                     "f64.neg",
                                     "f64.ceil",
                                     "f64.floor",
                                     "f64.trunc",
                                     "f64.nearest",
                                     "f64.sqrt",
                                     "f64.add",
                                     "f64.sub",
                                     "f64.mul",
                                     "f64.div",
                                     "f64.min",
                                     "f64.max",
                                     "f64.copysign",
                                     "i32.wrap_i64",
                                     "i32.trunc_f32_s",
                                     "i32.trunc_f32_u",
                                     "i32.trunc_f64_s",
                                     "i32.trunc_f64_u",
                                     "i64.extend_i32_s",
                                     "i64.extend_i32_u",
                                     "i64.trunc_f32_s",
                                     "i64.trunc_f32_u",
                                     "i64.trunc_f64_s",
                                     "i64.trunc_f64_u",
                                     "f32.convert_i32_s",
                                     "f32.convert_i32_u",
                                     "f32.convert_i64_s",
                                     "f32.convert_i64_u",
                                     "f32.demote_f64",
                                     "f64.convert_i32_s",
                                     "f64.convert_i32_u",
                                     "f64.convert_i64_s",
                                     "f64.convert_i64_u",
                                     "f64.promote_f32",
                                     "i32.reinterpret_f32",
                                     "i64.reinterpret_f64",
                                     "f32.reinterpret_i32",
                                     "f64.reinterpret_i64",
                                     "i32.extend8_s",
                                     "i32.extend16_s",
                                     "i64.extend8_s",
                                     "i64.extend16_s",
                                     "i64.extend32_s"};

static const char *const satops[] = {
    "i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u"};

static bool find_op(const tok_t *t, op_t *o)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (is_kw(t, ops[i].name))
            return *o = ops[i], true;
    for (size_t i = 0; i < sizeof numops / sizeof numops[0]; i++)
        if (is_kw(t, numops[i]))
            return *o = (op_t){numops[i], (unsigned short)(0x45 + i), I_NONE, 0}, true;
    for (size_t i = 0; i < sizeof satops / sizeof satops[0]; i++)
        if (is_kw(t, satops[i]))
            return *o = (op_t){satops[i], (unsigned short)(0xfc00 + i), I_NONE, 0}, true;
    return false;
}

static void emit_op(buf_t *b, unsigned op)
{
    if (op >= 0xfc00) {
        wat_byte(b, 0xfc);
        wat_uleb(b, op & 0xff);
    } else
        wat_byte(b, op);
}

static bool is_index_tok(const tok_t *t)
{
    return t->kind == T_ID || (t->kind == T_KW && t->s[0] >= '0' && t->s[0] <= '9');
}

/* label? blocktype for block/loop/if. */
static bool block_head(P *p)
{
    buf_t *b = p->code;
    const tok_t *id;
    wat_opt_id(p, &id);
    if (!wat_name_add(p, &p->labels, NULL))
        return false;
    if (id)
        p->labels.v[p->labels.n - 1] = (name_t){id->s, id->n};
    p->anon_params = true;
    if (peek_field(p, "type")) {
        int64_t x = wat_parse_typeuse(p, NULL, NULL);
        p->anon_params = false;
        if (x < 0)
            return false;
        wat_sleb(b, x);
        return true;
    }
    ftype_t f = {0};
    bool sig_ok = wat_parse_sig(p, &f, true, NULL);
    p->anon_params = false;
    if (!sig_ok)
        return false;
    if (!f.np && !f.nr)
        wat_byte(b, 0x40);
    else if (!f.np && f.nr == 1)
        wat_byte(b, f.results[0]);
    else {
        int x = wat_ftype_find(p, &f);
        if (x < 0)
            x = wat_ftype_add(p, &f);
        if (x < 0)
            return false;
        wat_sleb(b, x);
    }
    return true;
}

static bool end_label(P *p)
{
    const tok_t *id;
    wat_opt_id(p, &id);
    if (id) {
        name_t *l = &p->labels.v[p->labels.n - 1];
        if (l->n != id->n || memcmp(l->name, id->s, id->n))
            return wat_fail(p, id, "mismatching label %.*s", (int)id->n, id->s);
    }
    return true;
}

static bool memarg(P *p, unsigned natural)
{
    uint64_t off = 0, al = 1ull << natural;
    buf_t *b = p->code;
    for (int k = 0; k < 2; k++) {
        tok_t *t = cur(p);
        bool is_off = t->kind == T_KW && t->n > 7 && !memcmp(t->s, "offset=", 7);
        bool is_al = t->kind == T_KW && t->n > 6 && !memcmp(t->s, "align=", 6);
        if ((k == 0 && !is_off && !is_al) || (k == 1 && !is_al))
            continue;
        tok_t v = *t;
        size_t skip = is_off ? 7 : 6;
        v.s += skip;
        v.n -= skip;
        bool neg;
        uint64_t x;
        if (!wat_parse_u64(&v, &x, &neg) || neg || v.s[0] == '+' || x > UINT32_MAX)
            return wat_fail(p, t, "bad %s", is_off ? "offset" : "alignment");
        if (is_al && (x == 0 || (x & (x - 1))))
            return wat_fail(p, t, "alignment must be a power of two");
        if (is_off)
            off = x;
        else
            al = x;
        p->pos++;
    }
    unsigned lg = 0;
    while ((1ull << lg) < al)
        lg++;
    wat_uleb(b, lg);
    wat_uleb(b, off);
    return true;
}

/* One plain instruction at the cursor (keyword), immediates included. For
 * block/loop/if the body is parsed by the caller (plain) or by folded. */
static bool instr_imm(P *p, const op_t *o)
{
    buf_t *b = p->code;
    uint32_t x;
    int64_t v;
    uint64_t f;
    switch (o->imm) {
    case I_NONE: return true;
    case I_BLOCK: return block_head(p);
    case I_LOCAL:
        if (!wat_parse_idx(p, &p->locals, &x, false))
            return false;
        return wat_uleb(b, x), true;
    case I_GLOBAL:
        if (!wat_parse_idx(p, &p->globals, &x, false))
            return false;
        return wat_uleb(b, x), true;
    case I_FUNC:
        if (!wat_parse_idx(p, &p->funcs, &x, false))
            return false;
        return wat_uleb(b, x), true;
    case I_DATA:
        if (!wat_parse_idx(p, &p->datas, &x, false))
            return false;
        return wat_uleb(b, x), true;
    case I_ELEM:
        if (!wat_parse_idx(p, &p->elems, &x, false))
            return false;
        return wat_uleb(b, x), true;
    case I_MINIT:
        if (!wat_parse_idx(p, &p->datas, &x, false))
            return false;
        wat_uleb(b, x);
        return wat_byte(b, 0), true;
    case I_LABEL:
        if (!wat_parse_idx(p, &p->labels, &x, true))
            return false;
        return wat_uleb(b, x), true;
    case I_BRTABLE: {
        buf_t tmp = {0};
        uint32_t n = 0;
        while (cur(p)->kind == T_ID || cur(p)->kind == T_KW) {
            tok_t *t = cur(p);
            bool neg;
            uint64_t u;
            if (t->kind == T_KW && !wat_parse_u64(t, &u, &neg))
                break;
            if (!wat_parse_idx(p, &p->labels, &x, true))
                return mk_free(tmp.p), false;
            wat_uleb(&tmp, x);
            n++;
        }
        if (!n)
            return mk_free(tmp.p), wat_fail(p, cur(p), "br_table needs a label");
        wat_uleb(b, n - 1);
        wat_put(b, tmp.p, tmp.n);
        mk_free(tmp.p);
        return !tmp.oom || wat_fail(p, NULL, "out of memory");
    }
    case I_CALLIND: {
        uint32_t tab = 0;
        if (is_index_tok(cur(p)))
            if (!wat_parse_idx(p, &p->tables, &tab, false))
                return false;
        p->anon_params = true;
        int64_t t = wat_parse_typeuse(p, NULL, NULL);
        p->anon_params = false;
        if (t < 0)
            return false;
        wat_uleb(b, (uint64_t)t);
        return wat_uleb(b, tab), true;
    }
    case I_TABLE:
    case I_TINIT:
    case I_TCOPY: {
        uint32_t t1 = 0, t2 = 0, e = 0;
        if (o->imm == I_TINIT) {
            if (is_index_tok(&p->t[p->pos + 1]) && !wat_parse_idx(p, &p->tables, &t1, false))
                return false;
            if (!wat_parse_idx(p, &p->elems, &e, false))
                return false;
            wat_uleb(b, e);
            return wat_uleb(b, t1), true;
        }
        if (is_index_tok(cur(p)))
            if (!wat_parse_idx(p, &p->tables, &t1, false))
                return false;
        if (o->imm == I_TCOPY && (is_index_tok(cur(p))))
            if (!wat_parse_idx(p, &p->tables, &t2, false))
                return false;
        wat_uleb(b, t1);
        if (o->imm == I_TCOPY)
            wat_uleb(b, t2);
        return true;
    }
    case I_MEM: return memarg(p, o->align);
    case I_MEM0: return wat_byte(b, 0), true;
    case I_MCOPY: return wat_byte(b, 0), wat_byte(b, 0), true;
    case I_I32:
        if (!wat_parse_int(p, 32, &v))
            return false;
        return wat_sleb(b, v), true;
    case I_I64:
        if (!wat_parse_int(p, 64, &v))
            return false;
        return wat_sleb(b, v), true;
    case I_F32: {
        if (!wat_parse_float(p, 32, &f))
            return false;
        uint32_t u = (uint32_t)f;
        unsigned char le[4] = {u, u >> 8, u >> 16, u >> 24};
        return wat_put(b, le, 4), true;
    }
    case I_F64: {
        if (!wat_parse_float(p, 64, &f))
            return false;
        unsigned char le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (unsigned char)(f >> (8 * i));
        return wat_put(b, le, 8), true;
    }
    case I_REFNULL:
        if (is_kw(cur(p), "func"))
            wat_byte(b, 0x70);
        else if (is_kw(cur(p), "extern"))
            wat_byte(b, 0x6f);
        else
            return wat_fail(p, cur(p), "expected func or extern");
        p->pos++;
        return true;
    case I_SELECTT:
        if (peek_field(p, "result")) {
            ftype_t ft = {0};
            if (!wat_parse_sig(p, &ft, false, NULL))
                return false;
            p->code->p[p->code->n - 1] = 0x1c; /* typed select */
            return wat_vecbytes(b, ft.results, ft.nr), true;
        }
        return true;
    }
    return false;
}

/* Plain instructions until a ')' or a block-ending keyword (end/else). */
bool wat_parse_instrs(P *p, unsigned depth)
{
    for (;;) {
        tok_t *t = cur(p);
        if (t->kind == T_RP || t->kind == T_EOF || is_kw(t, "end") || is_kw(t, "else"))
            return true;
        if (!wat_parse_instr(p, depth))
            return false;
    }
}

bool wat_parse_instr(P *p, unsigned depth)
{
    if (depth > WAT_MAX_DEPTH)
        return wat_fail(p, cur(p), "nested deeper than %u", WAT_MAX_DEPTH);
    tok_t *t = cur(p);
    op_t o;
    if (t->kind == T_LP) { /* folded (spec 6.5.9) */
        p->pos++;
        tok_t *k = cur(p);
        if (!find_op(k, &o))
            return wat_fail(p, k, "unknown instruction %.*s", (int)k->n, k->s);
        p->pos++;
        if (o.imm == I_BLOCK) {
            size_t nl = p->labels.n;
            buf_t *b = p->code;
            size_t at = b->n;
            emit_op(b, o.op);
            if (!block_head(p))
                return false;
            if (o.op == 0x04) {
                /* condition first: move op+blocktype after the folded condition */
                buf_t head = {0};
                wat_put(&head, b->p + at, b->n - at);
                b->n = at;
                while (cur(p)->kind == T_LP && !peek_field(p, "then"))
                    if (!wat_parse_instr(p, depth + 1))
                        return mk_free(head.p), false;
                wat_put(b, head.p, head.n);
                mk_free(head.p);
                if (!peek_field(p, "then"))
                    return wat_fail(p, cur(p), "expected (then ...)");
                p->pos += 2;
                if (!wat_parse_instrs(p, depth + 1) || !expect(p, T_RP, "')'"))
                    return false;
                if (peek_field(p, "else")) {
                    p->pos += 2;
                    wat_byte(b, 0x05);
                    if (!wat_parse_instrs(p, depth + 1) || !expect(p, T_RP, "')'"))
                        return false;
                }
            } else if (!wat_parse_instrs(p, depth + 1))
                return false;
            wat_byte(b, 0x0b);
            p->labels.n = nl;
            return expect(p, T_RP, "')'");
        }
        size_t start = p->code->n;
        emit_op(p->code, o.op);
        if (!instr_imm(p, &o))
            return false;
        /* operands come first: encode them, then move the op after them */
        size_t mid = p->code->n;
        while (cur(p)->kind == T_LP)
            if (!wat_parse_instr(p, depth + 1))
                return false;
        if (!expect(p, T_RP, "')'"))
            return false;
        buf_t *b = p->code;
        if (b->oom)
            return wat_fail(p, NULL, "out of memory");
        size_t hn = mid - start, rn = b->n - mid;
        unsigned char *tmp = mk_malloc(hn ? hn : 1);
        if (!tmp)
            return wat_fail(p, NULL, "out of memory");
        memcpy(tmp, b->p + start, hn);
        memmove(b->p + start, b->p + mid, rn);
        memcpy(b->p + start + rn, tmp, hn);
        mk_free(tmp);
        return true;
    }
    if (!find_op(t, &o))
        return wat_fail(p, t, "unknown instruction %.*s", (int)t->n, t->s);
    p->pos++;
    emit_op(p->code, o.op);
    if (!instr_imm(p, &o))
        return false;
    if (o.imm == I_BLOCK) {
        size_t nl = p->labels.n;
        if (!wat_parse_instrs(p, depth + 1))
            return false;
        if (o.op == 0x04 && is_kw(cur(p), "else")) {
            p->pos++;
            if (!end_label(p))
                return false;
            wat_byte(p->code, 0x05);
            if (!wat_parse_instrs(p, depth + 1))
                return false;
        }
        if (!is_kw(cur(p), "end"))
            return wat_fail(p, cur(p), "expected end");
        p->pos++;
        if (!end_label(p))
            return false;
        wat_byte(p->code, 0x0b);
        p->labels.n = nl - 1;
    }
    return true;
}
