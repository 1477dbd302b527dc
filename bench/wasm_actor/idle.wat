;; idle.wat -- the smallest useful actor (no linear memory), to measure the
;; host memory a WASM actor costs beyond its linear memory.
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (if (i32.eq (local.get $type) (i32.const 200))
      (then (drop (call $send (local.get $src) (i32.const 201) (i32.const 0) (i32.const 0)))))
    (i32.ne (local.get $type) (i32.const 0))))
