;; One step of the hidden-space ascent (hidden.ts), four hidden units at a time.
;; All arrays are float32 in this module's memory, n (a multiple of 4) long; pointers are byte
;; offsets. The module also exports `axpy` for the G·v updates of units whose ReLU flipped.
(module
  (memory (export "memory") 1)

  ;; y[0..n) += a · x[0..n)
  (func (export "axpy") (param $y i32) (param $x i32) (param $a f32) (param $n i32)
    (local $end i32) (local $av v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (v128.store (local.get $y)
          (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $av) (v128.load (local.get $x)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next))))

  ;; z = a·p0 + gy + b1; next v = (z > 0 ? w2c : 0). Writes to out (float64 ×3): Σ v·z (score
  ;; without the output bias), p0·y and y·gy. Writes the indices of units whose v changes to
  ;; flips (int32) and returns their count. v itself is left to the caller.
  (func (export "evaluate")
    (param $p0 i32) (param $b1 i32) (param $w2c i32) (param $y i32) (param $gy i32) (param $v i32)
    (param $flips i32) (param $out i32) (param $n i32) (param $a f32) (result i32)
    (local $i i32) (local $off i32) (local $count i32) (local $bits i32)
    (local $av v128) (local $p v128) (local $yv v128) (local $gyv v128) (local $z v128) (local $vn v128)
    (local $score v128) (local $p0y v128) (local $ygy v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $p (v128.load (i32.add (local.get $p0) (local.get $off))))
        (local.set $yv (v128.load (i32.add (local.get $y) (local.get $off))))
        (local.set $gyv (v128.load (i32.add (local.get $gy) (local.get $off))))
        (local.set $z (f32x4.add (f32x4.add (f32x4.mul (local.get $av) (local.get $p)) (local.get $gyv))
                                 (v128.load (i32.add (local.get $b1) (local.get $off)))))
        ;; lanes with z > 0 keep their w2c bits, the others become +0.0
        (local.set $vn (v128.and (f32x4.gt (local.get $z) (f32x4.splat (f32.const 0)))
                                 (v128.load (i32.add (local.get $w2c) (local.get $off)))))
        (local.set $score (f32x4.add (local.get $score) (f32x4.mul (local.get $vn) (local.get $z))))
        (local.set $p0y (f32x4.add (local.get $p0y) (f32x4.mul (local.get $p) (local.get $yv))))
        (local.set $ygy (f32x4.add (local.get $ygy) (f32x4.mul (local.get $yv) (local.get $gyv))))
        (local.set $bits (i32x4.bitmask (f32x4.ne (local.get $vn) (v128.load (i32.add (local.get $v) (local.get $off))))))
        (block $noflip
          (loop $flip
            (br_if $noflip (i32.eqz (local.get $bits)))
            (i32.store (i32.add (local.get $flips) (i32.shl (local.get $count) (i32.const 2)))
                       (i32.add (local.get $i) (i32.ctz (local.get $bits))))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            (br $flip)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (f64.store (local.get $out) (call $sum (local.get $score)))
    (f64.store offset=8 (local.get $out) (call $sum (local.get $p0y)))
    (f64.store offset=16 (local.get $out) (call $sum (local.get $ygy)))
    (local.get $count))

  ;; y = c·y + eta·v;  gy = c·gy + eta·gv
  (func (export "update")
    (param $y i32) (param $gy i32) (param $v i32) (param $gv i32) (param $n i32) (param $c f32) (param $eta f32)
    (local $off i32) (local $end i32) (local $cv v128) (local $ev v128)
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $ev (f32x4.splat (local.get $eta)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (v128.store (i32.add (local.get $y) (local.get $off))
          (f32x4.add (f32x4.mul (local.get $cv) (v128.load (i32.add (local.get $y) (local.get $off))))
                     (f32x4.mul (local.get $ev) (v128.load (i32.add (local.get $v) (local.get $off))))))
        (v128.store (i32.add (local.get $gy) (local.get $off))
          (f32x4.add (f32x4.mul (local.get $cv) (v128.load (i32.add (local.get $gy) (local.get $off))))
                     (f32x4.mul (local.get $ev) (v128.load (i32.add (local.get $gv) (local.get $off))))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $next))))

  (func $sum (param $x v128) (result f64)
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $x))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $x))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $x))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $x)))))))
