;; Compiler idioms the engine fuses into one IR op each (compile_fuse.c
;; wasm_cc_peephole(), compile.c emit_br_if(), emit_branch(); DESIGN.md
;; "Superinstructions", rounds 5 and 6). test_wasm_idioms.c checks each result against C, that the fused
;; op is really there, fuel at fused back-edges and trap offsets.
(module
  (memory 1)
  ;; 0: sum of 1..n with `local.get n; local.get i; i32.const 1; i32.add;
  ;; local.tee i; i32.ne; br_if` (n >= 1)
  (func $count_ne (export "count_ne") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      local.get $s
      local.get $i
      i32.add
      local.set $s
      local.get $n
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.ne
      br_if $l)
    local.get $s
    local.get $i
    i32.add)
  ;; 1: the compared local is the one written: old x != x + k
  (func $ne_self (export "ne_self") (param $x i32) (param $k i32) (result i32)
    (block $b
      local.get $x
      local.get $x
      i32.const 0
      i32.add
      local.tee $x
      i32.ne
      br_if $b
      i32.const 7
      return)
    i32.const 9)
  ;; 2: `local.get i; i32.const 3; i32.add; local.tee i; i32.const m;
  ;; i32.ne; br_if`: iterations from start until i == 30 (start = 30 - 3j)
  (func $count_ne_imm (export "count_ne_imm") (param $i i32) (result i32)
    (local $c i32)
    (loop $l
      local.get $c
      i32.const 1
      i32.add
      local.set $c
      local.get $i
      i32.const 3
      i32.add
      local.tee $i
      i32.const 30
      i32.ne
      br_if $l)
    local.get $c
    i32.const 1000
    i32.mul
    local.get $i
    i32.add)
  ;; 3: `local.tee x; i32.const 5; i32.ne; br_if` after a load: the
  ;; address of the first byte 5 after p
  (func $tee_ne_imm (export "tee_ne_imm") (param $p i32) (result i32)
    (local $x i32)
    (loop $l
      local.get $p
      i32.const 1
      i32.add
      local.set $p
      local.get $p
      i32.const 0
      i32.add
      i32.load8_u
      local.tee $x
      i32.const 5
      i32.ne
      br_if $l)
    local.get $p
    local.get $x
    i32.mul)
  ;; 4: a fibonacci loop whose iterations end in `local.get b; local.set t;
  ;; br` or `i32.popcnt; local.set t; br` (fib_moves() in the test)
  (func $fib_moves (export "fib_moves") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    i32.const 1
    local.set $b
    (block $done
      (loop $l
        local.get $n
        i32.eqz
        br_if $done
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        local.get $a
        local.get $b
        i32.add
        local.set $t
        local.get $b
        local.set $a
        local.get $t
        local.set $b
        local.get $n
        i32.const 1
        i32.and
        (if
          (then
            local.get $b
            local.set $t
            br $l))
        local.get $t
        i32.popcnt
        local.set $t
        br $l))
    local.get $a
    local.get $t
    i32.xor)
  ;; 5: select(x * 3, y, c & 4)
  (func $select_bit (export "select_bit") (param $x i32) (param $y i32) (param $c i32)
    (result i32)
    local.get $x
    i32.const 3
    i32.mul
    local.get $y
    local.get $c
    i32.const 4
    i32.and
    select)
  ;; 6: (a * b) * c
  (func $mul3 (export "mul3") (param $a f64) (param $b f64) (param $c f64) (result f64)
    local.get $a
    local.get $b
    f64.mul
    local.get $c
    f64.mul)
  ;; 7: store -a + -b at p + 8 (trapping past the end), return what was stored
  (func $add_store (export "add_store") (param $p i32) (param $a f64) (param $b f64) (result f64)
    local.get $p
    local.get $a
    f64.neg
    local.get $b
    f64.neg
    f64.add
    f64.store offset=8
    local.get $p
    f64.load offset=8)
  ;; 8: store -a - -b at p + 8
  (func $sub_store (export "sub_store") (param $p i32) (param $a f64) (param $b f64) (result f64)
    local.get $p
    local.get $a
    f64.neg
    local.get $b
    f64.neg
    f64.sub
    f64.store offset=8
    local.get $p
    f64.load offset=8)
  ;; 9: a - load(p + 16): the local pushed under the load
  (func $get_load (export "get_load") (param $a f64) (param $p i32) (result f64)
    local.get $a
    local.get $p
    f64.load offset=16
    f64.sub)
  ;; 10-12: ((x ^ 1) << k) >> k signed, k = 16, 24 (sign extensions) and 17 (not)
  (func $sext16 (export "sext16") (param $x i32) (result i32)
    local.get $x
    i32.const 1
    i32.xor
    i32.const 16
    i32.shl
    i32.const 16
    i32.shr_s)
  (func $sext8 (export "sext8") (param $x i32) (result i32)
    local.get $x
    i32.const 1
    i32.xor
    i32.const 24
    i32.shl
    i32.const 24
    i32.shr_s)
  (func $shift17 (export "shift17") (param $x i32) (result i32)
    local.get $x
    i32.const 1
    i32.xor
    i32.const 17
    i32.shl
    i32.const 17
    i32.shr_s)
  ;; 13: load(p + 4): an older fusion (LOCAL_ADD_IMM_I32_LOAD) whose trap now
  ;; names the load
  (func $add_imm_load (export "add_imm_load") (param $p i32) (result i32)
    local.get $p
    i32.const 4
    i32.add
    i32.load)
  ;; 14-17 (round 6): constants stored at a local, a local + k, a computed
  ;; address; each returns a word read back from p
  (func $store_local (export "store_local") (param $p i32) (result i32)
    local.get $p
    i32.const 0xDEADBEEF
    i32.store offset=4
    local.get $p
    i32.load offset=4)
  (func $store8_local_k (export "store8_local_k") (param $p i32) (result i32)
    local.get $p
    i32.const 3
    i32.add
    i32.const 0x1AB
    i32.store8 offset=1
    local.get $p
    i32.load offset=4)
  (func $store16_stack (export "store16_stack") (param $p i32) (param $q i32) (result i32)
    local.get $p
    local.get $q
    i32.xor
    i32.const 0x12345678
    i32.store16
    local.get $p
    local.get $q
    i32.xor
    i32.load)
  (func $store64_local (export "store64_local") (param $p i32) (result i64)
    local.get $p
    i64.const 0x0123456789ABCDEF
    i64.store offset=8
    local.get $p
    i64.load offset=8)
  ;; 18: a switch on a local (LOCAL_BR_TABLE)
  (func $switch_local (export "switch_local") (param $x i32) (result i32)
    (block $d
      (block $c2
        (block $c1
          (block $c0
            local.get $x
            br_table $c0 $c1 $c2 $d)
          i32.const 10
          return)
        i32.const 11
        return)
      i32.const 12
      return)
    i32.const 99)
  ;; 19: a switch on a local carrying a value over one dropped below it
  (func $switch_value (export "switch_value") (param $x i32) (result i32)
    (block $out (result i32)
      (block $a (result i32)
        i32.const 1000
        i32.const 7
        local.get $x
        br_table $a $out $out)
      i32.const 100
      i32.add))
  ;; 20: constants into locals, i32, i64 and f64 (LOCAL_SET_IMM[64])
  (func $set_consts (export "set_consts") (param $x i32) (result i64)
    (local $a i32) (local $b i64) (local $c f64)
    i32.const -5
    local.set $a
    i64.const 0x7FEDCBA987654321
    local.set $b
    f64.const 2.5
    local.set $c
    local.get $b
    local.get $a
    local.get $x
    i32.add
    i64.extend_i32_s
    i64.add
    local.get $c
    i64.trunc_f64_s
    i64.add)
  ;; 21: two constants pushed (I32_CONST2), the arms of a select
  (func $const_arms (export "const_arms") (param $c i32) (result i32)
    i32.const 7
    i32.const -9
    local.get $c
    select)
  ;; 22: one sum into two locals, then into the local it came from
  (func $two_dests (export "two_dests") (param $x i32) (result i32)
    (local $a i32) (local $b i32)
    local.get $x
    i32.const 5
    i32.add
    local.tee $a
    local.set $b
    local.get $x
    i32.const -3
    i32.add
    local.tee $x
    local.set $a
    local.get $a
    i32.const 1000
    i32.mul
    local.get $b
    i32.add
    local.get $x
    i32.xor)
  ;; 23: three moves into the loop's variables, then br (LOCAL_COPY3_BR)
  (func $rotate3 (export "rotate3") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $t i32)
    i32.const 1
    local.set $a
    i32.const 2
    local.set $b
    i32.const 3
    local.set $c
    (block $done
      (loop $l
        local.get $n
        i32.eqz
        br_if $done
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        local.get $a
        local.get $c
        i32.add
        local.set $t
        local.get $b
        local.set $a
        local.get $c
        local.set $b
        local.get $t
        local.set $c
        br $l))
    local.get $a
    local.get $b
    i32.const 8
    i32.shl
    i32.xor
    local.get $c
    i32.const 16
    i32.shl
    i32.xor)
  ;; 24: f64 constant operands, right of the op: ((x + 1.5) - 0.25) * -2 / 3
  (func $f64_imm (export "f64_imm") (param $x f64) (result f64)
    local.get $x
    f64.const 1.5
    f64.add
    f64.const 0.25
    f64.sub
    f64.const -2
    f64.mul
    f64.const 3
    f64.div)
  ;; 25-26: loads at base + index (LOCAL2_ADD_<load>)
  (func $load_bi (export "load_bi") (param $b i32) (param $i i32) (result i32)
    local.get $b
    local.get $i
    i32.add
    i32.load offset=4
    local.get $b
    local.get $i
    i32.add
    i32.load8_s offset=1
    i32.xor)
  (func $load_bi_f64 (export "load_bi_f64") (param $b i32) (param $i i32) (result f64)
    local.get $b
    local.get $i
    i32.add
    f64.load offset=8)
)
