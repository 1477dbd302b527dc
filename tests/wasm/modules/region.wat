;; Any message: reply 701 to the sender with four i32: payload_ptr,
;; payload_size, memory.size in pages, and the payload's first byte (-1 when
;; empty). Memory 0 declares 1 page, at most 3.
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (memory 1 3)
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $size))
    (i32.store (i32.const 8) (memory.size))
    (i32.store (i32.const 12)
      (if (result i32) (local.get $size)
        (then (i32.load8_u (local.get $ptr)))
        (else (i32.const -1))))
    (drop (call $send (local.get $src) (i32.const 701) (i32.const 0) (i32.const 16)))
    (i32.const 1)))
