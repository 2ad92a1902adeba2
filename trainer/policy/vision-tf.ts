/**
 * The trainable (tfjs) image encoder of one camera: a `Sequential` of "same"-padded ReLU `Conv2D`
 * layers, param-free pooling (spatial softmax or average), and a `Sequential` with one linear `Dense`
 * projection. Both `Sequential`s are stored in the policy blob like the head's networks, so
 * `tf.loadLayersModel` reads them anywhere and conv.ts runs them without tfjs.
 *
 * The forward pass calls the layers' variables with our own ops rather than `model.apply`, for one
 * reason: tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel, so the stock gradient of
 * `tf.conv2d` throws there. {@link conv2dSame} supplies both gradients from public ops where the
 * backend lacks the kernel (both as forward convolutions, the backend's fast kernel: see
 * {@link convFilterGrad} and {@link convInputGrad}), and uses the stock op (and its native gradient)
 * where it has it (WebGPU, tfjs-node, cpu). Measured on this 2-core box, 64×64×3 batch 64, default
 * encoder: the stock `Conv2DBackpropInput` and a strided-slice im2col for the filter made a step ~3 s.
 *
 * Browser-safe.
 */
import * as tf from "@tensorflow/tfjs";
import { gridCoord, samePadding } from "./conv";
import { type TCamera, type TConvEncoder } from "../../contracts/policy-spec";
import { convStride, pooledDim } from "./spec";

export interface TfEncoder {
  readonly conv: tf.Sequential;
  readonly projection: tf.Sequential;
}

/** Builds the encoder of one camera, seeded. */
export function buildEncoder(camera: TCamera, encoder: TConvEncoder, seed: number): TfEncoder {
  const conv = tf.sequential();
  let s = seed;
  encoder.channels.forEach((filters, i) => {
    conv.add(
      tf.layers.conv2d({
        filters,
        kernelSize: encoder.kernelSize,
        strides: convStride(encoder, i),
        padding: "same",
        activation: "relu",
        kernelInitializer: tf.initializers.heUniform({ seed: s++ }),
        ...(i === 0 ? { inputShape: [...camera.shape] } : {}),
      }),
    );
  });
  const projection = tf.sequential();
  projection.add(
    tf.layers.dense({
      units: encoder.featureDim,
      activation: "linear",
      inputShape: [pooledDim(encoder)],
      kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }),
    }),
  );
  return { conv, projection };
}

/**
 * `[b, H, W, C]` pixels as int32 or float32 in 0–255 → `[b, featureDim]` features. The uint8 → [0, 1]
 * normalisation happens here, in the graph (the host uploads bytes, never a float copy).
 */
export function encodeImages(enc: TfEncoder, pooling: TConvEncoder["pooling"], pixels: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    let x = tf.div(tf.cast(pixels, "float32"), 255) as tf.Tensor4D;
    for (const [i, layer] of enc.conv.layers.entries()) {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
      const cfg = layer.getConfig() as { strides: number[] };
      x = tf.relu(tf.add(conv2dSame(x, kernel as tf.Tensor4D, cfg.strides[0] as number, i > 0), bias as tf.Tensor1D)) as tf.Tensor4D;
    }
    const pooled = pooling === "spatial-softmax" ? spatialSoftmax(x) : (tf.mean(x, [1, 2]) as tf.Tensor2D);
    return enc.projection.apply(pooled) as tf.Tensor2D;
  });
}

/** `[b, h, w, K]` → `[b, 2K]`: expected (x, y) of each channel's softmax over positions, interleaved. */
export function spatialSoftmax(f: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, h, w, K] = f.shape;
    const attention = tf.softmax(tf.reshape(tf.transpose(tf.reshape(f, [b, h * w, K]), [0, 2, 1]), [b * K, h * w]));
    const grid = new Float32Array(h * w * 2);
    for (let p = 0; p < h * w; p++) {
      grid[2 * p] = gridCoord(p % w, w);
      grid[2 * p + 1] = gridCoord(Math.floor(p / w), h);
    }
    return tf.reshape(tf.matMul(attention, tf.tensor2d(grid, [h * w, 2])), [b, 2 * K]) as tf.Tensor2D;
  });
}

/** Whether the active backend computes conv filter gradients itself. */
function nativeFilterGrad(): boolean {
  return tf.getKernel("Conv2DBackpropFilter", tf.getBackend()) !== undefined;
}

/**
 * "same"-padded NHWC convolution whose gradient works on every backend (see the module comment).
 * `inputGrad: false` (the first layer: pixels need no gradient) skips ∂L/∂x on the custom path.
 */
export function conv2dSame(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number, inputGrad = true): tf.Tensor4D {
  if (nativeFilterGrad()) return tf.conv2d(x, kernel, stride, "same");
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, kIn, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xIn, kIn]);
    return {
      value: tf.conv2d(xIn as tf.Tensor4D, kIn as tf.Tensor4D, stride, "same"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dx = inputGrad ? convInputGrad(dy as tf.Tensor4D, ks, xs.shape, stride) : tf.zerosLike(xs);
        return [dx, convFilterGrad(xs, dy as tf.Tensor4D, ks.shape, stride)];
      },
    };
  });
  return op(x, kernel) as tf.Tensor4D;
}

/**
 * `[b, h, w, c]` → `[b, s·h, s·w, c]` with `x` at the multiples of `s` and zeros between (the
 * "dilated" output gradient of a strided convolution), built from concat + reshape only.
 */
function dilate(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  const [b, h, w, c] = x.shape;
  const zw = tf.zeros([b, h, w, c * (s - 1)]);
  const alongW = tf.reshape(tf.concat([x, zw], 3), [b, h, s * w, c]);
  const zh = tf.zeros([b, h, s * w * (s - 1), c]);
  return tf.reshape(tf.concat([alongW, zh], 2), [b, s * h, s * w, c]) as tf.Tensor4D;
}

/**
 * ∂L/∂x of a "same" convolution as a stride-1 "valid" convolution (the wasm backend's fast kernel) of
 * the dilated, padded output gradient with the flipped kernel — instead of `Conv2DBackpropInput`,
 * which tfjs-backend-wasm 4.22 runs ~15× slower than a forward convolution of the same size.
 */
export function convInputGrad(dy: tf.Tensor4D, kernel: tf.Tensor4D, xShape: readonly number[], stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = xShape as [number, number, number, number];
    const [k] = kernel.shape;
    const ph = samePadding(h, k, stride);
    const pw = samePadding(w, k, stride);
    let d = dilate(dy, stride);
    // Output pixel i reads dilated positions i + before − (k−1) … i + before.
    const span = (len: number, size: number, before: number): [number, number] => [k - 1 - before, size - 1 + before - (len - 1)];
    const [top, bottom] = span(stride * ph.out, h, ph.before);
    const [left, right] = span(stride * pw.out, w, pw.before);
    if (bottom < 0 || right < 0) {
      const [b, dh, dw, c] = d.shape;
      d = tf.slice(d, [0, 0, 0, 0], [b, dh + Math.min(bottom, 0), dw + Math.min(right, 0), c]);
    }
    const padded = tf.pad(d, [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ]);
    const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padded as tf.Tensor4D, flipped, 1, "valid");
  });
}

/**
 * ∂L/∂kernel of a "same" convolution as one forward convolution: the padded input with its batch axis
 * as channels (`[cin, Hp, Wp, b]`) convolved with the output gradient as the filter (`[oh, ow, b, cout]`,
 * dilated by the stride) gives `[cin, k, k, cout]`. On wasm this runs 4–7× faster than an im2col of
 * k² slices + one matrix product (measured: 67–180 ms vs 470–830 ms per layer at batch 64).
 */
export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kernelShape: readonly number[], stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [k] = kernelShape as [number, number, number, number];
    const [, h, w] = x.shape;
    const ph = samePadding(h, k, stride);
    const pw = samePadding(w, k, stride);
    const needH = (ph.out - 1) * stride + k;
    const needW = (pw.out - 1) * stride + k;
    let padded = tf.pad(x, [
      [0, 0],
      [ph.before, Math.max(needH - h - ph.before, 0)],
      [pw.before, Math.max(needW - w - pw.before, 0)],
      [0, 0],
    ]) as tf.Tensor4D;
    if (padded.shape[1] > needH || padded.shape[2] > needW) padded = tf.slice(padded, [0, 0, 0, 0], [padded.shape[0], needH, needW, padded.shape[3]]);
    const xt = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, Hp, Wp, b]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, b, cout]
    const g = tf.conv2d(xt, f, 1, "valid", "NHWC", stride); // [cin, k, k, cout]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
