;; 400: loop forever. 401: reply 402. Preemption and fuel-limit tests.
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (global $n (mut i32) (i32.const 0))
  (func $spin_forever
    (loop $l (global.set $n (i32.add (global.get $n) (i32.const 1))) (br $l)))
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (if (i32.eq (local.get $type) (i32.const 400)) (then (call $spin_forever)))
    (if (i32.eq (local.get $type) (i32.const 401))
      (then (drop (call $send (local.get $src) (i32.const 402) (i32.const 0) (i32.const 0)))))
    (i32.const 1)))
