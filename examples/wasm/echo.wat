;; echo.wat -- the echo actor in WebAssembly text (wat2wasm echo.wat).
;; A ping (type 200) is answered with a pong (type 201) carrying the same
;; payload, which the host copied into this module's memory; type 0 stops it.
(module
  (import "env" "mk_send" (func $mk_send (param i64 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "handle_message")
        (param $type i32) (param $source i64) (param $ptr i32) (param $size i32)
        (result i32)
    (if (i32.eq (local.get $type) (i32.const 200))
      (then
        (drop (call $mk_send (local.get $source) (i32.const 201)
                             (local.get $ptr) (local.get $size)))
        (return (i32.const 1))))
    ;; keep running unless told to stop with type 0
    (i32.ne (local.get $type) (i32.const 0))))
