;; Blocking calls. 300: sleep (payload: i32 ms), then reply 301 with the
;; sleep's i32 result. 302: reply 303 at once (shows order after a sleep).
;; 310: call mk_recv three times; after each, reply 311 with
;; {result, type, size} (three i32). Other types: reply 399.
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (import "env" "mk_sleep_ms" (func $sleep (param i32) (result i32)))
  (import "env" "mk_recv" (func $recv (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  ;; scratch: 0..11 reply, 16 type_out, 20 size_out, 32.. recv buffer
  (func $reply (param $to i64) (param $type i32) (param $len i32)
    (drop (call $send (local.get $to) (local.get $type) (i32.const 0) (local.get $len))))
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (local $i i32)
    (if (i32.eq (local.get $type) (i32.const 300))
      (then
        (i32.store (i32.const 0) (call $sleep (i32.load (local.get $ptr))))
        (call $reply (local.get $src) (i32.const 301) (i32.const 4))
        (return (i32.const 1))))
    (if (i32.eq (local.get $type) (i32.const 302))
      (then (call $reply (local.get $src) (i32.const 303) (i32.const 0))
            (return (i32.const 1))))
    (if (i32.eq (local.get $type) (i32.const 310))
      (then
        (loop $again
          (i32.store (i32.const 0)
            (call $recv (i32.const 16) (i32.const 32) (i32.const 64) (i32.const 20)))
          (i32.store (i32.const 4) (i32.load (i32.const 16)))
          (i32.store (i32.const 8) (i32.load (i32.const 20)))
          (call $reply (local.get $src) (i32.const 311) (i32.const 12))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 3))))
        (return (i32.const 1))))
    (if (i32.eqz (local.get $type)) (then (return (i32.const 0))))
    (call $reply (local.get $src) (i32.const 399) (i32.const 0))
    (i32.const 1)))
