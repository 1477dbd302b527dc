;; 700 with payload (i32 which, i32 a, i32 b): call one host import with the
;; pointer/length pair (a, b) and reply 701 with its result as an i64
;; (test_wasm_host_ranges.c). which: 0 mk_send(self, 1, a, b); 1 mk_log(1, a,
;; b) (result 0); 2 mk_recv(a, 16, 4, 20); 3 mk_recv(16, a, b, 20);
;; 4 mk_recv(16, 32, 4, a); 5 mk_save_state(a, b); 6 mk_load_state(a, b);
;; 7 mk_lookup(a, b); 8 mk_log(1, 64, 9) ("/sys/none") b times (result 0).
(module
  (import "env" "mk_send" (func $send (param i64 i32 i32 i32) (result i32)))
  (import "env" "mk_self" (func $self (result i64)))
  (import "env" "mk_log" (func $log (param i32 i32 i32)))
  (import "env" "mk_recv" (func $recv (param i32 i32 i32 i32) (result i32)))
  (import "env" "mk_save_state" (func $save (param i32 i32) (result i32)))
  (import "env" "mk_load_state" (func $load (param i32 i32) (result i32)))
  (import "env" "mk_lookup" (func $lookup (param i32 i32) (result i64)))
  (memory 1)
  (data (i32.const 64) "/sys/none")
  (func (export "handle_message")
        (param $type i32) (param $src i64) (param $ptr i32) (param $size i32) (result i32)
    (local $which i32) (local $a i32) (local $b i32) (local $r i64)
    (if (i32.ne (local.get $type) (i32.const 700)) (then (return (i32.const 1))))
    (local.set $which (i32.load (local.get $ptr)))
    (local.set $a (i32.load offset=4 (local.get $ptr)))
    (local.set $b (i32.load offset=8 (local.get $ptr)))
    (block $done
      (block $l8 (block $l7 (block $l6 (block $l5 (block $l4 (block $l3 (block $l2 (block $l1 (block $l0
        (br_table $l0 $l1 $l2 $l3 $l4 $l5 $l6 $l7 $l8 (local.get $which)))
        (local.set $r (i64.extend_i32_s
          (call $send (call $self) (i32.const 1) (local.get $a) (local.get $b))))
        (br $done))
        (call $log (i32.const 1) (local.get $a) (local.get $b))
        (br $done))
        (local.set $r (i64.extend_i32_s
          (call $recv (local.get $a) (i32.const 16) (i32.const 4) (i32.const 20))))
        (br $done))
        (local.set $r (i64.extend_i32_s
          (call $recv (i32.const 16) (local.get $a) (local.get $b) (i32.const 20))))
        (br $done))
        (local.set $r (i64.extend_i32_s
          (call $recv (i32.const 16) (i32.const 32) (i32.const 4) (local.get $a))))
        (br $done))
        (local.set $r (i64.extend_i32_s (call $save (local.get $a) (local.get $b))))
        (br $done))
        (local.set $r (i64.extend_i32_s (call $load (local.get $a) (local.get $b))))
        (br $done))
        (local.set $r (call $lookup (local.get $a) (local.get $b)))
        (br $done))
      (block $end
        (loop $again
          (br_if $end (i32.eqz (local.get $b)))
          (call $log (i32.const 1) (i32.const 64) (i32.const 9))
          (local.set $b (i32.sub (local.get $b) (i32.const 1)))
          (br $again))))
    (i64.store (i32.const 0) (local.get $r))
    (drop (call $send (local.get $src) (i32.const 701) (i32.const 0) (i32.const 8)))
    (i32.const 1)))
