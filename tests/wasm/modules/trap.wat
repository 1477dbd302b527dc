;; 500: trap (unreachable in $explode). 501: count messages in a global and
;; reply 502 with the count (i32): fresh state after a restart shows as 1.
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (memory 1)
  (global $count (mut i32) (i32.const 0))
  (func $explode unreachable)
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (if (i32.eq (local.get $type) (i32.const 500)) (then (call $explode)))
    (if (i32.eq (local.get $type) (i32.const 501))
      (then
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (i32.store (i32.const 0) (global.get $count))
        (drop (call $send (local.get $src) (i32.const 502) (i32.const 0) (i32.const 4)))))
    (i32.const 1)))
