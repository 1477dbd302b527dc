;; A start function that traps (test_wasm_link.c).
(module (memory 1) (func $s (i32.store (i32.const 70000) (i32.const 1))) (start $s))
