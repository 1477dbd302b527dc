;; Module exercised by test_wasm_memory.c: imports its memory from the host
;; and a host function that may grow it in the middle of a call.
(module
  (import "env" "mem" (memory 0))
  (import "env" "host_grow" (func $host_grow (param i32) (result i32)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  ;; asks the host to grow by $pages, then loads at $addr in the same call
  (func (export "grow_then_load") (param $pages i32) (param $addr i32) (result i32)
    (drop (call $host_grow (local.get $pages)))
    (i32.load (local.get $addr)))
)
