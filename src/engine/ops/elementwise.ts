/** Element-wise ONNX ops (unary, binary with broadcasting, Where), as in the ONNX operator spec. */
import * as tf from '@tensorflow/tfjs-core';
import type { OpAttrs, OpFn } from './types';

const num = (a: OpAttrs, k: string, d: number) => (typeof a[k] === 'number' ? (a[k] as number) : d);
const unary = (f: (x: tf.Tensor, a: OpAttrs) => tf.Tensor): OpFn => (x, a) => f(x[0], a);
const binary = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): OpFn => (x) => f(x[0], x[1]);
/** Folds a variadic op (Sum, Max, Min) pairwise. */
const variadic = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): OpFn => (x) => x.slice(1).reduce((acc, t) => f(acc, t), x[0]);

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

/** Operands of integer ops must agree in dtype: tfjs refuses int32 + float32. */
function sameType(x: tf.Tensor, y: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (x.dtype === y.dtype) return [x, y];
  return [tf.cast(x, 'float32'), tf.cast(y, 'float32')];
}
const trunc = (x: tf.Tensor) => tf.mul(tf.sign(x), tf.floor(tf.abs(x)));

/** NumPy broadcasting of two shapes. */
export function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}
const arith = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => f(...sameType(x, y));

export const ELEMENTWISE_OPS: Record<string, OpFn> = {
  Identity: unary((x) => tf.clone(x)),
  Relu: unary((x) => tf.relu(x)),
  Sigmoid: unary((x) => tf.sigmoid(x)),
  Tanh: unary((x) => tf.tanh(x)),
  Elu: unary((x, a) => {
    const alpha = num(a, 'alpha', 1);
    return alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(x), 1)));
  }),
  Celu: unary((x, a) => {
    const alpha = num(a, 'alpha', 1);
    return tf.add(tf.relu(x), tf.minimum(0, tf.mul(alpha, tf.sub(tf.exp(tf.div(x, alpha)), 1))));
  }),
  Selu: unary((x, a) => {
    const alpha = num(a, 'alpha', SELU_ALPHA);
    const gamma = num(a, 'gamma', SELU_GAMMA);
    return tf.mul(gamma, tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(x), 1))));
  }),
  LeakyRelu: unary((x, a) => tf.leakyRelu(x, num(a, 'alpha', 0.01))),
  ThresholdedRelu: unary((x, a) => tf.where(tf.greater(x, num(a, 'alpha', 1)), x, tf.zerosLike(x))),
  PRelu: (x) => tf.where(tf.greater(x[0], 0), x[0], tf.mul(x[1], x[0])),
  Softplus: unary((x) => tf.softplus(x)),
  Softsign: unary((x) => tf.div(x, tf.add(1, tf.abs(x)))),
  HardSigmoid: unary((x, a) => tf.clipByValue(tf.add(tf.mul(num(a, 'alpha', 0.2), x), num(a, 'beta', 0.5)), 0, 1)),
  HardSwish: unary((x) => tf.mul(x, tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1))),
  Mish: unary((x) => tf.mul(x, tf.tanh(tf.softplus(x)))),
  Gelu: unary((x, a) =>
    a.approximate === 'tanh'
      ? tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))))
      : tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))),
  ),
  Exp: unary((x) => tf.exp(x)),
  Log: unary((x) => tf.log(x)),
  Sqrt: unary((x) => tf.sqrt(x)),
  Abs: unary((x) => tf.abs(x)),
  Neg: unary((x) => tf.neg(x)),
  Reciprocal: unary((x) => tf.reciprocal(x)),
  Floor: unary((x) => tf.floor(x)),
  Ceil: unary((x) => tf.ceil(x)),
  Round: unary((x) => tf.round(x)),
  Sin: unary((x) => tf.sin(x)),
  Cos: unary((x) => tf.cos(x)),
  Erf: unary((x) => tf.erf(x)),
  Sign: unary((x) => tf.sign(x)),
  Not: unary((x) => tf.logicalNot(tf.cast(x, 'bool'))),
  IsNaN: unary((x) => tf.isNaN(x)),
  Clip: unary((x, a) => {
    // tf.clipByValue has no gradient outside its range, as Clip; open bounds stay open.
    const lo = num(a, 'min', -Infinity);
    const hi = num(a, 'max', Infinity);
    return tf.minimum(tf.maximum(x, lo), hi);
  }),
  Cast: unary((x, a) => tf.cast(x, (a.to as 'float32' | 'int32' | 'bool') ?? 'float32')),
  Add: binary(arith(tf.add)),
  Sub: binary(arith(tf.sub)),
  Mul: binary(arith(tf.mul)),
  Div: (x) => {
    const [a, b] = sameType(x[0], x[1]);
    // Integer division truncates toward zero (shape arithmetic); floats divide.
    return a.dtype === 'int32' ? tf.cast(trunc(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'))), 'int32') : tf.div(a, b);
  },
  Pow: (x) => tf.pow(tf.cast(x[0], 'float32'), tf.cast(x[1], 'float32')),
  // fmod = 1: the sign of the dividend (C fmod); fmod = 0: the sign of the divisor (floor mod).
  Mod: (x, a) => {
    const [p, q] = sameType(x[0], x[1]);
    if (!a.fmod) return tf.mod(p, q);
    const pf = tf.cast(p, 'float32');
    const qf = tf.cast(q, 'float32');
    return tf.cast(tf.sub(pf, tf.mul(qf, trunc(tf.div(pf, qf)))), p.dtype);
  },
  Max: variadic(arith(tf.maximum)),
  Min: variadic(arith(tf.minimum)),
  Sum: variadic(arith(tf.add)),
  Mean: (x) => tf.div(variadic(arith(tf.add))(x, {}) as tf.Tensor, x.length),
  Equal: binary(arith(tf.equal)),
  Greater: binary(arith(tf.greater)),
  Less: binary(arith(tf.less)),
  GreaterOrEqual: binary(arith(tf.greaterEqual)),
  LessOrEqual: binary(arith(tf.lessEqual)),
  And: binary((x, y) => tf.logicalAnd(tf.cast(x, 'bool'), tf.cast(y, 'bool'))),
  Or: binary((x, y) => tf.logicalOr(tf.cast(x, 'bool'), tf.cast(y, 'bool'))),
  Xor: binary((x, y) => tf.logicalXor(tf.cast(x, 'bool'), tf.cast(y, 'bool'))),
  Where: (x) => {
    const [a, b] = sameType(x[1], x[2]);
    const shape = broadcastShape(broadcastShape(x[0].shape, a.shape), b.shape);
    return tf.where(tf.broadcastTo(tf.cast(x[0], 'bool'), shape), tf.broadcastTo(a, shape), tf.broadcastTo(b, shape));
  },
};
