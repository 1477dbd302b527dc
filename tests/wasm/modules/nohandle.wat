;; A valid module that does not export handle_message.
(module (func (export "other") (result i32) (i32.const 1)))
