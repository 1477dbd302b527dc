;; echo_nomem.wat -- an echo actor with no linear memory at all
;; (wat2wasm echo_nomem.wat). It still receives every message (payload
;; pointer 0, size 0) and answers a ping (200) with an empty pong (201).
(module
  (import "env" "mk_send" (func $mk_send (param i64 i32 i32 i32) (result i32)))
  (func (export "handle_message")
        (param $type i32) (param $source i64) (param $ptr i32) (param $size i32)
        (result i32)
    (if (i32.eq (local.get $type) (i32.const 200))
      (then
        (drop (call $mk_send (local.get $source) (i32.const 201)
                             (i32.const 0) (i32.const 0)))
        (return (i32.const 1))))
    (i32.ne (local.get $type) (i32.const 0))))
