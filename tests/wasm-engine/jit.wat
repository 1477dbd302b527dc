;; Functions that exercise the JIT (jit_x64.c) where it differs most from
;; the interpreter: lazy operands and their registers, exits on traps, the
;; hand-over at calls, returns and br_table, fuel at back-edges, memory
;; growth seen after an exit. test_wasm_jit.c runs each export with the JIT
;; on and off over a grid of inputs and requires the same results and the
;; same trap messages. Every export takes (i64 a, i64 b) and returns i64.
(module
  (memory 1 4)
  (table 6 funcref)
  (global $g (mut i64) (i64.const 7))
  (type $ii (func (param i64 i64) (result i64)))
  (type $i (func (param i32) (result i32)))
  (elem (i32.const 0) $t_add $t_sub $t_i32 $t_add)

  (func $t_add (type $ii) (i64.add (local.get 0) (local.get 1)))
  (func $t_sub (type $ii) (i64.sub (local.get 0) (local.get 1)))
  (func $t_i32 (type $i) (i32.mul (local.get 0) (i32.const 3)))

  ;; i32 arithmetic, compares and extends on two operands
  (func (export "i32_mix") (param $a i64) (param $b i64) (result i64)
    (local $x i32) (local $y i32) (local $r i32)
    (local.set $x (i32.wrap_i64 (local.get $a)))
    (local.set $y (i32.wrap_i64 (local.get $b)))
    (local.set $r (i32.add (local.get $x) (local.get $y)))
    (local.set $r (i32.xor (local.get $r) (i32.sub (local.get $x) (local.get $y))))
    (local.set $r (i32.add (local.get $r) (i32.mul (local.get $x) (local.get $y))))
    (local.set $r (i32.add (local.get $r) (i32.mul (local.get $x) (i32.const -7))))
    (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $x) (local.get $y))))
    (local.set $r (i32.add (local.get $r) (i32.shr_s (local.get $x) (local.get $y))))
    (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $x) (i32.const 3))))
    (local.set $r (i32.add (local.get $r) (i32.rotl (local.get $x) (local.get $y))))
    (local.set $r (i32.xor (local.get $r) (i32.rotr (local.get $y) (i32.const 5))))
    (local.set $r (i32.add (local.get $r) (i32.and (local.get $x) (i32.const 0xF0F0F0F0))))
    (local.set $r (i32.add (local.get $r) (i32.or (local.get $y) (local.get $x))))
    (local.set $r (i32.add (local.get $r) (i32.lt_s (local.get $x) (local.get $y))))
    (local.set $r (i32.add (local.get $r) (i32.shl (i32.lt_u (local.get $x) (local.get $y)) (i32.const 1))))
    (local.set $r (i32.add (local.get $r) (i32.shl (i32.ge_s (local.get $x) (i32.const -1)) (i32.const 2))))
    (local.set $r (i32.add (local.get $r) (i32.shl (i32.eqz (local.get $y)) (i32.const 3))))
    (local.set $r (i32.add (local.get $r) (i32.extend8_s (local.get $x))))
    (local.set $r (i32.add (local.get $r) (i32.extend16_s (local.get $y))))
    (local.set $r (i32.add (local.get $r) (i32.clz (local.get $x))))
    (local.set $r (i32.add (local.get $r) (i32.shl (i32.ctz (local.get $y)) (i32.const 6))))
    (local.set $r (i32.add (local.get $r) (i32.shl (i32.popcnt (local.get $x)) (i32.const 12))))
    (i64.add
      (i64.extend_i32_u (local.get $r))
      (i64.shl (i64.extend_i32_s (local.get $x)) (i64.const 20))))

  ;; i64 arithmetic, compares, extends
  (func (export "i64_mix") (param $a i64) (param $b i64) (result i64)
    (local $r i64)
    (local.set $r (i64.add (local.get $a) (local.get $b)))
    (local.set $r (i64.xor (local.get $r) (i64.mul (local.get $a) (local.get $b))))
    (local.set $r (i64.add (local.get $r) (i64.mul (local.get $a) (i64.const 0x123456789))))
    (local.set $r (i64.sub (local.get $r) (i64.rotl (local.get $a) (local.get $b))))
    (local.set $r (i64.xor (local.get $r) (i64.shr_s (local.get $b) (local.get $a))))
    (local.set $r (i64.add (local.get $r) (i64.shr_u (local.get $a) (i64.const 61))))
    (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (i64.lt_s (local.get $a) (local.get $b)))))
    (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (i64.gt_u (local.get $a) (local.get $b)))))
    (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (i64.eqz (local.get $b)))))
    (local.set $r (i64.add (local.get $r) (i64.extend8_s (local.get $a))))
    (local.set $r (i64.add (local.get $r) (i64.extend16_s (local.get $b))))
    (local.set $r (i64.add (local.get $r) (i64.extend32_s (local.get $a))))
    (local.set $r (i64.add (local.get $r) (i64.clz (local.get $b))))
    (local.set $r (i64.add (local.get $r) (i64.shl (i64.ctz (local.get $a)) (i64.const 7))))
    (local.set $r (i64.add (local.get $r) (i64.shl (i64.popcnt (local.get $b)) (i64.const 14))))
    (i64.and (local.get $r) (i64.const 0x7FFFFFFFFFFFFFFF)))

  ;; division: traps (zero, INT_MIN / -1) leave to the interpreter
  (func (export "div_s32") (param i64 i64) (result i64)
    (i64.extend_i32_s (i32.div_s (i32.wrap_i64 (local.get 0)) (i32.wrap_i64 (local.get 1)))))
  (func (export "div_u32") (param i64 i64) (result i64)
    (i64.extend_i32_u (i32.div_u (i32.wrap_i64 (local.get 0)) (i32.wrap_i64 (local.get 1)))))
  (func (export "rem_s32") (param i64 i64) (result i64)
    (i64.extend_i32_s (i32.rem_s (i32.wrap_i64 (local.get 0)) (i32.wrap_i64 (local.get 1)))))
  (func (export "rem_u32") (param i64 i64) (result i64)
    (i64.extend_i32_u (i32.rem_u (i32.wrap_i64 (local.get 0)) (i32.wrap_i64 (local.get 1)))))
  (func (export "div_s64") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "div_u64") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s64") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))

  ;; more live values than registers: the lowest go to their slots
  (func (export "pressure") (param $a i64) (param $b i64) (result i64)
    (i64.add (i64.mul (local.get $a) (i64.const 3))
    (i64.add (i64.mul (local.get $b) (i64.const 5))
    (i64.add (i64.xor (local.get $a) (local.get $b))
    (i64.add (i64.sub (local.get $a) (local.get $b))
    (i64.add (i64.mul (local.get $a) (local.get $a))
    (i64.add (i64.mul (local.get $b) (local.get $b))
    (i64.add (i64.or (local.get $a) (i64.const 9))
    (i64.add (i64.and (local.get $b) (i64.const 0xFF))
    (i64.add (i64.shl (local.get $a) (i64.const 2))
    (i64.add (i64.shr_u (local.get $b) (i64.const 3))
    (i64.add (i64.rotl (local.get $a) (i64.const 7))
    (i64.add (i64.rotr (local.get $b) (i64.const 9))
    (i64.add (i64.add (local.get $a) (i64.const 11))
    (i64.add (i64.sub (local.get $b) (i64.const 13))
    (i64.add (i64.mul (local.get $a) (i64.const 17))
             (i64.mul (local.get $b) (i64.const 19))))))))))))))))))

  ;; a local read (lazily) before it is written, and a tee of it
  (func (export "alias") (param $a i64) (param $b i64) (result i64)
    (local.get $a)
    (local.set $a (i64.add (local.get $a) (local.get $b)))
    (local.get $a)
    (local.tee $b (i64.mul (local.get $b) (i64.const 3)))
    (local.set $a (i64.const 1))
    (i64.add)
    (i64.add)
    (local.get $a)
    (i64.add))

  ;; a state machine: br_table with values carried out of blocks
  (func (export "machine") (param $a i64) (param $b i64) (result i64)
    (local $s i32) (local $n i32) (local $acc i64)
    (local.set $n (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 255)))
    (local.set $s (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 7)))
    (local.set $acc (local.get $a))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $acc
          (i64.add (local.get $acc)
            (block $out (result i64)
              (block $c3
                (block $c2
                  (block $c1
                    (block $c0
                      (br_table $c0 $c1 $c2 $c3 (local.get $s)))
                    (local.set $s (i32.const 2))
                    (br $out (i64.const 3)))
                  (local.set $s (i32.const 0))
                  (br $out (i64.mul (local.get $acc) (i64.const 5))))
                (local.set $s (i32.const 3))
                (br $out (i64.xor (local.get $acc) (i64.const 0x55))))
              (local.set $s (i32.and (i32.add (local.get $s) (i32.const 1)) (i32.const 7)))
              (i64.const 1))))
        (br $top)))
    (local.get $acc))

  ;; every load and store width at a + offset (wrapping at 32 bits before
  ;; the offset; out of bounds traps and writes nothing)
  (func (export "memory") (param $a i64) (param $b i64) (result i64)
    (local $p i32)
    (local.set $p (i32.wrap_i64 (local.get $a)))
    (i64.store offset=8 (local.get $p) (local.get $b))
    (i32.store8 offset=1 (local.get $p) (i32.wrap_i64 (local.get $b)))
    (i32.store16 offset=2 (local.get $p) (i32.const 0xBEEF))
    (i64.store32 offset=4 (local.get $p) (i64.const -2))
    (i64.add
      (i64.load offset=8 (local.get $p))
      (i64.add
        (i64.extend_i32_u (i32.load8_s offset=1 (local.get $p)))
        (i64.add
          (i64.load16_s offset=2 (local.get $p))
          (i64.add (i64.load32_u offset=4 (local.get $p))
                   (i64.load8_u offset=9 (local.get $p)))))))

  ;; f64 and f32: NaN-aware compares feeding branches, select, conversion
  (func (export "floats") (param $a i64) (param $b i64) (result i64)
    (local $x f64) (local $y f64) (local $r i64) (local $f f32)
    (local.set $x (f64.reinterpret_i64 (local.get $a)))
    (local.set $y (f64.convert_i64_s (local.get $b)))
    (if (f64.lt (local.get $x) (local.get $y)) (then (local.set $r (i64.const 1))))
    (if (f64.ge (local.get $x) (local.get $y)) (then (local.set $r (i64.add (local.get $r) (i64.const 2)))))
    (if (f64.eq (local.get $x) (local.get $x)) (then (local.set $r (i64.add (local.get $r) (i64.const 4)))))
    (if (f64.ne (local.get $x) (local.get $y)) (then (local.set $r (i64.add (local.get $r) (i64.const 8)))))
    (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (f64.gt (local.get $x) (local.get $y)))))
    (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (f64.le (local.get $x) (f64.const 1.5)))))
    (local.set $x (select (local.get $x) (local.get $y) (i32.wrap_i64 (local.get $b))))
    (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (f64.sqrt (f64.abs (local.get $y)))))
    (local.set $f (f32.demote_f64 (f64.neg (local.get $x))))
    (local.set $f (f32.div (f32.add (local.get $f) (f32.const 1.25)) (f32.const 3)))
    (i64.add
      (i64.add (local.get $r) (i64.shl (i64.reinterpret_f64 (local.get $x)) (i64.const 4)))
      (i64.extend_i32_u (i32.reinterpret_f32 (local.get $f)))))

  ;; truncations: out of range and NaN trap, INT_MIN itself does not
  (func (export "trunc32") (param i64 i64) (result i64)
    (i64.extend_i32_s (i32.trunc_f64_s (f64.reinterpret_i64 (local.get 0)))))
  (func (export "trunc32u") (param i64 i64) (result i64)
    (i64.extend_i32_u (i32.trunc_f64_u (f64.reinterpret_i64 (local.get 0)))))
  (func (export "trunc64") (param i64 i64) (result i64)
    (i64.trunc_f64_s (f64.reinterpret_i64 (local.get 0))))
  (func (export "trunc_f32") (param i64 i64) (result i64)
    (i64.extend_i32_s (i32.trunc_f32_s (f32.demote_f64 (f64.reinterpret_i64 (local.get 0))))))

  ;; recursion deeper than the machine stack calls may use (4096), and
  ;; over the call-depth limit: "call stack exhausted"
  (func $deep (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 0))
      (else (i64.add (local.get $n) (call $deep (i64.sub (local.get $n) (i64.const 1)))))))
  (func (export "deep") (param i64 i64) (result i64)
    (call $deep (i64.and (local.get 0) (i64.const 0x7FFF))))

  ;; call_indirect: results, out of range, null, wrong type
  (func (export "indirect") (param $a i64) (param $b i64) (result i64)
    (call_indirect (type $ii) (local.get $a) (local.get $b)
      (i32.wrap_i64 (i64.and (local.get $b) (i64.const 0xFF)))))

  ;; several results through a call made in machine code
  (func $pair (param $a i64) (param $b i64) (result i64 i64)
    (i64.add (local.get $a) (local.get $b)) (i64.sub (local.get $a) (local.get $b)))
  (func (export "multi") (param $a i64) (param $b i64) (result i64)
    (call $pair (local.get $a) (local.get $b))
    (i64.mul))

  ;; memory.grow leaves machine code; the loads after it see the new size
  (func (export "grow") (param $a i64) (param $b i64) (result i64)
    (local $i i32) (local $top i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 3))))
        (drop (memory.grow (i32.const 1)))
        (local.set $top (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 8)))
        (i64.store (local.get $top) (i64.add (local.get $b) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i64.add (i64.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 8)))
             (i64.extend_i32_u (memory.size))))

  ;; memory.fill and memory.copy: in bounds, out of bounds (trap, nothing
  ;; written), overlapping both ways; a checksum of the bytes around
  (func (export "bulk") (param $a i64) (param $b i64) (result i64)
    (local $d i32) (local $n i32) (local $i i32) (local $sum i64)
    (local.set $d (i32.wrap_i64 (local.get $a)))
    (local.set $n (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 0x3FF)))
    (memory.fill (local.get $d) (i32.wrap_i64 (local.get $b)) (local.get $n))
    (memory.copy (i32.add (local.get $d) (i32.const 3)) (local.get $d) (local.get $n))
    (memory.copy (local.get $d) (i32.add (local.get $d) (i32.const 5)) (local.get $n))
    (memory.fill (i32.const 100) (i32.const 0xAB) (i32.const 7))
    (memory.copy (i32.const 200) (i32.const 96) (i32.const 16))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.const 64)))
        (local.set $sum (i64.add (i64.mul (local.get $sum) (i64.const 31))
          (i64.load8_u (i32.add (i32.and (local.get $d) (i32.const 0xFFFF)) (local.get $i)))))
        (local.set $sum (i64.add (local.get $sum) (i64.load8_u offset=190 (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum))

  ;; more locals set from registers than there are registers: each set
  ;; leaves its register caching the local, so later values must take
  ;; registers that cache a local (and the cache must forget them)
  (func (export "cache") (param $a i64) (param $b i64) (result i64)
    (local $l0 i64) (local $l1 i64) (local $l2 i64) (local $l3 i64) (local $l4 i64)
    (local $l5 i64) (local $l6 i64) (local $l7 i64) (local $l8 i64) (local $l9 i64)
    (local $x f64) (local $y f64) (local $z f64) (local $w f64) (local $u f64)
    (local $v f64) (local $t f64) (local $s f64)
    (local.set $l0 (i64.add (local.get $a) (i64.const 1)))
    (local.set $l1 (i64.mul (local.get $a) (i64.const 3)))
    (local.set $l2 (i64.xor (local.get $b) (local.get $a)))
    (local.set $l3 (i64.add (local.get $b) (i64.const 7)))
    (local.set $l4 (i64.sub (local.get $a) (local.get $b)))
    (local.set $l5 (i64.or (local.get $a) (local.get $b)))
    (local.set $l6 (i64.and (local.get $a) (local.get $b)))
    (local.set $l7 (i64.shl (local.get $a) (i64.const 3)))
    (local.set $l8 (i64.shr_u (local.get $b) (i64.const 2)))
    (local.set $l9 (i64.add (local.get $a) (local.get $b)))
    (local.set $x (f64.convert_i64_s (local.get $a)))
    (local.set $y (f64.mul (local.get $x) (f64.const 1.5)))
    (local.set $z (f64.add (local.get $x) (local.get $y)))
    (local.set $w (f64.sub (local.get $y) (f64.const 3)))
    (local.set $u (f64.mul (local.get $z) (local.get $w)))
    (local.set $v (f64.div (local.get $u) (f64.const 7)))
    (local.set $t (f64.add (local.get $v) (local.get $x)))
    (local.set $s (f64.sub (local.get $t) (local.get $y)))
    ;; ops that write registers directly (div: rax, rdx; fill: rax, rdi)
    (local.set $l9 (i64.add (local.get $l9)
      (i64.div_u (local.get $a) (i64.or (local.get $b) (i64.const 1)))))
    (memory.fill (i32.const 300) (i32.wrap_i64 (local.get $b)) (i32.const 4))
    (i64.add
      (i64.add
        (i64.add (local.get $l0) (i64.mul (local.get $l1) (local.get $l2)))
        (i64.add (i64.xor (local.get $l3) (local.get $l4))
                 (i64.add (i64.mul (local.get $l5) (i64.const 5)) (local.get $l6))))
      (i64.add
        (i64.add (i64.rotl (local.get $l7) (i64.const 9)) (i64.mul (local.get $l8) (local.get $l9)))
        (i64.reinterpret_f64
          (f64.add (f64.add (local.get $x) (local.get $y))
            (f64.add (f64.mul (local.get $z) (local.get $w))
              (f64.add (local.get $u) (f64.mul (local.get $v) (f64.sub (local.get $t) (local.get $s))))))))))

  ;; a local cached in rax, then a division (which writes rax and rdx)
  (func (export "divcache") (param $a i64) (param $b i64) (result i64)
    (local $l0 i64) (local $q i64)
    (local.set $l0 (i64.add (local.get $a) (i64.const 1)))
    (local.set $q (i64.rem_u (local.get $a) (i64.or (local.get $b) (i64.const 1))))
    (i64.add (local.get $l0) (i64.mul (local.get $q) (i64.const 1000))))

  ;; globals, and a counted loop that fuel can preempt
  (func (export "loop") (param $a i64) (param $b i64) (result i64)
    (local $i i64)
    (global.set $g (local.get $a))
    (loop $l
      (global.set $g (i64.add (i64.mul (global.get $g) (i64.const 31)) (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.and (local.get $b) (i64.const 0xFFF)))))
    (global.get $g))

  ;; locals kept in registers around loops (jit_x64_labels.h). The three
  ;; sets of $x and $y leave them, at the back-edge, in each other's
  ;; header registers: a cycle of moves; the same with $f and $g in xmm
  ;; registers. An if/else and a br_if out of a block inside the loop are
  ;; forward labels with register sets of their own.
  (func (export "carried") (param $a i64) (param $b i64) (result i64)
    (local $i i32) (local $n i32) (local $x i64) (local $y i64) (local $f f64) (local $g f64)
    (local.set $n (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 0xFF)))
    (local.set $x (local.get $a))
    (local.set $f (f64.convert_i64_s (local.get $a)))
    (loop $l0
      (local.set $y (i64.add (local.get $x) (i64.const 1)))
      (local.set $x (i64.mul (local.get $y) (i64.const 3)))
      (local.set $y (i64.xor (local.get $y) (local.get $x)))
      (local.set $g (f64.add (local.get $f) (f64.const 1.5)))
      (local.set $f (f64.mul (local.get $g) (f64.const 0.75)))
      (local.set $g (f64.sub (local.get $g) (local.get $f)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l0 (i32.lt_u (local.get $i) (local.get $n))))
    (block $done
      (loop $l
        (local.set $y (i64.add (local.get $x) (i64.const 1)))
        (local.set $x (i64.mul (local.get $y) (i64.const 3)))
        (local.set $y (i64.xor (local.get $y) (local.get $x)))
        (local.set $g (f64.add (local.get $f) (f64.const 1.5)))
        (local.set $f (f64.mul (local.get $g) (f64.const 0.75)))
        (local.set $g (f64.sub (local.get $g) (local.get $f)))
        (if (i64.eqz (i64.and (local.get $y) (i64.const 4)))
          (then (local.set $x (i64.add (local.get $x) (local.get $y))))
          (else (local.set $f (f64.add (local.get $f) (local.get $g)))))
        (block $skip
          (br_if $skip (i64.lt_u (local.get $x) (local.get $y)))
          (local.set $x (i64.rotl (local.get $x) (i64.const 7))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
    (i64.add (i64.xor (local.get $x) (local.get $y))
             (i64.add (i64.reinterpret_f64 (local.get $f)) (i64.reinterpret_f64 (local.get $g)))))

  ;; a loop whose body leaves machine code at an op it has no code for
  ;; (memory.grow, a saturating truncation): the
  ;; interpreter runs the op and enters machine code again at the loop
  ;; header, whose entry loads the header's registers first; and a br_table
  ;; in the loop to the header, the loop's end and a block
  (func (export "carried_exit") (param $a i64) (param $b i64) (result i64)
    (local $i i32) (local $s i64) (local $t i64) (local $f f64) (local $h f32)
    (local.set $f (f64.reinterpret_i64 (local.get $b)))
    (local.set $h (f32.const 2.5))
    (block $out
      (loop $l
        (local.set $t (i64.add (local.get $t) (i64.extend_i32_u (memory.size))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 5)) (local.get $a)))
        (local.set $f (f64.add (local.get $f)
          (f64.convert_i32_u (memory.grow (i32.wrap_i64 (i64.and (local.get $s) (i64.const 0)))))))
        (local.set $h (f32.convert_i64_u (i64.trunc_sat_f32_u (f32.mul (local.get $h) (f32.const 1.25)))))
        (block $mid
          (br_table $l $out $mid
            (i32.rem_u (i32.add (local.get $i) (i32.wrap_i64 (local.get $a))) (i32.const 47))))
        (local.set $t (i64.xor (local.get $t) (local.get $s)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 40)))))
    (i64.add (i64.add (local.get $s) (local.get $t))
             (i64.add (i64.reinterpret_f64 (local.get $f))
                      (i64.extend_i32_u (i32.reinterpret_f32 (local.get $h))))))

  ;; conditional back-edges in the middle of a loop, each between sets of
  ;; different locals: the moves a back-edge makes for the header hold on
  ;; its taken path only, and the code after it still reads the locals
  (func (export "carried_branch") (param $a i64) (param $b i64) (result i64)
    (local $i i64) (local $x i64) (local $y i64) (local $z i64)
    (local.set $x (local.get $a))
    (local.set $y (local.get $b))
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (local.set $z (i64.add (local.get $x) (local.get $i)))
      (local.set $x (i64.xor (local.get $y) (i64.const 0x55)))
      (br_if $l (i64.lt_u (i64.and (local.get $z) (i64.const 3)) (i64.const 1)))
      (local.set $y (i64.add (local.get $x) (local.get $z)))
      (local.set $z (i64.rotl (local.get $y) (i64.const 5)))
      (br_if $l (i64.eq (i64.and (local.get $x) (i64.const 7)) (i64.const 2)))
      (local.set $x (i64.sub (local.get $z) (local.get $y)))
      (local.set $y (i64.mul (local.get $y) (i64.const 3)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 25))))
    (i64.add (local.get $x) (i64.add (local.get $y) (local.get $z))))

  ;; each set takes the register the header gave the previous local, so
  ;; the back-edge moves form a chain (each reads a register the next
  ;; overwrites): they must run in order
  (func (export "carried_chain") (param $a i64) (param $b i64) (result i64)
    (local $i i64) (local $t i64) (local $x i64) (local $y i64)
    (local.set $x (local.get $a))
    (local.set $y (local.get $b))
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (local.set $t (i64.add (local.get $x) (i64.const 1)))
      (local.set $x (i64.add (local.get $y) (i64.const 2)))
      (local.set $y (i64.add (local.get $t) (i64.const 3)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 9))))
    (i64.add (local.get $t) (i64.add (local.get $x) (local.get $y))))

  ;; a forward br_if in a loop to a label that starts with $z in a
  ;; register: the branch must leave $z there, as the fall-through does
  (func (export "carried_fwd") (param $a i64) (param $b i64) (result i64)
    (local $i i64) (local $x i64) (local $y i64) (local $z i64)
    (local.set $x (local.get $a))
    (loop $l
      (block $b
        (local.set $z (i64.add (i64.mul (local.get $x) (i64.const 5)) (local.get $i)))
        (br_if $b (i32.wrap_i64 (i64.and (local.get $z) (local.get $b))))
        (local.set $y (i64.add (local.get $y) (local.get $z))))
      (local.set $x (i64.add (local.get $x) (local.get $z)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 20))))
    (i64.add (local.get $x) (i64.add (local.get $y) (local.get $z))))

  ;; f32/f64 min, max and copysign in machine code: NaNs, -0 and +0,
  ;; equal operands; a and b as f64, their low halves as f32
  (func (export "minmax") (param $a i64) (param $b i64) (result i64)
    (local $x f64) (local $y f64) (local $p f32) (local $q f32)
    (local.set $x (f64.reinterpret_i64 (local.get $a)))
    (local.set $y (f64.reinterpret_i64 (local.get $b)))
    (local.set $p (f32.reinterpret_i32 (i32.wrap_i64 (local.get $a))))
    (local.set $q (f32.reinterpret_i32 (i32.wrap_i64 (local.get $b))))
    (i64.xor
      (i64.xor
        (i64.reinterpret_f64 (f64.min (local.get $x) (local.get $y)))
        (i64.rotl (i64.reinterpret_f64 (f64.max (local.get $x) (local.get $y))) (i64.const 13)))
      (i64.xor
        (i64.xor
          (i64.rotl (i64.reinterpret_f64 (f64.copysign (local.get $x) (local.get $y))) (i64.const 29))
          (i64.rotl (i64.reinterpret_f64 (f64.min (local.get $x) (local.get $x))) (i64.const 7)))
        (i64.or
          (i64.shl (i64.extend_i32_u (i32.xor
            (i32.reinterpret_f32 (f32.min (local.get $p) (local.get $q)))
            (i32.rotl (i32.reinterpret_f32 (f32.max (local.get $p) (local.get $q))) (i32.const 11))))
            (i64.const 32))
          (i64.extend_i32_u (i32.xor
            (i32.reinterpret_f32 (f32.copysign (local.get $p) (local.get $q)))
            (i32.reinterpret_f32 (f32.max (f32.neg (local.get $q)) (local.get $q)))))))))
)
