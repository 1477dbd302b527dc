;; counter_a.wat -- version 1 of a reloadable actor (boot suite, hot
;; reload; UART shell `reload`): a query (type 211) is answered with type
;; 301, naming the version that runs. No linear memory.
(module
  (import "env" "mk_send" (func $mk_send (param i64 i32 i32 i32) (result i32)))
  (func (export "handle_message")
        (param $type i32) (param $source i64) (param $ptr i32) (param $size i32)
        (result i32)
    (if (i32.eq (local.get $type) (i32.const 211))
      (then
        (drop (call $mk_send (local.get $source) (i32.const 301)
                             (i32.const 0) (i32.const 0)))))
    (i32.ne (local.get $type) (i32.const 0))))
