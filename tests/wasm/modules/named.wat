;; 600: look up the name in the payload with mk_lookup and send it 601 with
;; payload "hi"; reply 602 to the sender with mk_send's i32 result.
;; 603: reply 604 with mk_self (i64).
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (import "env" "mk_lookup" (func $lookup (param i32 i32) (result i64)))
  (import "env" "mk_self" (func $self (result i64)))
  (import "env" "mk_log" (func $log (param i32 i32 i32)))
  (memory 1)
  (data (i32.const 100) "hi")
  (data (i32.const 200) "named actor says hello")
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (if (i32.eq (local.get $type) (i32.const 600))
      (then
        (i32.store (i32.const 0)
          (call $send (call $lookup (local.get $ptr) (local.get $size))
                      (i32.const 601) (i32.const 100) (i32.const 2)))
        (call $log (i32.const 1) (i32.const 200) (i32.const 22))
        (drop (call $send (local.get $src) (i32.const 602) (i32.const 0) (i32.const 4)))))
    (if (i32.eq (local.get $type) (i32.const 603))
      (then
        (i64.store (i32.const 8) (call $self))
        (drop (call $send (local.get $src) (i32.const 604) (i32.const 8) (i32.const 8)))))
    (i32.const 1)))
