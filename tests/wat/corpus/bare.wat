(func (export "x") (result i32) (i32.const 42))
(memory (data "abc"))
