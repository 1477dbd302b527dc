;; Functions whose bodies compile to the slot-addressed ops of compile.c
;; (a local.get read in place, a result written straight to a local), each
;; with an aliasing hazard the compiler must respect. test_wasm_slots.c
;; checks each against the same computation in C.
(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (memory 1)
  ;; the pending local.get 0 must be read before local.set 0 overwrites it
  (func (export "get_then_set") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    local.set 0
    local.get 0
    i32.sub)
  ;; a slot add retargeted to local 0 by the tee, then read as an alias
  (func (export "tee_retarget") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add
    local.tee 0
    local.get 0
    i32.mul)
  ;; the set target is also an operand of the retargeted op
  (func (export "set_own_operand") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.sub
    local.set 1
    local.get 1
    local.get 0
    i32.xor)
  ;; a pending alias below a materialised constant
  (func (export "alias_under_const") (param i32 i32) (result i32)
    local.get 0
    i32.const 7
    local.get 1
    i32.add
    i32.mul)
  ;; more pending local.gets than the compiler keeps (8): the oldest are
  ;; emitted, the rest read in place
  (func (export "many_pending") (param i32 i32) (result i32)
    local.get 0 local.get 1 local.get 0 local.get 1 local.get 0
    local.get 1 local.get 0 local.get 1 local.get 0 local.get 1
    i32.sub i32.sub i32.sub i32.sub i32.sub
    i32.sub i32.sub i32.sub i32.sub)
  ;; a plain load with a stack address retargeted to local 1 by the tee
  (func (export "load_tee") (param i32 i32) (result i32)
    local.get 0
    i32.const 4
    i32.add
    i32.load
    local.tee 1
    local.get 1
    i32.add)
  ;; slot compares feeding if (negated branch) and br_if
  (func (export "cmp_if") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.lt_s
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end)
  (func (export "f64_ops") (param f64 f64) (result f64)
    (local f64)
    local.get 0
    local.get 1
    f64.mul
    local.set 2
    local.get 2
    local.get 0
    f64.div
    local.get 1
    f64.sub)
  ;; the address comes from a pending local: out of bounds traps at the load
  (func $trap_load (export "trap_load") (param i32) (result i32)
    (local i32)
    local.get 0
    i32.load offset=16
    local.set 1
    local.get 1)
  ;; counts to n with a slot compare-and-branch as the loop's back-edge
  (func (export "count") (param i32) (result i32)
    (local i32)
    loop
      local.get 1
      i32.const 1
      i32.add
      local.set 1
      local.get 1
      local.get 0
      i32.lt_u
      br_if 0
    end
    local.get 1)
  ;; a host call that may suspend between slot ops
  (func (export "around_host") (param i32 i32) (result i32)
    (local i32)
    local.get 0
    local.get 1
    i32.add
    local.set 2
    local.get 1
    call $h
    local.get 2
    i32.mul
    local.get 0
    i32.sub)
;; a local tested in place: local.get; i32.eqz; br_if and local.get; if
  (func (export "local_unless") (param i32 i32) (result i32)
    block
      local.get 0
      i32.eqz
      br_if 0
      local.get 1
      if
        i32.const 3
        return
      end
      i32.const 2
      return
    end
    i32.const 1)
;; i64 slot ops (round 4): pending aliases read in place, local.set
;; retargets, a stack operand under an alias, every shift/rotate
  (func (export "i64_mix") (param i64 i64) (result i64) (local i64)
    local.get 0
    local.get 1
    i64.add
    local.set 2
    local.get 2
    local.get 1
    i64.rotl
    local.get 0
    i64.xor
    local.get 0
    local.get 1
    i64.mul
    i64.sub
    local.get 0
    local.get 1
    i64.shr_u
    local.get 0
    local.get 1
    i64.shr_s
    i64.or
    i64.xor
    local.get 2
    local.get 1
    i64.shl
    i64.add
    local.get 0
    local.get 1
    i64.rotr
    i64.add
    local.get 0
    local.get 1
    i64.and
    i64.sub
    local.get 1
    local.get 0
    i64.or
    i64.add)
;; the operand below a slot op is read before local.set overwrites its local
  (func (export "i64_alias") (param i64 i64) (result i64)
    local.get 0
    local.get 1
    local.get 0
    i64.sub
    local.set 0
    local.get 0
    i64.add)
;; all ten i64 compares as slot ops, one bit each; then one under br_if
;; and one under if
  (func (export "i64_cmps") (param i64 i64) (result i32)
    local.get 0
    local.get 1
    i64.eq
    local.get 0
    local.get 1
    i64.ne
    i32.const 1
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.lt_s
    i32.const 2
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.lt_u
    i32.const 3
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.gt_s
    i32.const 4
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.gt_u
    i32.const 5
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.le_s
    i32.const 6
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.le_u
    i32.const 7
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.ge_s
    i32.const 8
    i32.shl
    i32.or
    local.get 0
    local.get 1
    i64.ge_u
    i32.const 9
    i32.shl
    i32.or
    block (param i32) (result i32)
      local.get 0
      local.get 1
      i64.lt_u
      br_if 0
      i32.const 1024
      i32.or
    end
    local.get 1
    local.get 0
    i64.gt_s
    if (param i32) (result i32)
      i32.const 2048
      i32.or
    end)
;; i32 rotates as slot ops, one retargeted by local.tee
  (func (export "i32_rot") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.rotl
    local.tee 0
    local.get 1
    local.get 0
    i32.rotr
    i32.xor)
;; slot stores: address and value pending, value pending over a computed
;; address, every width; then the stored bytes are read back
  (func (export "stores") (param i32 i64 f64)
    local.get 0
    local.get 1
    i64.store offset=16
    local.get 0
    local.get 2
    f64.store offset=24
    local.get 0
    local.get 0
    i32.store offset=4
    local.get 0
    i32.const 4
    i32.add
    local.get 0
    i32.store8 offset=4
    local.get 0
    local.get 0
    i32.store16 offset=10)
;; a slot store out of bounds traps at the store
  (func $trap_store (export "trap_store") (param i32 i32)
    local.get 0
    local.get 1
    i32.store offset=16)
;; round-4 stack fusions: local shift/rotate by a constant xor-ed into the
;; top, shr_u then and with constants, xor then add
  (func (export "fuse_chain") (param i32 i32) (result i32)
    local.get 1
    local.get 0
    i32.const 7
    i32.rotl
    i32.xor
    local.get 0
    i32.const 13
    i32.rotr
    i32.xor
    local.get 0
    i32.const 3
    i32.shl
    i32.xor
    local.get 0
    i32.const 10
    i32.shr_u
    i32.xor
    i32.const 5
    i32.shr_u
    i32.const 0x3ff
    i32.and
    local.get 0
    i32.const 1
    i32.add
    local.get 1
    i32.const 2
    i32.mul
    i32.xor
    i32.add)
;; select under a condition computed with a constant (crc's loop)
  (func (export "select_imm") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    local.get 0
    local.get 1
    i32.add
    i32.const 1
    i32.and
    select
    local.get 1
    local.get 0
    local.get 1
    i32.const 3
    i32.shl
    i32.const 0
    i32.lt_s
    select
    i32.xor)
)
