(module
  (table $t 4 externref)
  (func (export "set") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
  (func (export "get") (param i32) (result externref) (table.get $t (local.get 0))))
(assert_return (invoke "set" (i32.const 1) (ref.extern 5)))
(assert_return (invoke "get" (i32.const 1)) (ref.extern 5))
(assert_return (invoke "get" (i32.const 0)) (ref.null extern))
(assert_trap (invoke "get" (i32.const 9)) "out of bounds table access")
