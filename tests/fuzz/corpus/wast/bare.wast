(func) (memory 1) (func (export "f") (result f64) (f64.const 0x1.8p1))
