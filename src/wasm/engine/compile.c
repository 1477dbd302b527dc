/*
 * compile.c -- validates one function body with the spec's algorithm
 * (spec 3.3 and appendix "Validation Algorithm": an operand-type stack and a
 * control stack) and, in the same pass, emits the IR that interp.c runs:
 * stack-height-resolved branches, decoded immediates, fuel charges at
 * function entry and loop headers. See DESIGN.md. Called by decode.c for
 * each entry of the code section; allocates only the IR it returns.
 */
#include <stdlib.h>
#include <string.h>

#include "wasm_decode.h"

#define UNKNOWN 0 /* polymorphic operand type in unreachable code */

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_ELSE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;       /* rest of this block is unreachable */
    bool dead;              /* whole block sits in unreachable code: emit nothing */
    uint32_t height;        /* operand height at block entry (params excluded) */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t patch;         /* forward-branch chain: IR index + 1 of last placeholder */
    uint32_t loop_pc;       /* LOOP: IR index of its start */
    uint32_t else_patch;    /* IF: IR index + 1 of the BR_UNLESS target */
    uint32_t fuel_at;       /* LOOP/FUNC: IR index of the FUEL cost word */
    uint32_t fuel_count;    /* instructions charged at this loop / function */
    uint32_t prev_owner;    /* LOOP: fuel owner to restore at end */
} ctrl_t;

typedef struct comp {
    wasm_reader_t *r;
    const wasm_module_t *m;
    uint8_t *vals;          /* operand types */
    uint32_t nvals, vcap;
    ctrl_t *ctrls;
    uint32_t nctrls, ccap;
    uint32_t *ir;
    uint32_t ir_len, ir_cap;
    uint32_t *map;          /* (IR index, byte offset) pairs */
    uint32_t map_len, map_cap;
    uint8_t *locals;        /* types of params then locals */
    uint32_t nlocals;
    uint32_t max_height;
    uint32_t fuel_owner;    /* ctrl index charged for the current instruction */
    uint32_t last_op_at;    /* IR index of the last instruction emitted */
    uint32_t label_at;      /* highest IR index a label points to */
} comp_t;

static const uint8_t k_valtypes[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_EXTERNREF};

static const uint8_t *single_type(uint8_t t)
{
    const uint8_t *p = memchr(k_valtypes, t, sizeof k_valtypes);
    return p;
}

static bool nomem(comp_t *c)
{
    return wasm_fail(c->r, WASM_ERR_NOMEM, "out of memory");
}

static bool grow(comp_t *c, void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, (size_t)n * size);
    if (!p)
        return nomem(c);
    *arr = p;
    *cap = n;
    return true;
}

static ctrl_t *top(comp_t *c)
{
    return &c->ctrls[c->nctrls - 1];
}

static bool live(comp_t *c)
{
    ctrl_t *t = top(c);
    return !t->unreachable && !t->dead;
}

/* ---- operand type stack ---- */

static bool push(comp_t *c, uint8_t t)
{
    if (c->nvals >= WASM_MAX_FUNC_STACK)
        return wasm_fail(c->r, WASM_ERR_LIMIT, "operand stack deeper than %u", WASM_MAX_FUNC_STACK);
    if (!grow(c, (void **)&c->vals, &c->vcap, c->nvals + 1, 1))
        return false;
    c->vals[c->nvals++] = t;
    if (c->nvals > c->max_height)
        c->max_height = c->nvals;
    return true;
}

static bool pop(comp_t *c, uint8_t *out)
{
    ctrl_t *t = top(c);
    if (c->nvals == t->height) {
        if (t->unreachable) {
            *out = UNKNOWN;
            return true;
        }
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (operand stack empty)");
    }
    *out = c->vals[--c->nvals];
    return true;
}

static bool pop_expect(comp_t *c, uint8_t want, uint8_t *out)
{
    uint8_t got = UNKNOWN;
    if (!pop(c, &got))
        return false;
    if (got != want && got != UNKNOWN && want != UNKNOWN)
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (expected 0x%02x, got 0x%02x)", want, got);
    if (out)
        *out = got == UNKNOWN ? want : got;
    return true;
}

static bool pop_n(comp_t *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = n; i-- > 0;)
        if (!pop_expect(c, types[i], NULL))
            return false;
    return true;
}

static bool push_n(comp_t *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        if (!push(c, types[i]))
            return false;
    return true;
}

/* ---- IR emission ---- */

static bool emit(comp_t *c, uint32_t w)
{
    if (!grow(c, (void **)&c->ir, &c->ir_cap, c->ir_len + 1, sizeof(uint32_t)))
        return false;
    c->ir[c->ir_len++] = w;
    return true;
}

static bool emit_target(comp_t *c, struct ctrl *l);

/* Start an instruction: remember its byte offset for trap reports. */
static bool emit_op(comp_t *c, uint32_t op, uint32_t byte_offset)
{
    if (!grow(c, (void **)&c->map, &c->map_cap, c->map_len * 2 + 2, 2 * sizeof(uint32_t)))
        return false;
    c->map[c->map_len * 2] = c->ir_len;
    c->map[c->map_len * 2 + 1] = byte_offset;
    c->map_len++;
    c->last_op_at = c->ir_len;
    return emit(c, op);
}

/* br_if right after an i32 comparison becomes one fused compare-and-branch
 * (only when no label points between the two). */
static bool emit_br_if(comp_t *c, uint32_t off, ctrl_t *l)
{
    uint32_t at = c->last_op_at;
    if (at + 1 == c->ir_len && c->label_at <= at) {
        uint32_t op = c->ir[at];
        if (op == WASM_OP_I32_EQZ) {
            c->ir[at] = WASM_OP_BR_UNLESS;
            return emit_target(c, l);
        }
        if (op >= WASM_OP_I32_EQ && op <= WASM_OP_I32_GE_U) {
            c->ir[at] = WASM_OP_I32_EQ_BR_IF + (op - WASM_OP_I32_EQ);
            return emit_target(c, l);
        }
    }
    return emit_op(c, WASM_OP_BR_IF, off) && emit_target(c, l);
}

static uint32_t label_arity(const ctrl_t *l)
{
    return l->kind == K_LOOP ? l->nparams : l->nresults;
}

static const uint8_t *label_types(const ctrl_t *l)
{
    return l->kind == K_LOOP ? l->params : l->results;
}

/* Emit the target word of a branch to `l` (patched later if forward). */
static bool emit_target(comp_t *c, ctrl_t *l)
{
    if (l->kind == K_LOOP)
        return emit(c, l->loop_pc);
    uint32_t at = c->ir_len;
    if (!emit(c, l->patch))
        return false;
    l->patch = at + 1;
    return true;
}

/* A branch to depth `d` from the current height (condition already popped). */
static bool emit_branch(comp_t *c, uint32_t op_plain, uint32_t op_move, uint32_t d, uint32_t off)
{
    ctrl_t *l = &c->ctrls[c->nctrls - 1 - d];
    uint32_t arity = label_arity(l);
    uint32_t drop = c->nvals - (l->height + arity);
    if (drop == 0 && op_plain == WASM_OP_BR_IF)
        return emit_br_if(c, off, l);
    if (drop == 0)
        return emit_op(c, op_plain, off) && emit_target(c, l);
    return emit_op(c, op_move, off) && emit_target(c, l) && emit(c, drop) && emit(c, arity);
}

static void patch_chain(comp_t *c, uint32_t head, uint32_t target)
{
    if (target > c->label_at)
        c->label_at = target;
    while (head) {
        uint32_t at = head - 1;
        head = c->ir[at];
        c->ir[at] = target;
    }
}

/* ---- control ---- */

static bool push_ctrl(comp_t *c, uint8_t kind, uint32_t np, const uint8_t *p, uint32_t nr, const uint8_t *res)
{
    if (c->nctrls >= WASM_MAX_BLOCK_DEPTH)
        return wasm_fail(c->r, WASM_ERR_LIMIT, "blocks nested deeper than %u", WASM_MAX_BLOCK_DEPTH);
    bool dead = c->nctrls ? (top(c)->unreachable || top(c)->dead) : false;
    if (!grow(c, (void **)&c->ctrls, &c->ccap, c->nctrls + 1, sizeof(ctrl_t)))
        return false;
    ctrl_t *t = &c->ctrls[c->nctrls++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->dead = dead;
    t->nparams = np;
    t->params = p;
    t->nresults = nr;
    t->results = res;
    t->height = c->nvals;
    return push_n(c, np, p);
}

static bool set_unreachable(comp_t *c)
{
    ctrl_t *t = top(c);
    c->nvals = t->height;
    t->unreachable = true;
    return true;
}

/* Read a block type (spec 5.4.1): empty, one value type or a type index. */
static bool read_blocktype(comp_t *c, uint32_t *np, const uint8_t **p, uint32_t *nr, const uint8_t **res)
{
    wasm_reader_t *r = c->r;
    if (r->p >= r->end)
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end");
    uint8_t b = *r->p;
    *np = 0;
    *p = NULL;
    if (b == 0x40) {
        r->p++;
        *nr = 0;
        *res = NULL;
        return true;
    }
    if (b == WASM_V128)
        return wasm_fail(r, WASM_ERR_SIMD, "SIMD not supported (v128 block type)");
    if (single_type(b)) {
        r->p++;
        *nr = 1;
        *res = single_type(b);
        return true;
    }
    int64_t idx;
    if (!wasm_read_s33(r, &idx))
        return false;
    if (idx < 0)
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed block type");
    if ((uint64_t)idx >= c->m->ntypes)
        return wasm_fail(r, WASM_ERR_INVALID, "unknown type %lld", (long long)idx);
    const wasm_functype_t *t = &c->m->types[idx];
    *np = t->nparams;
    *p = t->params;
    *nr = t->nresults;
    *res = t->results;
    return true;
}

/* Validate the operands of `end` / `else` against the block's results. */
static bool check_block_end(comp_t *c)
{
    ctrl_t *t = top(c);
    if (!pop_n(c, t->nresults, t->results))
        return false;
    if (c->nvals != t->height)
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (values remain at block end)");
    return true;
}

static bool op_end(comp_t *c, uint32_t off, bool *done)
{
    ctrl_t *t = top(c);
    if (!check_block_end(c))
        return false;
    if (t->kind == K_IF) {
        if (t->nparams != t->nresults || (t->nparams && memcmp(t->params, t->results, t->nparams)))
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (if without else)");
    }
    if (t->kind == K_FUNC) {
        bool need = (!t->dead && !t->unreachable) || t->patch;
        patch_chain(c, t->patch, c->ir_len);
        if (need && (!emit_op(c, WASM_OP_RETURN, off) || !emit(c, t->nresults)))
            return false;
        c->ir[t->fuel_at] = t->fuel_count ? t->fuel_count : 1;
        c->nctrls--;
        *done = true;
        return true;
    }
    if (t->kind == K_IF && t->else_patch) {
        c->ir[t->else_patch - 1] = c->ir_len;
        c->label_at = c->ir_len;
    }
    patch_chain(c, t->patch, c->ir_len);
    if (t->kind == K_LOOP) {
        if (t->fuel_at)
            c->ir[t->fuel_at] = t->fuel_count ? t->fuel_count : 1;
        c->fuel_owner = t->prev_owner;
    }
    uint32_t nr = t->nresults;
    const uint8_t *res = t->results;
    c->nctrls--;
    return push_n(c, nr, res);
}

static bool op_else(comp_t *c, uint32_t off)
{
    ctrl_t *t = top(c);
    if (t->kind != K_IF)
        return wasm_fail(c->r, WASM_ERR_INVALID, "else without if");
    if (!check_block_end(c))
        return false;
    if (live(c)) {
        if (!emit_op(c, WASM_OP_BR, off) || !emit_target(c, t))
            return false;
    }
    if (t->else_patch)
        c->ir[t->else_patch - 1] = c->ir_len;
    c->label_at = c->ir_len;
    t->else_patch = 0;
    t->kind = K_ELSE;
    t->unreachable = false;
    c->nvals = t->height;
    return push_n(c, t->nparams, t->params);
}

/* ---- instruction groups ---- */

/* Natural alignment (log2) of loads/stores 0x28..0x3E. */
static const uint8_t k_mem_align[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2};
/* Value type of loads/stores 0x28..0x3E. */
static const uint8_t k_mem_type[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_I32, WASM_I32,
                                     WASM_I32, WASM_I32, WASM_I64, WASM_I64, WASM_I64, WASM_I64,
                                     WASM_I64, WASM_I64, WASM_I32, WASM_I64, WASM_F32, WASM_F64,
                                     WASM_I32, WASM_I32, WASM_I64, WASM_I64, WASM_I64};

static bool need_memory(comp_t *c)
{
    if (c->m->nmems == 0)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown memory 0");
    return true;
}

static bool need_zero(comp_t *c)
{
    uint8_t z;
    if (!wasm_read_u8(c->r, &z))
        return false;
    if (z != 0)
        return wasm_fail(c->r, WASM_ERR_MALFORMED, "zero byte expected");
    return true;
}

static bool op_memory(comp_t *c, uint8_t op, uint32_t off)
{
    uint32_t align, offset;
    if (!wasm_read_u32(c->r, &align) || !wasm_read_u32(c->r, &offset))
        return false;
    if (!need_memory(c))
        return false;
    unsigned k = op - 0x28;
    if (align > k_mem_align[k])
        return wasm_fail(c->r, WASM_ERR_INVALID, "alignment must not be larger than natural");
    uint8_t t = k_mem_type[k];
    if (op <= 0x35) { /* load */
        if (!pop_expect(c, WASM_I32, NULL) || !push(c, t))
            return false;
    } else if (!pop_expect(c, t, NULL) || !pop_expect(c, WASM_I32, NULL)) {
        return false;
    }
    if (!live(c))
        return true;
    return emit_op(c, WASM_OP_I32_LOAD + k, off) && emit(c, offset);
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
    static const char *conv[] = {
        "I>i", "f>i", "f>i", "F>i", "F>i", "i>I", "i>I", "f>I", "f>I", "F>I", "F>I", "i>f", "i>f",
        "I>f", "I>f", "F>f", "i>F", "i>F", "I>F", "I>F", "f>F", "f>i", "F>I", "i>f", "I>F", "i>i",
        "i>i", "I>I", "I>I", "I>I"};
    if (op == 0x45) return "i>i";
    if (op <= 0x4F) return "ii>i";
    if (op == 0x50) return "I>i";
    if (op <= 0x5A) return "II>i";
    if (op <= 0x60) return "ff>i";
    if (op <= 0x66) return "FF>i";
    if (op <= 0x69) return "i>i";
    if (op <= 0x78) return "ii>i";
    if (op <= 0x7B) return "I>I";
    if (op <= 0x8A) return "II>I";
    if (op <= 0x91) return "f>f";
    if (op <= 0x98) return "ff>f";
    if (op <= 0x9F) return "F>F";
    if (op <= 0xA6) return "FF>F";
    return conv[op - 0xA7];
}

static bool op_numeric(comp_t *c, uint8_t op, uint32_t ir_op, uint32_t off)
{
    const char *sig = numeric_sig(op);
    const char *gt = strchr(sig, '>');
    for (const char *s = gt; s-- > sig;)
        if (!pop_expect(c, letter_type(*s), NULL))
            return false;
    if (!push(c, letter_type(gt[1])))
        return false;
    return !live(c) || emit_op(c, ir_op, off);
}

/* Saturating truncations 0xFC 0..7: operand and result types. */
static bool op_trunc_sat(comp_t *c, uint32_t sub, uint32_t off)
{
    static const char *sigs[] = {"f>i", "f>i", "F>i", "F>i", "f>I", "f>I", "F>I", "F>I"};
    const char *sig = sigs[sub];
    if (!pop_expect(c, letter_type(sig[0]), NULL) || !push(c, letter_type(sig[2])))
        return false;
    return !live(c) || emit_op(c, WASM_OP_I32_TRUNC_SAT_F32_S + sub, off);
}

static bool need_table(comp_t *c, uint32_t t)
{
    if (t >= c->m->ntables)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown table %u", t);
    return true;
}

static bool need_datacount(comp_t *c, uint32_t seg)
{
    if (!c->m->has_datacount)
        return wasm_fail(c->r, WASM_ERR_MALFORMED, "data count section required");
    if (seg >= c->m->ndatas)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown data segment %u", seg);
    return true;
}

static bool pop3_i32(comp_t *c)
{
    return pop_expect(c, WASM_I32, NULL) && pop_expect(c, WASM_I32, NULL) && pop_expect(c, WASM_I32, NULL);
}

static bool op_prefixed(comp_t *c, uint32_t off)
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
        if (!wasm_read_u32(c->r, &a) || !need_zero(c) || !need_memory(c) || !need_datacount(c, a) || !pop3_i32(c))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_MEMORY_INIT, off) && emit(c, a));
    case 9: /* data.drop */
        if (!wasm_read_u32(c->r, &a) || !need_datacount(c, a))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_DATA_DROP, off) && emit(c, a));
    case 10: /* memory.copy */
        if (!need_zero(c) || !need_zero(c) || !need_memory(c) || !pop3_i32(c))
            return false;
        return !live(c) || emit_op(c, WASM_OP_MEMORY_COPY, off);
    case 11: /* memory.fill */
        if (!need_zero(c) || !need_memory(c) || !pop3_i32(c))
            return false;
        return !live(c) || emit_op(c, WASM_OP_MEMORY_FILL, off);
    case 12: /* table.init elem table */
        if (!wasm_read_u32(c->r, &a) || !wasm_read_u32(c->r, &b) || !need_table(c, b))
            return false;
        if (a >= m->nelems)
            return wasm_fail(c->r, WASM_ERR_INVALID, "unknown elem segment %u", a);
        if (m->elems[a].elemtype != m->tables[b].elemtype)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (table.init)");
        if (!pop3_i32(c))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_TABLE_INIT, off) && emit(c, a) && emit(c, b));
    case 13: /* elem.drop */
        if (!wasm_read_u32(c->r, &a))
            return false;
        if (a >= m->nelems)
            return wasm_fail(c->r, WASM_ERR_INVALID, "unknown elem segment %u", a);
        return !live(c) || (emit_op(c, WASM_OP_ELEM_DROP, off) && emit(c, a));
    case 14: /* table.copy dst src */
        if (!wasm_read_u32(c->r, &a) || !wasm_read_u32(c->r, &b) || !need_table(c, a) || !need_table(c, b))
            return false;
        if (m->tables[a].elemtype != m->tables[b].elemtype)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (table.copy)");
        if (!pop3_i32(c))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_TABLE_COPY, off) && emit(c, a) && emit(c, b));
    case 15: /* table.grow */
        if (!wasm_read_u32(c->r, &a) || !need_table(c, a))
            return false;
        if (!pop_expect(c, WASM_I32, NULL) || !pop_expect(c, m->tables[a].elemtype, NULL) || !push(c, WASM_I32))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_TABLE_GROW, off) && emit(c, a));
    case 16: /* table.size */
        if (!wasm_read_u32(c->r, &a) || !need_table(c, a) || !push(c, WASM_I32))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_TABLE_SIZE, off) && emit(c, a));
    case 17: /* table.fill */
        if (!wasm_read_u32(c->r, &a) || !need_table(c, a))
            return false;
        t = m->tables[a].elemtype;
        if (!pop_expect(c, WASM_I32, NULL) || !pop_expect(c, t, NULL) || !pop_expect(c, WASM_I32, NULL))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_TABLE_FILL, off) && emit(c, a));
    default:
        return wasm_fail(c->r, WASM_ERR_MALFORMED, "illegal opcode 0xfc %u", sub);
    }
}

static bool op_br_table(comp_t *c, uint32_t off)
{
    uint32_t n;
    wasm_reader_t *r = c->r;
    if (!wasm_read_u32(r, &n))
        return false;
    if (n > WASM_MAX_BRTABLE || (uint64_t)n + 1 > (uint64_t)(r->end - r->p))
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end (br_table of %u labels)", n);
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths)
        return nomem(c);
    bool ok = true;
    for (uint32_t i = 0; i <= n && ok; i++) {
        ok = wasm_read_u32(r, &depths[i]);
        if (ok && depths[i] >= c->nctrls)
            ok = wasm_fail(r, WASM_ERR_INVALID, "unknown label %u", depths[i]);
    }
    if (ok)
        ok = pop_expect(c, WASM_I32, NULL);
    if (!ok)
        goto out;
    /* every label must accept the operands: check arity, then each type */
    uint32_t arity = label_arity(&c->ctrls[c->nctrls - 1 - depths[n]]);
    for (uint32_t i = 0; i <= n && ok; i++) {
        ctrl_t *l = &c->ctrls[c->nctrls - 1 - depths[i]];
        if (label_arity(l) != arity) {
            ok = wasm_fail(r, WASM_ERR_INVALID, "type mismatch (br_table arity)");
            break;
        }
        /* pop the label's types and push them back (spec algorithm) */
        uint32_t save = c->nvals;
        const uint8_t *lt = label_types(l);
        uint8_t popped[64];
        uint8_t *tmp = arity <= 64 ? popped : malloc(arity);
        if (!tmp) {
            ok = nomem(c);
            break;
        }
        for (uint32_t k = arity; k-- > 0 && ok;)
            ok = pop_expect(c, lt[k], &tmp[k]);
        /* push back exactly what was popped (unknowns stay unknown) */
        if (ok)
            c->nvals = save;
        if (tmp != popped)
            free(tmp);
    }
    if (!ok)
        goto out;
    if (live(c)) {
        ok = emit_op(c, WASM_OP_BR_TABLE, off) && emit(c, n) && emit(c, arity);
        for (uint32_t i = 0; i <= n && ok; i++) {
            ctrl_t *l = &c->ctrls[c->nctrls - 1 - depths[i]];
            ok = emit_target(c, l) && emit(c, c->nvals - (l->height + arity));
        }
    }
    if (ok)
        ok = set_unreachable(c);
out:
    free(depths);
    return ok;
}

static bool op_call_indirect(comp_t *c, uint32_t off)
{
    uint32_t ti, tab;
    if (!wasm_read_u32(c->r, &ti) || !wasm_read_u32(c->r, &tab))
        return false;
    if (ti >= c->m->ntypes)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown type %u", ti);
    if (!need_table(c, tab))
        return false;
    if (c->m->tables[tab].elemtype != WASM_FUNCREF)
        return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (call_indirect on externref table)");
    const wasm_functype_t *t = &c->m->types[ti];
    if (!pop_expect(c, WASM_I32, NULL) || !pop_n(c, t->nparams, t->params) || !push_n(c, t->nresults, t->results))
        return false;
    return !live(c) || (emit_op(c, WASM_OP_CALL_INDIRECT, off) && emit(c, c->m->type_canon[ti]) && emit(c, tab));
}

static bool op_select(comp_t *c, bool typed, uint32_t off)
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
    if (!pop_expect(c, WASM_I32, NULL))
        return false;
    if (typed) {
        if (!pop_expect(c, want, NULL) || !pop_expect(c, want, NULL) || !push(c, want))
            return false;
    } else {
        if (!pop(c, &t1) || !pop(c, &t2))
            return false;
        bool r1 = t1 == WASM_FUNCREF || t1 == WASM_EXTERNREF;
        bool r2 = t2 == WASM_FUNCREF || t2 == WASM_EXTERNREF;
        if (r1 || r2)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (select needs numeric operands)");
        if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
            return wasm_fail(c->r, WASM_ERR_INVALID, "type mismatch (select operands differ)");
        if (!push(c, t1 == UNKNOWN ? t2 : t1))
            return false;
    }
    return !live(c) || emit_op(c, WASM_OP_SELECT, off);
}

static bool op_local(comp_t *c, uint8_t op, uint32_t off)
{
    uint32_t i;
    if (!wasm_read_u32(c->r, &i))
        return false;
    if (i >= c->nlocals)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown local %u", i);
    uint8_t t = c->locals[i];
    if (op == 0x20) {
        if (!push(c, t))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_LOCAL_GET, off) && emit(c, i));
    }
    if (!pop_expect(c, t, NULL))
        return false;
    if (op == 0x22 && !push(c, t))
        return false;
    return !live(c) || (emit_op(c, op == 0x21 ? WASM_OP_LOCAL_SET : WASM_OP_LOCAL_TEE, off) && emit(c, i));
}

static bool op_global(comp_t *c, uint8_t op, uint32_t off)
{
    uint32_t i;
    if (!wasm_read_u32(c->r, &i))
        return false;
    if (i >= c->m->nglobals)
        return wasm_fail(c->r, WASM_ERR_INVALID, "unknown global %u", i);
    const wasm_global_type_t *g = &c->m->globals[i];
    if (op == 0x23) {
        if (!push(c, g->valtype))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_GLOBAL_GET, off) && emit(c, i));
    }
    if (!g->mutable_)
        return wasm_fail(c->r, WASM_ERR_INVALID, "global is immutable");
    if (!pop_expect(c, g->valtype, NULL))
        return false;
    return !live(c) || (emit_op(c, WASM_OP_GLOBAL_SET, off) && emit(c, i));
}

static bool op_const(comp_t *c, uint8_t op, uint32_t off)
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
    if (!push(c, t))
        return false;
    if (!live(c))
        return true;
    if (!emit_op(c, ir_op, off) || !emit(c, (uint32_t)bits))
        return false;
    return (t == WASM_I32 || t == WASM_F32) || emit(c, (uint32_t)(bits >> 32));
}

/* One instruction at r->p. Sets *done after the function's final `end`. */
static bool compile_instr(comp_t *c, bool *done)
{
    wasm_reader_t *r = c->r;
    uint32_t off = (uint32_t)(r->p - r->base);
    uint8_t op;
    uint32_t a;
    if (!wasm_read_u8(r, &op))
        return false;
    if (live(c))
        c->ctrls[c->fuel_owner].fuel_count++;
    switch (op) {
    case 0x00:
        return (!live(c) || emit_op(c, WASM_OP_UNREACHABLE, off)) && set_unreachable(c);
    case 0x01:
        return true;
    case 0x02:
    case 0x03:
    case 0x04: {
        uint32_t np = 0, nr = 0;
        const uint8_t *p = NULL, *res = NULL;
        if (!read_blocktype(c, &np, &p, &nr, &res))
            return false;
        if (op == 0x04 && !pop_expect(c, WASM_I32, NULL))
            return false;
        if (!pop_n(c, np, p))
            return false;
        bool was_live = live(c);
        if (!push_ctrl(c, op == 0x02 ? K_BLOCK : op == 0x03 ? K_LOOP : K_IF, np, p, nr, res))
            return false;
        ctrl_t *t = top(c);
        if (op == 0x03) {
            t->loop_pc = c->ir_len;
            c->label_at = c->ir_len;
            t->prev_owner = c->fuel_owner;
            if (was_live) {
                c->fuel_owner = c->nctrls - 1;
                if (!emit_op(c, WASM_OP_FUEL, off))
                    return false;
                t->fuel_at = c->ir_len;
                if (!emit(c, 1))
                    return false;
            }
        } else if (op == 0x04 && was_live) {
            if (!emit_op(c, WASM_OP_BR_UNLESS, off) || !emit(c, 0))
                return false;
            t->else_patch = c->ir_len;
        }
        return true;
    }
    case 0x05:
        return op_else(c, off);
    case 0x0B:
        return op_end(c, off, done);
    case 0x0C:
    case 0x0D: {
        if (!wasm_read_u32(r, &a))
            return false;
        if (a >= c->nctrls)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown label %u", a);
        if (op == 0x0D && !pop_expect(c, WASM_I32, NULL))
            return false;
        ctrl_t *l = &c->ctrls[c->nctrls - 1 - a];
        uint32_t n = label_arity(l);
        const uint8_t *lt = label_types(l);
        if (!pop_n(c, n, lt))
            return false;
        if (op == 0x0C) {
            if (live(c)) {
                c->nvals += n; /* operands are still on the runtime stack */
                bool ok = emit_branch(c, WASM_OP_BR, WASM_OP_BR_MOVE, a, off);
                c->nvals -= n;
                if (!ok)
                    return false;
            }
            return set_unreachable(c);
        }
        if (!push_n(c, n, lt))
            return false;
        return !live(c) || emit_branch(c, WASM_OP_BR_IF, WASM_OP_BR_IF_MOVE, a, off);
    }
    case 0x0E:
        return op_br_table(c, off);
    case 0x0F: {
        ctrl_t *f = &c->ctrls[0];
        if (!pop_n(c, f->nresults, f->results))
            return false;
        if (live(c) && (!emit_op(c, WASM_OP_RETURN, off) || !emit(c, f->nresults)))
            return false;
        return set_unreachable(c);
    }
    case 0x10: {
        if (!wasm_read_u32(r, &a))
            return false;
        if (a >= c->m->nfuncs)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", a);
        const wasm_functype_t *t = &c->m->types[c->m->func_types[a]];
        if (!pop_n(c, t->nparams, t->params) || !push_n(c, t->nresults, t->results))
            return false;
        return !live(c) || (emit_op(c, WASM_OP_CALL, off) && emit(c, a));
    }
    case 0x11:
        return op_call_indirect(c, off);
    case 0x1A: {
        uint8_t t;
        if (!pop(c, &t))
            return false;
        return !live(c) || emit_op(c, WASM_OP_DROP, off);
    }
    case 0x1B:
    case 0x1C:
        return op_select(c, op == 0x1C, off);
    case 0x20:
    case 0x21:
    case 0x22:
        return op_local(c, op, off);
    case 0x23:
    case 0x24:
        return op_global(c, op, off);
    case 0x25:
    case 0x26: {
        if (!wasm_read_u32(r, &a) || !need_table(c, a))
            return false;
        uint8_t et = c->m->tables[a].elemtype;
        if (op == 0x25) {
            if (!pop_expect(c, WASM_I32, NULL) || !push(c, et))
                return false;
        } else if (!pop_expect(c, et, NULL) || !pop_expect(c, WASM_I32, NULL)) {
            return false;
        }
        return !live(c) || (emit_op(c, op == 0x25 ? WASM_OP_TABLE_GET : WASM_OP_TABLE_SET, off) && emit(c, a));
    }
    case 0x3F:
    case 0x40:
        if (!need_zero(c) || !need_memory(c))
            return false;
        if (op == 0x40 && !pop_expect(c, WASM_I32, NULL))
            return false;
        if (!push(c, WASM_I32))
            return false;
        return !live(c) || emit_op(c, op == 0x3F ? WASM_OP_MEMORY_SIZE : WASM_OP_MEMORY_GROW, off);
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44:
        return op_const(c, op, off);
    case 0xD0: {
        uint8_t t;
        if (!wasm_read_u8(r, &t))
            return false;
        if (t != WASM_FUNCREF && t != WASM_EXTERNREF)
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed reference type 0x%02x", t);
        return push(c, t) && (!live(c) || emit_op(c, WASM_OP_REF_NULL, off));
    }
    case 0xD1: {
        uint8_t t;
        if (!pop(c, &t))
            return false;
        if (t != UNKNOWN && t != WASM_FUNCREF && t != WASM_EXTERNREF)
            return wasm_fail(r, WASM_ERR_INVALID, "type mismatch (ref.is_null on a number)");
        return push(c, WASM_I32) && (!live(c) || emit_op(c, WASM_OP_REF_IS_NULL, off));
    }
    case 0xD2:
        if (!wasm_read_u32(r, &a))
            return false;
        if (a >= c->m->nfuncs)
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function %u", a);
        if (!(c->m->declared_funcs[a / 8] & (1u << (a % 8))))
            return wasm_fail(r, WASM_ERR_INVALID, "undeclared function reference %u", a);
        return push(c, WASM_FUNCREF) && (!live(c) || (emit_op(c, WASM_OP_REF_FUNC, off) && emit(c, a)));
    case 0xFC:
        return op_prefixed(c, off);
    case 0xFD:
        return wasm_fail(r, WASM_ERR_SIMD, "SIMD not supported (opcode 0xfd)");
    default:
        if (op >= 0x28 && op <= 0x3E)
            return op_memory(c, op, off);
        if (op >= 0x45 && op <= 0xC4)
            return op_numeric(c, op, WASM_OP_I32_EQZ + (op - 0x45u), off);
        return wasm_fail(r, WASM_ERR_MALFORMED, "illegal opcode 0x%02x", op);
    }
}

static bool read_locals(comp_t *c, const wasm_functype_t *t)
{
    wasm_reader_t *r = c->r;
    uint32_t groups;
    if (!wasm_read_u32(r, &groups))
        return false;
    uint64_t total = t->nparams;
    const uint8_t *save = r->p;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        uint8_t vt;
        if (!wasm_read_u32(r, &n) || !wasm_decode_valtype(r, &vt))
            return false;
        total += n;
        if (total > WASM_MAX_LOCALS)
            return wasm_fail(r, WASM_ERR_MALFORMED, "too many locals");
    }
    c->locals = malloc(total ? total : 1);
    if (!c->locals)
        return nomem(c);
    memcpy(c->locals, t->params, t->nparams);
    c->nlocals = t->nparams;
    r->p = save;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        uint8_t vt;
        wasm_read_u32(r, &n);
        wasm_decode_valtype(r, &vt);
        memset(c->locals + c->nlocals, vt, n);
        c->nlocals += n;
    }
    return true;
}

bool wasm_compile_function(wasm_reader_t *r, const wasm_module_t *m, uint32_t func_index, wasm_code_t *code)
{
    comp_t c = {.r = r, .m = m};
    const wasm_functype_t *t = &m->types[m->func_types[func_index]];
    uint32_t body_offset = (uint32_t)(r->p - r->base);
    bool ok = read_locals(&c, t);
    if (ok)
        ok = push_ctrl(&c, K_FUNC, 0, NULL, t->nresults, t->results);
    if (ok) {
        ok = emit_op(&c, WASM_OP_FUEL, body_offset);
        c.ctrls[0].fuel_at = c.ir_len;
        ok = ok && emit(&c, 1);
    }
    bool done = false;
    while (ok && !done) {
        if (r->p >= r->end) {
            ok = wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end of function body (END opcode expected)");
            break;
        }
        ok = compile_instr(&c, &done);
    }
    if (ok && r->p != r->end)
        ok = wasm_fail(r, WASM_ERR_MALFORMED, "section size mismatch (bytes after function end)");
    if (ok) {
        code->type_index = m->func_types[func_index];
        code->nlocals = c.nlocals - t->nparams;
        code->frame_slots = c.nlocals + c.max_height;
        code->ir = c.ir;
        code->ir_len = c.ir_len;
        code->pc_map = c.map;
        code->pc_map_len = c.map_len;
        code->body_offset = body_offset;
        c.ir = NULL;
        c.map = NULL;
    }
    free(c.ir);
    free(c.map);
    free(c.vals);
    free(c.ctrls);
    free(c.locals);
    return ok;
}
