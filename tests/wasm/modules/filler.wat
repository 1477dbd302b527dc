;; 600: fill 4 MiB of memory with memory.fill, count the fill in the
;; exported global "fills", and loop forever (test_wasm_preempt.c: bulk
;; instructions are preempted like any loop).
(module
  (memory 65)
  (global $fills (export "fills") (mut i32) (i32.const 0))
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (if (i32.eq (local.get $type) (i32.const 600))
      (then
        (loop $l
          (memory.fill (i32.const 0) (i32.const 0xAB) (i32.const 4194304))
          (global.set $fills (i32.add (global.get $fills) (i32.const 1)))
          (br $l))))
    (i32.const 1)))
