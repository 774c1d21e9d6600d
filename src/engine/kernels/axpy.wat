;; y[0..n) += a * x[0..n) on float32 arrays in this module's memory, four lanes at a time.
;; The hidden-space ascent calls it once per hidden unit whose ReLU flipped: G v changes by
;; delta · G[j, :]. n must be a multiple of 4 (rows are padded); pointers are byte offsets.
(module
  (memory (export "memory") 1)
  (func (export "axpy") (param $y i32) (param $x i32) (param $a f32) (param $n i32)
    (local $end i32)
    (local $av v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (v128.store (local.get $y)
          (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $av) (v128.load (local.get $x)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next)))))
