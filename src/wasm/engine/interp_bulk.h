/*
 * interp_bulk.h -- the bulk memory and table handlers of the dispatch loop
 * (memory.init/copy/fill, table.init/copy/grow/fill ...), included once inside
 * wasm_interp_run() in interp.c: it uses that function's pc, sp, fp, mem,
 * memsize, fuel and labels; it is not a header for any other file.
 */
#ifndef WASM_INTERP_INSIDE_RUN
#error "interp_bulk.h is a fragment of wasm_interp_run() (interp.c)"
#endif

/* Bulk instructions: bounds are checked on the whole range first (a
 * trap writes nothing, spec 4.4.7), then they go as far as the fuel
 * pays for (one unit per WASM_FUEL_BULK_BYTES bytes, per element for
 * tables); the rest stays on the stack as a shorter instruction that
 * wasm_resume() re-executes, so none runs past its slice. */
OP(MEMORY_INIT)
{
    const uint32_t *at = pc - 1;
    uint32_t seg = *pc++;
    const wasm_data_t *d = &inst->module->datas[seg];
    uint32_t n = sp[-1].u32, s = sp[-2].u32, dst = sp[-3].u32;
    uint64_t len = inst->data_dropped[seg] ? 0 : d->len;
    if ((uint64_t)s + n > len || (uint64_t)dst + n > memsize) {
        sp -= 3;
        TRAP(WASM_TRAP_MEMORY_OOB);
    }
    uint32_t k = bulk_take(&fuel, n, WASM_FUEL_BULK_BYTES);
    if (k)
        memcpy(mem + dst, d->bytes + s, k);
    if (k < n) {
        sp[-1].u64 = n - k;
        sp[-2].u64 = s + k;
        sp[-3].u64 = dst + k;
        PREEMPT_AT(at);
    }
    sp -= 3;
    NEXT();
}
OP(DATA_DROP)
{
    inst->data_dropped[*pc++] = 1;
    NEXT();
}
OP(MEMORY_COPY)
{
    uint32_t n = sp[-1].u32, s = sp[-2].u32, d = sp[-3].u32;
    if ((uint64_t)s + n > memsize || (uint64_t)d + n > memsize) {
        sp -= 3;
        TRAP(WASM_TRAP_MEMORY_OOB);
    }
    uint32_t k = bulk_take(&fuel, n, WASM_FUEL_BULK_BYTES);
    if (k < n && d > s) {
        /* copying upwards: the tail first, so the source's head, still
         * to be copied, is not overwritten (memmove's direction) */
        if (k)
            memmove(mem + d + (n - k), mem + s + (n - k), k);
        sp[-1].u64 = n - k;
        PREEMPT_AT(pc - 1);
    }
    if (k)
        memmove(mem + d, mem + s, k);
    if (k < n) {
        sp[-1].u64 = n - k;
        sp[-2].u64 = s + k;
        sp[-3].u64 = d + k;
        PREEMPT_AT(pc - 1);
    }
    sp -= 3;
    NEXT();
}
OP(MEMORY_FILL)
{
    uint32_t n = sp[-1].u32, v = sp[-2].u32, d = sp[-3].u32;
    if ((uint64_t)d + n > memsize) {
        sp -= 3;
        TRAP(WASM_TRAP_MEMORY_OOB);
    }
    uint32_t k = bulk_take(&fuel, n, WASM_FUEL_BULK_BYTES);
    if (k)
        memset(mem + d, (int)(v & 0xFF), k);
    if (k < n) {
        sp[-1].u64 = n - k;
        sp[-3].u64 = d + k;
        PREEMPT_AT(pc - 1);
    }
    sp -= 3;
    NEXT();
}
OP(TABLE_INIT)
{
    const uint32_t *at = pc - 1;
    uint32_t seg = pc[0];
    wasm_table_t *t = tables[pc[1]];
    pc += 2;
    const wasm_elem_t *e = &inst->module->elems[seg];
    uint32_t n = sp[-1].u32, s = sp[-2].u32, d = sp[-3].u32;
    uint64_t len = inst->elem_dropped[seg] ? 0 : e->count;
    if ((uint64_t)s + n > len || (uint64_t)d + n > t->size) {
        sp -= 3;
        TRAP(WASM_TRAP_TABLE_OOB);
    }
    uint32_t k = bulk_take(&fuel, n, 1);
    for (uint32_t i = 0; i < k; i++)
        t->elems[d + i] = wasm_instance_eval_ref(inst, &e->items[s + i]);
    if (k < n) {
        sp[-1].u64 = n - k;
        sp[-2].u64 = s + k;
        sp[-3].u64 = d + k;
        PREEMPT_AT(at);
    }
    sp -= 3;
    NEXT();
}
OP(ELEM_DROP)
{
    inst->elem_dropped[*pc++] = 1;
    NEXT();
}
OP(TABLE_COPY)
{
    const uint32_t *at = pc - 1;
    wasm_table_t *td = tables[pc[0]], *ts = tables[pc[1]];
    pc += 2;
    uint32_t n = sp[-1].u32, s = sp[-2].u32, d = sp[-3].u32;
    if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size) {
        sp -= 3;
        TRAP(WASM_TRAP_TABLE_OOB);
    }
    uint32_t k = bulk_take(&fuel, n, 1);
    if (k < n && td == ts && d > s) { /* upwards within one table: tail first */
        if (k)
            memmove(td->elems + d + (n - k), ts->elems + s + (n - k),
                    (size_t)k * sizeof *td->elems);
        sp[-1].u64 = n - k;
        PREEMPT_AT(at);
    }
    if (k)
        memmove(td->elems + d, ts->elems + s, (size_t)k * sizeof *td->elems);
    if (k < n) {
        sp[-1].u64 = n - k;
        sp[-2].u64 = s + k;
        sp[-3].u64 = d + k;
        PREEMPT_AT(at);
    }
    sp -= 3;
    NEXT();
}
OP(TABLE_GROW)
{
    /* Not split, like memory.grow: charged per element once it grew. */
    if (fuel <= 0)
        PREEMPT_AT(pc - 1);
    wasm_table_t *t = tables[*pc++];
    uint32_t n = sp[-1].u32;
    uintptr_t init = sp[-2].ref;
    sp--;
    int32_t old = wasm_table_grow_elems(t, n, init);
    if (old >= 0)
        fuel -= n;
    sp[-1].u64 = (uint32_t)old;
    NEXT();
}
OP(TABLE_SIZE)
{
    (sp++)->u64 = tables[*pc++]->size;
    NEXT();
}
OP(TABLE_FILL)
{
    const uint32_t *at = pc - 1;
    wasm_table_t *t = tables[*pc++];
    uint32_t n = sp[-1].u32, i = sp[-3].u32;
    uintptr_t v = sp[-2].ref;
    if ((uint64_t)i + n > t->size) {
        sp -= 3;
        TRAP(WASM_TRAP_TABLE_OOB);
    }
    uint32_t k = bulk_take(&fuel, n, 1);
    for (uint32_t j = 0; j < k; j++)
        t->elems[i + j] = v;
    if (k < n) {
        sp[-1].u64 = n - k;
        sp[-3].u64 = i + k;
        PREEMPT_AT(at);
    }
    sp -= 3;
    NEXT();
}
