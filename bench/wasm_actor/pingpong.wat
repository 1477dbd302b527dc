;; pingpong.wat -- one side of the WASM ping-pong benchmark. A type 1
;; message carries an i32 count of exchanges left; the actor answers with
;; count - 1 until it reaches 0.
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (local $n i32)
    (if (i32.ne (local.get $type) (i32.const 1)) (then (return (i32.const 1))))
    (local.set $n (i32.load (local.get $ptr)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
    (i32.store (i32.const 0) (i32.sub (local.get $n) (i32.const 1)))
    (drop (call $send (local.get $src) (i32.const 1) (i32.const 0) (i32.const 4)))
    (i32.const 1)))
