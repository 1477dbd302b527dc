;; 800 with payload (i32 n): table.grow by n null elements, reply 801 with
;; the result (old size, or -1) (test_wasm_limits.c: max_table_elems).
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (memory 1)
  (table $t 10 funcref)
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (if (i32.eq (local.get $type) (i32.const 800))
      (then
        (i32.store (i32.const 0) (table.grow $t (ref.null func) (i32.load (local.get $ptr))))
        (drop (call $send (local.get $src) (i32.const 801) (i32.const 0) (i32.const 4)))))
    (i32.const 1)))
