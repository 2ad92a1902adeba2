/**
 * Dense-layer networks evaluated in plain JavaScript over the weights of a saved tfjs `Sequential`
 * (for inference: a policy step on an 8→64→64→k net is microseconds, with no backend, no async and no
 * tensors to dispose — in Node and in the browser alike). No runtime tfjs import.
 */
import type * as TF from "@tensorflow/tfjs";

type Activation = "relu" | "tanh" | "linear";

export interface DenseLayer {
  readonly inDim: number;
  readonly outDim: number;
  /** `[inDim × outDim]` row-major (tfjs' kernel layout). */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly activation: Activation;
}

/** A stack of dense layers evaluated in plain JavaScript. */
export class DenseStack {
  constructor(readonly layers: readonly DenseLayer[]) {
    for (let i = 1; i < layers.length; i++) {
      if ((layers[i] as DenseLayer).inDim !== (layers[i - 1] as DenseLayer).outDim) {
        throw new Error(`DenseStack: layer ${i} expects ${(layers[i] as DenseLayer).inDim} inputs`);
      }
    }
  }

  get inputDim(): number {
    return (this.layers[0] as DenseLayer).inDim;
  }

  get outputDim(): number {
    return (this.layers[this.layers.length - 1] as DenseLayer).outDim;
  }

  /** `[batch × inputDim] → [batch × outputDim]` */
  forward(input: Float32Array, batch: number): Float32Array {
    if (input.length !== batch * this.inputDim) {
      throw new Error(`DenseStack.forward: got ${input.length} values for ${batch}×${this.inputDim}`);
    }
    let x = input;
    for (const layer of this.layers) x = denseForward(layer, x, batch);
    return x;
  }
}

function denseForward(layer: DenseLayer, x: Float32Array, batch: number): Float32Array {
  const { inDim, outDim, kernel, bias, activation } = layer;
  const y = new Float32Array(batch * outDim);
  const acc = new Float64Array(outDim);
  for (let b = 0; b < batch; b++) {
    acc.set(bias);
    const xo = b * inDim;
    for (let i = 0; i < inDim; i++) {
      const xi = x[xo + i] as number;
      if (xi === 0) continue;
      const ko = i * outDim;
      for (let o = 0; o < outDim; o++) acc[o] = (acc[o] as number) + xi * (kernel[ko + o] as number);
    }
    const yo = b * outDim;
    for (let o = 0; o < outDim; o++) {
      const v = acc[o] as number;
      y[yo + o] = activation === "relu" ? (v > 0 ? v : 0) : activation === "tanh" ? Math.tanh(v) : v;
    }
  }
  return y;
}

/** The parts of a tfjs `ModelArtifacts` we store per network. */
export interface NetArtifacts {
  readonly modelTopology: unknown;
  readonly weightSpecs: readonly TF.io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
}

/** Reads a saved `Sequential` of `Dense` layers into a {@link DenseStack} (no tfjs backend needed). */
export function denseStackFromArtifacts(art: NetArtifacts): DenseStack {
  const topology = art.modelTopology as {
    class_name?: string;
    config?: { layers?: Array<{ class_name: string; config: Record<string, unknown> }> };
  };
  const layerConfigs = topology.config?.layers;
  if (topology.class_name !== "Sequential" || layerConfigs === undefined) {
    throw new Error("policy network: expected a tfjs Sequential model");
  }
  // Locate each weight's bytes.
  const byName = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of art.weightSpecs) {
    if (spec.dtype !== undefined && spec.dtype !== "float32") throw new Error(`policy network: ${spec.name} is ${spec.dtype}`);
    if (spec.quantization !== undefined) throw new Error(`policy network: quantised weights are not supported`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    byName.set(spec.name, { shape: spec.shape, values: new Float32Array(art.weightData.slice(offset, offset + size * 4)) });
    offset += size * 4;
  }
  const layers: DenseLayer[] = [];
  for (const lc of layerConfigs) {
    if (lc.class_name !== "Dense") throw new Error(`policy network: unsupported layer ${lc.class_name}`);
    const name = String(lc.config["name"]);
    const kernel = byName.get(`${name}/kernel`);
    if (kernel === undefined) throw new Error(`policy network: no weights for ${name}/kernel`);
    const [inDim, outDim] = kernel.shape as [number, number];
    const useBias = lc.config["use_bias"] !== false;
    const bias = useBias ? byName.get(`${name}/bias`)?.values : new Float32Array(outDim);
    if (bias === undefined) throw new Error(`policy network: no weights for ${name}/bias`);
    const act = String(lc.config["activation"] ?? "linear");
    if (act !== "relu" && act !== "tanh" && act !== "linear") throw new Error(`policy network: activation ${act}`);
    layers.push({ inDim, outDim, kernel: kernel.values, bias, activation: act });
  }
  return new DenseStack(layers);
}

