;; Superinstruction families of compile.c peephole(): each export is one
;; fused idiom; test_wasm_fused.c compares it with the same arithmetic in C.
(module
  (memory 1)
  ;; bytes 0..63: 0x80 0x81 ... (sign bits set, so sign extension shows)
  (data (i32.const 0) "\80\81\82\83\84\85\86\87\88\89\8a\8b\8c\8d\8e\8f\90\91\92\93\94\95\96\97\98\99\9a\9b\9c\9d\9e\9f\a0\a1\a2\a3\a4\a5\a6\a7\a8\a9\aa\ab\ac\ad\ae\af\b0\b1\b2\b3\b4\b5\b6\b7\b8\b9\ba\bb\bc\bd\be\bf")
  (func (export "local_add") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.add)
  (func (export "local_and") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.and)
  (func (export "local_or") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.or)
  (func (export "local_xor") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.xor)
  (func (export "local_shl") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.shl)
  (func (export "local_shr_s") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.shr_s)
  (func (export "local_shr_u") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.shr_u)
  (func (export "local_mul") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.mul)
  (func (export "local_rotl") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.rotl)
  (func (export "local_rotr") (param i32) (result i32)
    local.get 0
    i32.const 0x80000013
    i32.rotr)
  (func (export "tee_add") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.add
    local.get 1
    i32.add)
  (func (export "tee_and") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.and
    local.get 1
    i32.add)
  (func (export "tee_or") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.or
    local.get 1
    i32.add)
  (func (export "tee_xor") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.xor
    local.get 1
    i32.add)
  (func (export "tee_shl") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.shl
    local.get 1
    i32.add)
  (func (export "tee_shr_s") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.shr_s
    local.get 1
    i32.add)
  (func (export "tee_shr_u") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.shr_u
    local.get 1
    i32.add)
  (func (export "tee_mul") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.mul
    local.get 1
    i32.add)
  (func (export "tee_rotl") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.rotl
    local.get 1
    i32.add)
  (func (export "tee_rotr") (param i32) (result i32) (local i32)
    local.get 0
    local.tee 1
    i32.const 0x80000013
    i32.rotr
    local.get 1
    i32.add)
  (func (export "cmp_eq") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.eq)
  (func (export "brif_eq") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.eq
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_ne") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.ne)
  (func (export "brif_ne") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.ne
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_lt_s") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.lt_s)
  (func (export "brif_lt_s") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.lt_s
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_lt_u") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.lt_u)
  (func (export "brif_lt_u") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.lt_u
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_gt_s") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.gt_s)
  (func (export "brif_gt_s") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.gt_s
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_gt_u") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.gt_u)
  (func (export "brif_gt_u") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.gt_u
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_le_s") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.le_s)
  (func (export "brif_le_s") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.le_s
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_le_u") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.le_u)
  (func (export "brif_le_u") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.le_u
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_ge_s") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.ge_s)
  (func (export "brif_ge_s") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.ge_s
      br_if 0
      drop
      i32.const 0))
  (func (export "cmp_ge_u") (param i32) (result i32)
    local.get 0
    i32.const -5
    i32.ge_u)
  (func (export "brif_ge_u") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      i32.const -5
      i32.ge_u
      br_if 0
      drop
      i32.const 0))
  (func (export "ll_i32_load8_s") (param i32) (result i32)
    local.get 0
    i32.const 0x20
    i32.add
    i32.load8_s offset=3)
  (func (export "al_i32_load8_s") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.xor
    i32.const 0x20
    i32.add
    i32.load8_s offset=3)
  (func (export "ll_i32_load8_u") (param i32) (result i32)
    local.get 0
    i32.const 0x20
    i32.add
    i32.load8_u offset=3)
  (func (export "al_i32_load8_u") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.xor
    i32.const 0x20
    i32.add
    i32.load8_u offset=3)
  (func (export "ll_i32_load16_s") (param i32) (result i32)
    local.get 0
    i32.const 0x20
    i32.add
    i32.load16_s offset=3)
  (func (export "al_i32_load16_s") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.xor
    i32.const 0x20
    i32.add
    i32.load16_s offset=3)
  (func (export "ll_i32_load16_u") (param i32) (result i32)
    local.get 0
    i32.const 0x20
    i32.add
    i32.load16_u offset=3)
  (func (export "al_i32_load16_u") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.xor
    i32.const 0x20
    i32.add
    i32.load16_u offset=3)
  (func (export "ll_i32_load") (param i32) (result i32)
    local.get 0
    i32.const 0x20
    i32.add
    i32.load offset=3)
  (func (export "al_i32_load") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.xor
    i32.const 0x20
    i32.add
    i32.load offset=3)
  (func (export "ll_f64_load") (param i32) (result i32)
    local.get 0
    i32.const 0x20
    i32.add
    f64.load offset=3
    i64.reinterpret_f64
    i32.wrap_i64)
  (func (export "al_f64_load") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.xor
    i32.const 0x20
    i32.add
    f64.load offset=3
    i64.reinterpret_f64
    i32.wrap_i64)
  (func $count (export "count") (param i32) (result i32) (local i32)
    (loop
      local.get 1
      i32.const 1
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.set 0
      local.get 0
      i32.const 0
      i32.gt_s
      br_if 0)
    local.get 1)
  ;; a call made when the budget is spent stops at the callee's entry
  (func (export "outer") (param i32) (result i32)
    local.get 0
    call $count
    i32.const 1
    i32.add)
  (func (export "l2_add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "l2_sub") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.sub)
  (func (export "l2_and") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.and)
  (func (export "l2_or") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.or)
  (func (export "l2_xor") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.xor)
  (func (export "l2_mul") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.mul)
  (func (export "l2f_add") (param f64 f64) (result f64)
    local.get 0
    local.get 1
    f64.add)
  (func (export "l2f_sub") (param f64 f64) (result f64)
    local.get 0
    local.get 1
    f64.sub)
  (func (export "l2f_mul") (param f64 f64) (result f64)
    local.get 0
    local.get 1
    f64.mul)
  ;; 3a - b through local.set/get twice (LOCAL_SET_GET2)
  (func (export "setget2") (param i32 i32) (result i32) (local i32 i32)
    local.get 0
    i32.const 3
    i32.mul
    local.set 2
    local.get 1
    local.set 3
    local.get 2
    local.get 3
    i32.sub)
  ;; a - b through two local copies (LOCAL_COPY2)
  (func (export "copy2") (param i32 i32) (result i32) (local i32 i32)
    local.get 0
    local.set 2
    local.get 1
    local.set 3
    local.get 2
    local.get 3
    i32.sub)
  ;; (a ^ b) + 7 stored (I32_ADD_IMM_SET), then doubled through a tee
  (func (export "addimm_set") (param i32 i32) (result i32) (local i32)
    local.get 0
    local.get 1
    i32.xor
    i32.const 7
    i32.add
    local.set 2
    local.get 2)
  (func (export "addimm_tee") (param i32 i32) (result i32) (local i32)
    local.get 0
    local.get 1
    i32.xor
    i32.const 7
    i32.add
    local.tee 2
    local.get 2
    i32.add)
)
