;; spin.wat -- a WASM actor that never returns from a ping (type 200): the
;; boot suite's fuel-preemption case. No linear memory.
(module
  (func (export "handle_message")
        (param $type i32) (param $source i64) (param $ptr i32) (param $size i32)
        (result i32)
    (if (i32.eq (local.get $type) (i32.const 200))
      (then (loop $forever (br $forever))))
    (i32.ne (local.get $type) (i32.const 0))))
