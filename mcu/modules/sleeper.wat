;; sleeper.wat -- a WASM actor that answers a ping (200) with a pong (201)
;; only after mk_sleep_ms(20): the boot suite's suspend/resume case. The
;; call suspends the actor; the runtime keeps dispatching others meanwhile.
(module
  (import "env" "mk_send" (func $mk_send (param i64 i32 i32 i32) (result i32)))
  (import "env" "mk_sleep_ms" (func $mk_sleep_ms (param i32) (result i32)))
  (func (export "handle_message")
        (param $type i32) (param $source i64) (param $ptr i32) (param $size i32)
        (result i32)
    (if (i32.eq (local.get $type) (i32.const 200))
      (then
        (drop (call $mk_sleep_ms (i32.const 20)))
        (drop (call $mk_send (local.get $source) (i32.const 201)
                             (i32.const 0) (i32.const 0)))))
    (i32.ne (local.get $type) (i32.const 0))))
