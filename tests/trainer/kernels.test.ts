/**
 * The wasm MatMul fix (trainer/kernels/wasm-matmul.ts) gives the same numbers as the stock wasm
 * kernels, for every transpose combination, batched and fused, and for dense-layer gradients.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBackend } from "../../trainer/backend";
import { installWasmMatMulFix, isWasmMatMulFixInstalled, uninstallWasmMatMulFix } from "../../trainer/kernels/wasm-matmul";

beforeAll(async () => {
  const loaded = await loadBackend("wasm", { wasmMatMulFix: false });
  expect(loaded.attempt.ok).toBe(true);
});
afterAll(() => uninstallWasmMatMulFix());

/** Runs `f` with the stock kernels and with the fix; returns both results as arrays. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (): Promise<Float32Array[]> => {
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(list);
    return data;
  };
  uninstallWasmMatMulFix();
  const stock = await run();
  expect(installWasmMatMulFix()).toBe(true);
  const fixed = await run();
  uninstallWasmMatMulFix();
  return [stock, fixed];
}

function expectClose(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    expect(y.length).toBe(x.length);
    let maxErr = 0;
    let maxAbs = 0;
    for (let j = 0; j < x.length; j++) {
      maxErr = Math.max(maxErr, Math.abs((x[j] as number) - (y[j] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(x[j] as number));
    }
    expect(maxErr).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs));
  });
}

describe("wasm MatMul fix", () => {
  it("is installed and uninstalled through the kernel registry", () => {
    expect(isWasmMatMulFixInstalled()).toBe(false);
    expect(installWasmMatMulFix()).toBe(true);
    expect(isWasmMatMulFixInstalled()).toBe(true);
    uninstallWasmMatMulFix();
    expect(isWasmMatMulFixInstalled()).toBe(false);
  });

  it("matches the stock BatchMatMul for every transpose combination (2-D and batched 3-D)", async () => {
    const a2 = tf.randomNormal([37, 19], 0, 1, "float32", 1);
    const b2 = tf.randomNormal([19, 23], 0, 1, "float32", 2);
    const a3 = tf.randomNormal([3, 11, 7], 0, 1, "float32", 3);
    const b3 = tf.randomNormal([3, 7, 5], 0, 1, "float32", 4);
    const [stock, fixed] = await both(() => [
      tf.matMul(a2, b2),
      tf.matMul(tf.transpose(a2), b2, true, false),
      tf.matMul(a2, tf.transpose(b2), false, true),
      tf.matMul(tf.transpose(a2), tf.transpose(b2), true, true),
      tf.matMul(a3, b3),
      tf.matMul(tf.transpose(a3, [0, 2, 1]), b3, true, false),
      tf.matMul(a3, tf.transpose(b3, [0, 2, 1]), false, true),
    ]);
    expectClose(stock, fixed);
    // And the transposed forms equal the plain product.
    expectClose([stock[0] as Float32Array], [fixed[3] as Float32Array]);
    tf.dispose([a2, b2, a3, b3]);
  });

  it("computes _FusedMatMul (bias + activation) with transposes correctly", async () => {
    // Reference: the untransposed fused product (stock kernel) — equal to matMul + bias + relu.
    // Note: tfjs-backend-wasm 4.22's *stock* _FusedMatMul with a transposed operand and a bias gives
    // wrong numbers for part of the output (bias indexed by the wrong axis), so the fix is compared
    // with the untransposed product, not with the stock transposed one.
    const a = tf.randomNormal([16, 8], 0, 1, "float32", 5);
    const b = tf.randomNormal([8, 12], 0, 1, "float32", 6);
    const bias = tf.randomNormal([12], 0, 1, "float32", 7);
    const [stock, fixed] = await both(() => [
      tf.fused.matMul({ a, b, bias, activation: "relu" }),
      tf.fused.matMul({ a: tf.transpose(a), b, transposeA: true, bias, activation: "relu" }),
      tf.fused.matMul({ a, b: tf.transpose(b), transposeB: true, bias, activation: "relu" }),
      tf.relu(tf.add(tf.matMul(a, b), bias)),
    ]);
    const reference = stock[0] as Float32Array;
    expectClose([reference], [stock[3] as Float32Array]);
    expectClose([reference, reference, reference], [fixed[0] as Float32Array, fixed[1] as Float32Array, fixed[2] as Float32Array]);
    tf.dispose([a, b, bias]);
  });

  it("gives the same gradients for a dense layer (the training path that uses transposed products)", async () => {
    const x = tf.randomNormal([64, 8], 0, 1, "float32", 8);
    const w = tf.randomNormal([8, 32], 0, 1, "float32", 9);
    const bias = tf.randomNormal([32], 0, 1, "float32", 10);
    const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: "relu" })));
    const [stock, fixed] = await both(() => tf.grads(loss)([x, w, bias]));
    expectClose(stock, fixed);
    tf.dispose([x, w, bias]);
  });

  it("does not leak tensors", () => {
    installWasmMatMulFix();
    const a = tf.randomNormal([20, 10]);
    const b = tf.randomNormal([20, 10]);
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) tf.matMul(a, b, false, true).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    tf.dispose([a, b]);
    uninstallWasmMatMulFix();
  });
});
