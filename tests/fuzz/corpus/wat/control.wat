(module
  (type $bin (func (param i32 i32) (result i32)))
  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))
  (func $sum (export "sum") (param $n i32) (result i32) (local $acc i32) (local i64 f32 f32)
    block $done
      loop $top
        local.get $n
        i32.eqz
        br_if $done
        local.get $acc
        local.get $n
        i32.add
        local.set $acc
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        br $top
      end $top
    end
    local.get $acc)
  (func (export "sel") (param i32) (result i32)
    (block $a (block $b (block $c
      (br_table $a $b $c 2 (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (select (i32.const 30) (i32.const 40) (local.get 0)))
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (table 2 funcref)
  (elem (i32.const 0) $add $fac)
  (func (export "ind") (param i32 i32) (result i32)
    (call_indirect (type $bin) (local.get 0) (local.get 1) (i32.const 0)))
  (func (export "multi") (result i32 i32)
    (block (result i32 i32) (i32.const 1) (i32.const 2)))
  (func (export "ifelse") (param i32) (result i32)
    local.get 0
    if (result i32) i32.const 5 else i32.const 6 end)
)
