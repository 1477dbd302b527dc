;; Exporter for test_wasm_link.c: shares a memory, a table, a mutable global
;; and a function with link_b.wat.
(module
  (memory (export "mem") 1 4)
  (table (export "tab") 2 funcref)
  (global (export "counter") (mut i32) (i32.const 0))
  (func $seven (export "seven") (result i32) (i32.const 7))
  (elem (i32.const 0) $seven)
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
)
