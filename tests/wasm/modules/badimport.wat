;; Imports a host function the runtime does not provide.
(module
  (import "env" "mk_frobnicate" (func (param i32)))
  (func (export "handle_message") (param i32 i64 i32 i32) (result i32) (i32.const 1)))
