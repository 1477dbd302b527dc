/*
 * compile_ops.c -- validation and IR emission of the instruction groups that
 * are not control flow: memory access, numeric, 0xFC-prefixed (saturating
 * truncation, bulk memory, tables), br_table, call_indirect, select,
 * variables and constants (spec 3.3). Called by compile.c's dispatch.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "compile.h"

/* Natural alignment (log2) of loads/stores 0x28..0x3E. */
static const uint8_t k_mem_align[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1,
                                      2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2};
/* Value type of loads/stores 0x28..0x3E. */
static const uint8_t k_mem_type[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_I32, WASM_I32,
                                     WASM_I32, WASM_I32, WASM_I64, WASM_I64, WASM_I64, WASM_I64,
                                     WASM_I64, WASM_I64, WASM_I32, WASM_I64, WASM_F32, WASM_F64,
                                     WASM_I32, WASM_I32, WASM_I64, WASM_I64, WASM_I64};

bool wasm_cc_need_memory(comp_t *c)
{
    if (c->m->nmems == 0)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown memory 0");
    return true;
}

bool wasm_cc_need_zero(comp_t *c)
{
    uint8_t z;
    if (!wasm_read_u8(c->r, &z))
        return false;
    if (z != 0)
        return wasm_fail(c->r, WASM_ERR_MALFORMED, "zero byte expected");
    return true;
}

uint32_t wasm_cc_slot_op(uint8_t op)
{
    switch (op) {
    case 0x28: return WASM_OP_S3_I32_LOAD;
    case 0x2B: return WASM_OP_S3_F64_LOAD;
    case 0x2C:
    case 0x2D:
    case 0x2E:
    case 0x2F: return WASM_OP_S3_I32_LOAD8_S + (op - 0x2Cu);
    case 0x6A: return WASM_OP_S3_I32_ADD;
    case 0x6B: return WASM_OP_S3_I32_SUB;
    case 0x6C: return WASM_OP_S3_I32_MUL;
    case 0x71: return WASM_OP_S3_I32_AND;
    case 0x72: return WASM_OP_S3_I32_OR;
    case 0x73: return WASM_OP_S3_I32_XOR;
    case 0x74: return WASM_OP_S3_I32_SHL;
    case 0x75: return WASM_OP_S3_I32_SHR_S;
    case 0x76: return WASM_OP_S3_I32_SHR_U;
    default:
        if (op >= 0x46 && op <= 0x4F) /* i32 comparisons */
            return WASM_OP_S3_I32_EQ + (op - 0x46u);
        if (op >= 0xA0 && op <= 0xA3) /* f64 add sub mul div */
            return WASM_OP_S3_F64_ADD + (op - 0xA0u);
        if (op == 0x77 || op == 0x78) /* i32 rotl rotr */
            return WASM_OP_S3_I32_ROTL + (op - 0x77u);
        if (op >= 0x7C && op <= 0x7E) /* i64 add sub mul */
            return WASM_OP_S3_I64_ADD + (op - 0x7Cu);
        if (op >= 0x83 && op <= 0x8A) /* i64 and or xor shl shr_s shr_u rotl rotr */
            return WASM_OP_S3_I64_AND + (op - 0x83u);
        if (op >= 0x51 && op <= 0x5A) /* i64 comparisons */
            return WASM_OP_S3_I64_EQ + (op - 0x51u);
        return 0;
    }
}

uint32_t wasm_cc_store_slot_op(uint8_t op)
{
    switch (op) {
    case 0x36: return WASM_OP_S3_I32_STORE;
    case 0x37: return WASM_OP_S3_I64_STORE;
    case 0x39: return WASM_OP_S3_F64_STORE;
    case 0x3A: return WASM_OP_S3_I32_STORE8;
    case 0x3B: return WASM_OP_S3_I32_STORE16;
    default: return 0;
    }
}

bool wasm_cc_op_memory(comp_t *c, uint8_t op, uint32_t off)
{
    uint32_t align, offset;
    if (!wasm_read_u32(c->r, &align) || !wasm_read_u32(c->r, &offset))
        return false;
    if (!wasm_cc_need_memory(c))
        return false;
    unsigned k = op - 0x28;
    if (align >= 32) /* 2^align must fit in 32 bits (binary memarg flags) */
        return wasm_fail(c->r, WASM_ERR_MALFORMED, "malformed memop flags (alignment 2^%u)", align);
    if (align > k_mem_align[k])
        return wasm_fail(c->r, WASM_ERR_INVALID, "alignment must not be larger than natural");
    uint8_t t = k_mem_type[k];
    if (op <= 0x35) { /* load */
        if (!wasm_cc_pop_expect(c, WASM_I32, NULL) || !wasm_cc_push(c, t))
            return false;
    } else if (!wasm_cc_pop_expect(c, t, NULL) || !wasm_cc_pop_expect(c, WASM_I32, NULL)) {
        return false;
    }
    if (!wasm_cc_live(c))
        return true;
    if (c->npend && wasm_cc_slot_op(op)) /* address is a pending local */
        return wasm_cc_emit_slot3(c, wasm_cc_slot_op(op), 1, offset, off);
    if (c->npend && wasm_cc_store_slot_op(op)) /* value (and address) pending */
        return wasm_cc_emit_slot_store(c, wasm_cc_store_slot_op(op), offset, off);
    return wasm_cc_emit_op(c, WASM_OP_I32_LOAD + k, off) && wasm_cc_emit(c, offset);
}

/* Operand/result types of numeric opcodes 0x45..0xC4: "ab>r" style codes
 * with i/I/f/F for i32/i64/f32/f64. */
static uint8_t letter_type(char ch)
{
    switch (ch) {
    case 'i': return WASM_I32;
    case 'I': return WASM_I64;
    case 'f': return WASM_F32;
    default: return WASM_F64;
    }
}

static const char *numeric_sig(uint8_t op)
{
    static const char *conv[] = {"I>i", "f>i", "f>i", "F>i", "F>i", "i>I", "i>I", "f>I",
                                 "f>I", "F>I", "F>I", "i>f", "i>f", "I>f", "I>f", "F>f",
                                 "i>F", "i>F", "I>F", "I>F", "f>F", "f>i", "F>I", "i>f",
                                 "I>F", "i>i", "i>i", "I>I", "I>I", "I>I"};
    if (op == 0x45)
        return "i>i";
    if (op <= 0x4F)
        return "ii>i";
    if (op == 0x50)
        return "I>i";
    if (op <= 0x5A)
        return "II>i";
    if (op <= 0x60)
        return "ff>i";
    if (op <= 0x66)
        return "FF>i";
    if (op <= 0x69)
        return "i>i";
    if (op <= 0x78)
        return "ii>i";
    if (op <= 0x7B)
        return "I>I";
    if (op <= 0x8A)
        return "II>I";
    if (op <= 0x91)
        return "f>f";
    if (op <= 0x98)
        return "ff>f";
    if (op <= 0x9F)
        return "F>F";
    if (op <= 0xA6)
        return "FF>F";
    return conv[op - 0xA7];
}

bool wasm_cc_op_numeric(comp_t *c, uint8_t op, uint32_t ir_op, uint32_t off)
{
    const char *sig = numeric_sig(op);
    const char *gt = strchr(sig, '>');
    for (const char *s = gt; s-- > sig;)
        if (!wasm_cc_pop_expect(c, letter_type(*s), NULL))
            return false;
    if (!wasm_cc_push(c, letter_type(gt[1])))
        return false;
    if (!wasm_cc_live(c))
        return true;
    if (c->npend && wasm_cc_slot_op(op)) /* an operand is a pending local */
        return wasm_cc_emit_slot3(c, wasm_cc_slot_op(op), 2, 0, off);
    return wasm_cc_emit_op(c, ir_op, off);
}

/* Saturating truncations 0xFC 0..7: operand and result types. */
static bool op_trunc_sat(comp_t *c, uint32_t sub, uint32_t off)
{
    static const char *sigs[] = {"f>i", "f>i", "F>i", "F>i", "f>I", "f>I", "F>I", "F>I"};
    const char *sig = sigs[sub];
    if (!wasm_cc_pop_expect(c, letter_type(sig[0]), NULL) || !wasm_cc_push(c, letter_type(sig[2])))
        return false;
    return !wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_I32_TRUNC_SAT_F32_S + sub, off);
}

bool wasm_cc_need_table(comp_t *c, uint32_t t)
{
    if (t >= c->m->ntables)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown table %u", t);
    return true;
}

static bool need_datacount(comp_t *c, uint32_t seg)
{
    if (!c->m->has_datacount) {
        /* with a data section the binary format needs the count (spec
         * 5.5.16); with none there is no segment to name */
        if (c->m->has_data_section)
            return wasm_fail(c->r, WASM_ERR_MALFORMED, "data count section required");
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown data segment %u", seg);
    }
    if (seg >= c->m->ndatas)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown data segment %u", seg);
    return true;
}

static bool pop3_i32(comp_t *c)
{
    return wasm_cc_pop_expect(c, WASM_I32, NULL) && wasm_cc_pop_expect(c, WASM_I32, NULL) &&
           wasm_cc_pop_expect(c, WASM_I32, NULL);
}

bool wasm_cc_op_prefixed(comp_t *c, uint32_t off)
{
    uint32_t sub, a = 0, b = 0;
    if (!wasm_read_u32(c->r, &sub))
        return false;
    if (sub <= 7)
        return op_trunc_sat(c, sub, off);
    const wasm_module_t *m = c->m;
    uint8_t t;
    switch (sub) {
    case 8: /* memory.init */
        if (!wasm_read_u32(c->r, &a) || !wasm_cc_need_zero(c) || !wasm_cc_need_memory(c) ||
            !need_datacount(c, a) || !pop3_i32(c))
            return false;
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_MEMORY_INIT, off) && wasm_cc_emit(c, a));
    case 9: /* data.drop */
        if (!wasm_read_u32(c->r, &a) || !need_datacount(c, a))
            return false;
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_DATA_DROP, off) && wasm_cc_emit(c, a));
    case 10: /* memory.copy */
        if (!wasm_cc_need_zero(c) || !wasm_cc_need_zero(c) || !wasm_cc_need_memory(c) ||
            !pop3_i32(c))
            return false;
        return !wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_MEMORY_COPY, off);
    case 11: /* memory.fill */
        if (!wasm_cc_need_zero(c) || !wasm_cc_need_memory(c) || !pop3_i32(c))
            return false;
        return !wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_MEMORY_FILL, off);
    case 12: /* table.init elem table */
        if (!wasm_read_u32(c->r, &a) || !wasm_read_u32(c->r, &b) || !wasm_cc_need_table(c, b))
            return false;
        if (a >= m->nelems)
            return wasm_fail(c->r, WASM_ERR_INVALID, "unknown elem segment %u", a);
        if (m->elems[a].elemtype != m->tables[b].elemtype)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (table.init)");
        if (!pop3_i32(c))
            return false;
        return !wasm_cc_live(c) || (wasm_cc_emit_op(c, WASM_OP_TABLE_INIT, off) &&
                                    wasm_cc_emit(c, a) && wasm_cc_emit(c, b));
    case 13: /* elem.drop */
        if (!wasm_read_u32(c->r, &a))
            return false;
        if (a >= m->nelems)
            return wasm_fail(c->r, WASM_ERR_INVALID, "unknown elem segment %u", a);
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_ELEM_DROP, off) && wasm_cc_emit(c, a));
    case 14: /* table.copy dst src */
        if (!wasm_read_u32(c->r, &a) || !wasm_read_u32(c->r, &b) || !wasm_cc_need_table(c, a) ||
            !wasm_cc_need_table(c, b))
            return false;
        if (m->tables[a].elemtype != m->tables[b].elemtype)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (table.copy)");
        if (!pop3_i32(c))
            return false;
        return !wasm_cc_live(c) || (wasm_cc_emit_op(c, WASM_OP_TABLE_COPY, off) &&
                                    wasm_cc_emit(c, a) && wasm_cc_emit(c, b));
    case 15: /* table.grow */
        if (!wasm_read_u32(c->r, &a) || !wasm_cc_need_table(c, a))
            return false;
        if (!wasm_cc_pop_expect(c, WASM_I32, NULL) ||
            !wasm_cc_pop_expect(c, m->tables[a].elemtype, NULL) || !wasm_cc_push(c, WASM_I32))
            return false;
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_TABLE_GROW, off) && wasm_cc_emit(c, a));
    case 16: /* table.size */
        if (!wasm_read_u32(c->r, &a) || !wasm_cc_need_table(c, a) || !wasm_cc_push(c, WASM_I32))
            return false;
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_TABLE_SIZE, off) && wasm_cc_emit(c, a));
    case 17: /* table.fill */
        if (!wasm_read_u32(c->r, &a) || !wasm_cc_need_table(c, a))
            return false;
        t = m->tables[a].elemtype;
        if (!wasm_cc_pop_expect(c, WASM_I32, NULL) || !wasm_cc_pop_expect(c, t, NULL) ||
            !wasm_cc_pop_expect(c, WASM_I32, NULL))
            return false;
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_TABLE_FILL, off) && wasm_cc_emit(c, a));
    default: return wasm_fail(c->r, WASM_ERR_MALFORMED, "illegal opcode 0xfc %u", sub);
    }
}

bool wasm_cc_op_br_table(comp_t *c, uint32_t off)
{
    uint32_t n;
    wasm_reader_t *r = c->r;
    if (!wasm_read_u32(r, &n))
        return false;
    if (n > WASM_MAX_BRTABLE || (uint64_t)n + 1 > (uint64_t)(r->end - r->p))
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end (br_table of %u labels)", n);
    uint32_t *depths = mk_malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths)
        return wasm_cc_nomem(c);
    bool ok = true;
    for (uint32_t i = 0; i <= n && ok; i++) {
        ok = wasm_read_u32(r, &depths[i]);
        if (ok && depths[i] >= c->nctrls)
            ok = wasm_fail(r, WASM_ERR_INVALID, "unknown label %u", depths[i]);
    }
    if (ok)
        ok = wasm_cc_pop_expect(c, WASM_I32, NULL);
    if (!ok)
        goto out;
    /* every label must accept the operands: check arity, then each type */
    uint32_t arity = wasm_cc_label_arity(&c->ctrls[c->nctrls - 1 - depths[n]]);
    for (uint32_t i = 0; i <= n && ok; i++) {
        ctrl_t *l = &c->ctrls[c->nctrls - 1 - depths[i]];
        if (wasm_cc_label_arity(l) != arity) {
            ok = wasm_fail(r, WASM_ERR_INVALID, "type mismatch (br_table arity)");
            break;
        }
        /* pop the label's types and push them back (spec algorithm) */
        uint32_t save = c->nvals;
        const uint8_t *lt = wasm_cc_label_types(l);
        uint8_t popped[64];
        uint8_t *tmp = arity <= 64 ? popped : mk_malloc(arity);
        if (!tmp) {
            ok = wasm_cc_nomem(c);
            break;
        }
        for (uint32_t k = arity; k-- > 0 && ok;)
            ok = wasm_cc_pop_expect(c, lt[k], &tmp[k]);
        /* push back exactly what was popped (unknowns stay unknown) */
        if (ok)
            c->nvals = save;
        if (tmp != popped)
            mk_free(tmp);
    }
    if (!ok)
        goto out;
    if (wasm_cc_live(c)) {
        /* `local.get x; br_table` (a switch on a local): LOCAL_BR_TABLE x,
         * fused here, before the targets (forward ones are chained through
         * their words) are written */
        uint32_t at = c->ir_len - 2;
        if (!c->plain && c->ir_len >= 2 && c->nrecent && c->recent[c->nrecent - 1] == at &&
            c->ir[at] == WASM_OP_LOCAL_GET && c->label_at <= at) {
            uint32_t x = c->ir[at + 1];
            ok = wasm_cc_refuse(c, at, WASM_OP_LOCAL_BR_TABLE) && wasm_cc_emit(c, x);
        } else {
            ok = wasm_cc_emit_op(c, WASM_OP_BR_TABLE, off);
        }
        ok = ok && wasm_cc_emit(c, n) && wasm_cc_emit(c, arity);
        for (uint32_t i = 0; i <= n && ok; i++) {
            ctrl_t *l = &c->ctrls[c->nctrls - 1 - depths[i]];
            ok = wasm_cc_emit_target(c, l) && wasm_cc_emit(c, c->nvals - (l->height + arity));
        }
    }
    if (ok)
        ok = wasm_cc_set_unreachable(c);
out:
    mk_free(depths);
    return ok;
}

bool wasm_cc_op_call_indirect(comp_t *c, uint32_t off)
{
    uint32_t ti, tab;
    if (!wasm_read_u32(c->r, &ti) || !wasm_read_u32(c->r, &tab))
        return false;
    if (ti >= c->m->ntypes)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown type %u", ti);
    if (!wasm_cc_need_table(c, tab))
        return false;
    if (c->m->tables[tab].elemtype != WASM_FUNCREF)
        return wasm_fail(c->r, WASM_ERR_INVALID,
                         "type mismatch (call_indirect on externref table)");
    const wasm_functype_t *t = &c->m->types[ti];
    if (!wasm_cc_pop_expect(c, WASM_I32, NULL) || !wasm_cc_pop_n(c, t->nparams, t->params) ||
        !wasm_cc_push_n(c, t->nresults, t->results))
        return false;
    return !wasm_cc_live(c) || (wasm_cc_emit_op(c, WASM_OP_CALL_INDIRECT, off) &&
                                wasm_cc_emit(c, c->m->type_canon[ti]) && wasm_cc_emit(c, tab));
}

bool wasm_cc_op_select(comp_t *c, bool typed, uint32_t off)
{
    uint8_t t1, t2, want = UNKNOWN;
    if (typed) {
        uint32_t n;
        if (!wasm_read_u32(c->r, &n))
            return false;
        if (n != 1)
            return wasm_fail(c->r, WASM_ERR_INVALID, "invalid result arity");
        if (!wasm_decode_valtype(c->r, &want))
            return false;
    }
    if (!wasm_cc_pop_expect(c, WASM_I32, NULL))
        return false;
    if (typed) {
        if (!wasm_cc_pop_expect(c, want, NULL) || !wasm_cc_pop_expect(c, want, NULL) ||
            !wasm_cc_push(c, want))
            return false;
    } else {
        if (!wasm_cc_pop(c, &t1) || !wasm_cc_pop(c, &t2))
            return false;
        bool r1 = t1 == WASM_FUNCREF || t1 == WASM_EXTERNREF;
        bool r2 = t2 == WASM_FUNCREF || t2 == WASM_EXTERNREF;
        if (r1 || r2)
            return wasm_fail(c->r, WASM_ERR_INVALID,
                             "type mismatch (select needs numeric operands)");
        if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (select operands differ)");
        if (!wasm_cc_push(c, t1 == UNKNOWN ? t2 : t1))
            return false;
    }
    return !wasm_cc_live(c) || wasm_cc_emit_op(c, WASM_OP_SELECT, off);
}

bool wasm_cc_op_local(comp_t *c, uint8_t op, uint32_t off)
{
    uint32_t i;
    if (!wasm_read_u32(c->r, &i))
        return false;
    if (i >= c->nlocals)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown local %u", i);
    uint8_t t = c->locals[i];
    if (op == 0x20) { /* an alias until an op reads it (or it is emitted) */
        if (!wasm_cc_push(c, t))
            return false;
        if (c->plain)
            return !wasm_cc_live(c) ||
                   (wasm_cc_emit_op(c, WASM_OP_LOCAL_GET, off) && wasm_cc_emit(c, i));
        return !wasm_cc_live(c) || wasm_cc_pend_local(c, i, off);
    }
    if (!wasm_cc_pop_expect(c, t, NULL))
        return false;
    if (op == 0x22 && !wasm_cc_push(c, t))
        return false;
    bool done = false;
    if (wasm_cc_live(c) && !wasm_cc_slot_set(c, i, op == 0x22, off, &done))
        return false;
    if (done)
        return true; /* the op before writes local i itself */
    return !wasm_cc_live(c) ||
           (wasm_cc_emit_op(c, op == 0x21 ? WASM_OP_LOCAL_SET : WASM_OP_LOCAL_TEE, off) &&
            wasm_cc_emit(c, i));
}

bool wasm_cc_op_global(comp_t *c, uint8_t op, uint32_t off)
{
    uint32_t i;
    if (!wasm_read_u32(c->r, &i))
        return false;
    if (i >= c->m->nglobals)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown global %u", i);
    const wasm_global_type_t *g = &c->m->globals[i];
    if (op == 0x23) {
        if (!wasm_cc_push(c, g->valtype))
            return false;
        return !wasm_cc_live(c) ||
               (wasm_cc_emit_op(c, WASM_OP_GLOBAL_GET, off) && wasm_cc_emit(c, i));
    }
    if (!g->mutable_)
        return wasm_fail(c->r, WASM_ERR_INVALID, "global is immutable");
    if (!wasm_cc_pop_expect(c, g->valtype, NULL))
        return false;
    return !wasm_cc_live(c) || (wasm_cc_emit_op(c, WASM_OP_GLOBAL_SET, off) && wasm_cc_emit(c, i));
}

bool wasm_cc_op_const(comp_t *c, uint8_t op, uint32_t off)
{
    wasm_reader_t *r = c->r;
    const uint8_t *b;
    uint64_t bits = 0;
    uint8_t t;
    uint32_t ir_op;
    if (op == 0x41) {
        int32_t v;
        if (!wasm_read_s32(r, &v))
            return false;
        bits = (uint32_t)v;
        t = WASM_I32;
        ir_op = WASM_OP_I32_CONST;
    } else if (op == 0x42) {
        int64_t v;
        if (!wasm_read_s64(r, &v))
            return false;
        bits = (uint64_t)v;
        t = WASM_I64;
        ir_op = WASM_OP_I64_CONST;
    } else if (op == 0x43) {
        uint32_t v;
        if (!wasm_read_bytes(r, 4, &b))
            return false;
        memcpy(&v, b, 4);
        bits = v;
        t = WASM_F32;
        ir_op = WASM_OP_F32_CONST;
    } else {
        if (!wasm_read_bytes(r, 8, &b))
            return false;
        memcpy(&bits, b, 8);
        t = WASM_F64;
        ir_op = WASM_OP_F64_CONST;
    }
    if (!wasm_cc_push(c, t))
        return false;
    if (!wasm_cc_live(c))
        return true;
    if (!wasm_cc_emit_op(c, ir_op, off) || !wasm_cc_emit(c, (uint32_t)bits))
        return false;
    return (t == WASM_I32 || t == WASM_F32) || wasm_cc_emit(c, (uint32_t)(bits >> 32));
}
