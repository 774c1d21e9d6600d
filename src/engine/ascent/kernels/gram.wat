;; The Gram matrix G = WᵀW of a row-major float32 matrix W (rows × cols), for gram.ts.
;;
;; W is processed in K-blocks of kc rows. `pack` copies a K-block into strips of 8 columns, each
;; strip kc rows × 8 floats, contiguous (columns past `cols` are zero), so the kernel streams
;; L1/L2-resident data. `tile` adds the K-block's share of one 4 × 8 tile of G,
;; G[4g .. 4g+4)[8s .. 8s+8), into its slot: the 4 rows of the tile are 4 columns of W, found in
;; strip floor(g/2) of the same packed block, so one packing serves both sides of the product. Its
;; 8 accumulators are f32x4 registers that start at zero for each K-block (float32 sums within a
;; K-block, the K-block's sum then added to the slot), so a tile's result depends only on the
;; order of the K-blocks, never on which thread computed it. `block` runs one K-block: it packs,
;; then loops over the tiles of row groups [g0, g1) on or above the diagonal (g ≤ 2s + 1).
;;
;; The slots of G are tile-major: tile (g, s) holds 32 floats (4 rows of 8) at
;; gbase + 128 (g·S + s), with S = ceil(cols/8) strips; gram.ts mirrors them into the full matrix.
;; The memory is imported, shared between the threads that each run a range of row groups.
;; All pointers are byte offsets.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; dst + s·kstride + 32k ← W[k][8s .. 8s+8) for k in [0, rows), s in [s0, ceil(cols/8)); W's rows
  ;; are `cols` floats from src. The last strip is zero-padded when cols is not a multiple of 8.
  (func $pack (param $src i32) (param $rows i32) (param $cols i32) (param $dst i32) (param $kstride i32) (param $s0 i32)
    (local $k i32) (local $s i32) (local $full i32) (local $rest i32) (local $c i32)
    (local $row i32) (local $out i32)
    (local.set $full (i32.shr_u (local.get $cols) (i32.const 3)))
    (local.set $rest (i32.and (local.get $cols) (i32.const 7)))
    (block $kdone
      (loop $knext
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.shl (i32.mul (local.get $k) (local.get $cols)) (i32.const 2))))
        (local.set $s (local.get $s0))
        (block $sdone
          (loop $snext
            (br_if $sdone (i32.ge_u (local.get $s) (local.get $full)))
            (local.set $out (i32.add (i32.add (local.get $dst) (i32.mul (local.get $s) (local.get $kstride)))
                                     (i32.shl (local.get $k) (i32.const 5))))
            (v128.store (local.get $out) (v128.load (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 5)))))
            (v128.store offset=16 (local.get $out) (v128.load offset=16 (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 5)))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $snext)))
        ;; the partial last strip, if it is ours: `rest` columns, then zeros
        (if (i32.and (i32.ne (local.get $rest) (i32.const 0)) (i32.ge_u (local.get $full) (local.get $s0)))
          (then
            (local.set $out (i32.add (i32.add (local.get $dst) (i32.mul (local.get $full) (local.get $kstride)))
                                     (i32.shl (local.get $k) (i32.const 5))))
            (v128.store (local.get $out) (v128.const i32x4 0 0 0 0))
            (v128.store offset=16 (local.get $out) (v128.const i32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (block $cdone
              (loop $cnext
                (br_if $cdone (i32.ge_u (local.get $c) (local.get $rest)))
                (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
                           (f32.load (i32.add (local.get $row) (i32.shl (i32.add (i32.shl (local.get $full) (i32.const 3)) (local.get $c)) (i32.const 2)))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $cnext)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $knext))))

  ;; The slot at pg (4 rows × 8 floats) += Σ_k a_k ⊗ b_k over kn rows of packed data, where a_k
  ;; is the 4 floats at pa + 32k and b_k the 8 floats at pb + 32k.
  (func $tile (param $pa i32) (param $pb i32) (param $pg i32) (param $kn i32)
    (local $end i32) (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $kn) (i32.const 5))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $pb) (local.get $end)))
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $a (v128.load32_splat (local.get $pa)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
        (br $next)))
    (v128.store offset=0 (local.get $pg) (f32x4.add (v128.load offset=0 (local.get $pg)) (local.get $c00)))
    (v128.store offset=16 (local.get $pg) (f32x4.add (v128.load offset=16 (local.get $pg)) (local.get $c01)))
    (v128.store offset=32 (local.get $pg) (f32x4.add (v128.load offset=32 (local.get $pg)) (local.get $c10)))
    (v128.store offset=48 (local.get $pg) (f32x4.add (v128.load offset=48 (local.get $pg)) (local.get $c11)))
    (v128.store offset=64 (local.get $pg) (f32x4.add (v128.load offset=64 (local.get $pg)) (local.get $c20)))
    (v128.store offset=80 (local.get $pg) (f32x4.add (v128.load offset=80 (local.get $pg)) (local.get $c21)))
    (v128.store offset=96 (local.get $pg) (f32x4.add (v128.load offset=96 (local.get $pg)) (local.get $c30)))
    (v128.store offset=112 (local.get $pg) (f32x4.add (v128.load offset=112 (local.get $pg)) (local.get $c31))))

  ;; One K-block of kn ≤ kc rows of W (cols wide, at src): packs the strips that row groups
  ;; [g0, g1) need into pack (strip stride 32·kc bytes), then adds the block's share of every tile
  ;; (g, s) with g in [g0, g1) and g ≤ 2s + 1 to its slot. Strip by strip, so the 8 KB of one
  ;; strip stay in L1 while the row groups below the diagonal stream past.
  (func (export "block") (param $src i32) (param $kn i32) (param $cols i32) (param $kc i32) (param $pack i32)
                         (param $g0 i32) (param $g1 i32) (param $gbase i32)
    (local $S i32) (local $s i32) (local $g i32) (local $gend i32) (local $kstride i32) (local $pb i32)
    (local.set $S (i32.shr_u (i32.add (local.get $cols) (i32.const 7)) (i32.const 3)))
    (local.set $kstride (i32.shl (local.get $kc) (i32.const 5)))
    (local.set $s (i32.shr_u (local.get $g0) (i32.const 1)))
    (call $pack (local.get $src) (local.get $kn) (local.get $cols) (local.get $pack) (local.get $kstride) (local.get $s))
    (block $sdone
      (loop $snext
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $pb (i32.add (local.get $pack) (i32.mul (local.get $s) (local.get $kstride))))
        ;; row groups g0 .. min(g1, 2s + 2)
        (local.set $gend (i32.add (i32.shl (local.get $s) (i32.const 1)) (i32.const 2)))
        (if (i32.gt_u (local.get $gend) (local.get $g1)) (then (local.set $gend (local.get $g1))))
        (local.set $g (local.get $g0))
        (block $gdone
          (loop $gnext
            (br_if $gdone (i32.ge_u (local.get $g) (local.get $gend)))
            (call $tile
              ;; strip floor(g/2), columns 4(g mod 2) .. +4
              (i32.add (i32.add (local.get $pack) (i32.mul (i32.shr_u (local.get $g) (i32.const 1)) (local.get $kstride)))
                       (i32.shl (i32.and (local.get $g) (i32.const 1)) (i32.const 4)))
              (local.get $pb)
              (i32.add (local.get $gbase) (i32.shl (i32.add (i32.mul (local.get $g) (local.get $S)) (local.get $s)) (i32.const 7)))
              (local.get $kn))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $gnext)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $snext)))))
