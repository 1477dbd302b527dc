(module
  (global $g (mut i32) (i32.const -1))
  (global i64 (i64.const 0x7fff_ffff_ffff_ffff))
  (global f32 (f32.const 0x1.8p+1))
  (global f64 (f64.const -inf))
  (global f64 (f64.const nan:0x4))
  (global f32 (f32.const -nan))
  (global f64 (f64.const 1_000.5e-3))
  (global (export "g") f32 (f32.const inf))
  (func (export "n") (result i32)
    i32.const 0xffffffff
    i32.const -2147483648
    i32.add
    i64.const -9223372036854775808
    i32.wrap_i64
    i32.add
    f32.const 1e10
    i32.trunc_sat_f32_s
    i32.add
    i32.extend8_s
    f64.const 0x1p-1074
    f64.const 3.14
    f64.add
    i64.trunc_sat_f64_u
    i64.extend32_s
    i32.wrap_i64
    i32.add
    global.get $g
    i32.add)
)
