/**
 * The image encoder of a policy evaluated in plain JavaScript (the inference twin of ./vision-tf.ts, as
 * ./dense.ts is the twin of ./mlp.ts): "same"-padded 2-D convolutions with ReLU over `H × W × C`
 * row-major pixels, spatial-softmax keypoints or global average pooling, then a linear projection.
 * The same code runs in Node and in the browser, so a policy acts identically in both.
 *
 * Cost: the default encoder (32-32-32 channels, two stride-2 layers) on a 64×64×3 image is ≈ 5.7 M
 * multiply-adds — 39 ms per act() measured on the shared 2-core box at load ≈ 17; training runs the
 * tfjs graph instead.
 *
 * Browser-safe; no runtime tfjs import.
 */
import { denseStackFromArtifacts, type DenseStack, type NetArtifacts } from "./dense";
import type { TConvEncoder } from "../../contracts/policy-spec";

export interface ConvLayer {
  readonly kernelSize: number;
  readonly stride: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** `[k × k × inChannels × outChannels]` row-major (tfjs' Conv2D kernel layout). */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** TensorFlow's "same" padding: output `ceil(in / stride)`, the odd pixel of padding after. */
export function samePadding(inSize: number, kernel: number, stride: number): { out: number; before: number; after: number } {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** One "same" convolution + ReLU of one image `[h × w × cin]` → `[oh × ow × cout]`. */
function convForward(layer: ConvLayer, x: Float32Array, h: number, w: number): { y: Float32Array; h: number; w: number } {
  const { kernelSize: k, stride: s, inChannels: cin, outChannels: cout, kernel, bias } = layer;
  const ph = samePadding(h, k, s);
  const pw = samePadding(w, k, s);
  const y = new Float32Array(ph.out * pw.out * cout);
  const acc = new Float64Array(cout);
  for (let oy = 0; oy < ph.out; oy++) {
    for (let ox = 0; ox < pw.out; ox++) {
      acc.set(bias);
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s + ky - ph.before;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * s + kx - pw.before;
          if (ix < 0 || ix >= w) continue;
          const xo = (iy * w + ix) * cin;
          const ko = (ky * k + kx) * cin * cout;
          for (let ci = 0; ci < cin; ci++) {
            const xv = x[xo + ci] as number;
            if (xv === 0) continue;
            const kc = ko + ci * cout;
            for (let co = 0; co < cout; co++) acc[co] = (acc[co] as number) + xv * (kernel[kc + co] as number);
          }
        }
      }
      const yo = (oy * pw.out + ox) * cout;
      for (let co = 0; co < cout; co++) {
        const v = acc[co] as number;
        y[yo + co] = v > 0 ? v : 0;
      }
    }
  }
  return { y, h: ph.out, w: pw.out };
}

/**
 * Spatial softmax over a `[h × w × K]` feature map: per channel, the softmax over positions and the
 * expected (x, y) in [-1, 1] — written interleaved `[x0, y0, x1, y1, …]` into `out` at `offset`.
 */
export function spatialSoftmaxInto(f: Float32Array, h: number, w: number, K: number, out: Float32Array, offset: number): void {
  const hw = h * w;
  for (let c = 0; c < K; c++) {
    let max = -Infinity;
    for (let p = 0; p < hw; p++) max = Math.max(max, f[p * K + c] as number);
    let sum = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < hw; p++) {
      const e = Math.exp((f[p * K + c] as number) - max);
      sum += e;
      sx += e * gridCoord(p % w, w);
      sy += e * gridCoord(Math.floor(p / w), h);
    }
    out[offset + 2 * c] = sx / sum;
    out[offset + 2 * c + 1] = sy / sum;
  }
}

/** Pixel `i` of `n` in [-1, 1] (the keypoint grid; a single pixel sits at 0). */
export function gridCoord(i: number, n: number): number {
  return n === 1 ? 0 : -1 + (2 * i) / (n - 1);
}

/** The encoder of one camera: conv stack, pooling, projection. */
export class ConvEncoder {
  readonly featureDim: number;

  constructor(
    readonly shape: readonly [number, number, number],
    readonly layers: readonly ConvLayer[],
    readonly pooling: TConvEncoder["pooling"],
    readonly projection: DenseStack,
  ) {
    let cin = shape[2];
    for (const [i, l] of layers.entries()) {
      if (l.inChannels !== cin) throw new Error(`ConvEncoder: layer ${i} expects ${l.inChannels} channels, gets ${cin}`);
      cin = l.outChannels;
    }
    const pooled = pooling === "spatial-softmax" ? 2 * cin : cin;
    if (projection.inputDim !== pooled) throw new Error(`ConvEncoder: projection expects ${projection.inputDim} inputs, pooling gives ${pooled}`);
    this.featureDim = projection.outputDim;
  }

  /** `[batch × H × W × C]` bytes (0–255, any ArrayLike) → `[batch × featureDim]` features. */
  forward(pixels: ArrayLike<number>, batch: number): Float32Array {
    const [H, W, C] = this.shape;
    const size = H * W * C;
    if (pixels.length !== batch * size) throw new Error(`ConvEncoder.forward: got ${pixels.length} values for ${batch}×${H}×${W}×${C}`);
    const K = (this.layers[this.layers.length - 1] as ConvLayer).outChannels;
    const pooledDim = this.pooling === "spatial-softmax" ? 2 * K : K;
    const pooled = new Float32Array(batch * pooledDim);
    for (let b = 0; b < batch; b++) {
      // uint8 → [0, 1], as the training graph does (vision-tf.ts).
      let x: Float32Array = new Float32Array(size);
      for (let i = 0; i < size; i++) x[i] = (pixels[b * size + i] as number) / 255;
      let h = H;
      let w = W;
      for (const layer of this.layers) ({ y: x, h, w } = convForward(layer, x, h, w));
      if (this.pooling === "spatial-softmax") spatialSoftmaxInto(x, h, w, K, pooled, b * pooledDim);
      else {
        const hw = h * w;
        for (let c = 0; c < K; c++) {
          let s = 0;
          for (let p = 0; p < hw; p++) s += x[p * K + c] as number;
          pooled[b * pooledDim + c] = s / hw;
        }
      }
    }
    return this.projection.forward(pooled, batch);
  }
}

/**
 * Reads an encoder saved as two tfjs `Sequential`s (Conv2D layers; one Dense projection) — see
 * vision-tf.ts — into a {@link ConvEncoder}.
 */
export function convEncoderFromArtifacts(
  shape: readonly [number, number, number],
  encoder: TConvEncoder,
  convArt: NetArtifacts,
  projArt: NetArtifacts,
): ConvEncoder {
  const topology = convArt.modelTopology as {
    class_name?: string;
    config?: { layers?: Array<{ class_name: string; config: Record<string, unknown> }> };
  };
  const layerConfigs = topology.config?.layers;
  if (topology.class_name !== "Sequential" || layerConfigs === undefined) throw new Error("policy encoder: expected a tfjs Sequential model");
  const byName = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of convArt.weightSpecs) {
    if (spec.dtype !== undefined && spec.dtype !== "float32") throw new Error(`policy encoder: ${spec.name} is ${spec.dtype}`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    byName.set(spec.name, { shape: spec.shape, values: new Float32Array(convArt.weightData.slice(offset, offset + size * 4)) });
    offset += size * 4;
  }
  const layers: ConvLayer[] = layerConfigs.map((lc) => {
    if (lc.class_name !== "Conv2D") throw new Error(`policy encoder: unsupported layer ${lc.class_name}`);
    const cfg = lc.config;
    const name = String(cfg["name"]);
    const kernel = byName.get(`${name}/kernel`);
    const bias = byName.get(`${name}/bias`);
    if (kernel === undefined || bias === undefined) throw new Error(`policy encoder: no weights for ${name}`);
    const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
    const strides = cfg["strides"] as number[];
    if (kh !== kw || strides[0] !== strides[1]) throw new Error(`policy encoder: ${name} is not square`);
    if (cfg["padding"] !== "same" || cfg["activation"] !== "relu" || (cfg["data_format"] ?? "channels_last") !== "channels_last") {
      throw new Error(`policy encoder: ${name} must be a "same"-padded ReLU convolution, channels last`);
    }
    const dilation = cfg["dilation_rate"] as number[] | number | undefined;
    if (dilation !== undefined && [dilation].flat().some((d) => d !== 1)) throw new Error(`policy encoder: ${name} is dilated`);
    return { kernelSize: kh, stride: strides[0] as number, inChannels: cin, outChannels: cout, kernel: kernel.values, bias: bias.values };
  });
  return new ConvEncoder(shape, layers, encoder.pooling, denseStackFromArtifacts(projArt));
}
