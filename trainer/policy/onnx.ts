/**
 * A policy blob as an ONNX model (opset 17), written with `onnx-proto`'s protobuf definitions.
 *
 * Input `observation` `[batch, obsDim]` float32 in env units; the graph normalises it as the TypeScript
 * runtime does ((x − mean) / std, clipped to ±OBS_CLIP), then runs every ensemble member's networks
 * (Dense layers as MatMul + Add + Relu/Tanh).
 *
 * Image policies (`spec.vision`) take a Dict observation instead: `state` `[batch, obsDim]` float32 (absent
 * for camera-only policies) and one uint8 input per camera, named after its key, `[batch, H, W, C]` 0–255
 * (NHWC, row-major, as `Policy.act` takes the pixels). Per member and camera the graph mirrors conv.ts:
 * Cast + /255, Transpose to NCHW, per layer a Conv (kernel HWIO → OIHW; tfjs "same" padding as explicit
 * pads, the odd pixel after) + Relu, then spatial softmax (Softmax over H·W per channel, MatMul with the
 * [-1, 1] grid → interleaved x, y) or GlobalAveragePool, then the linear projection; the cameras' features
 * and the normalised state are concatenated and fed to the head's networks.
 *
 * Outputs (normalised action units, `M` = ensemble size):
 *
 * | head | `params` `[M, batch, ·]` | `action` |
 * |---|---|---|
 * | categorical | probabilities `[n]` | int64 `[batch]`: argmax (ensemble: majority vote) |
 * | gaussian | `[μ (d) \| log σ (d)]` | `[batch, d]` env units: μ (ensemble: medoid) |
 * | mog | `[π (k) \| μ (k·d) \| log σ (k·d)]` | μ of the most probable component |
 * | autoregressive | bin probabilities `[d·B]` given the decoded prefix | the refined argmax bin per dimension |
 * | cvae | decoder `[μ_a (d) \| log σ_a (d)]` at input `latent` `[batch, L]` (ε in prior-σ units) | — |
 * | diffusion | ε̂ `[d]` at inputs `action_t` `[batch, d]`, `timestep` `[batch, 1]` | — |
 *
 * Box actions leave the graph denormalised (a·scale + centre) and clipped to the space's bounds. The
 * cvae and diffusion samplers are loops the caller runs (docs/FORMATS.md); the constants they need
 * (normalisation, ᾱ schedule, timesteps) are in the model's `metadata_props` as JSON, with, for image
 * policies, each camera input's dtype, layout and shape.
 */
import onnxProto from "onnx-proto";
import { decodePolicyBlob } from "./blob";
import { convEncoderFromArtifacts, gridCoord, samePadding, type ConvEncoder } from "./conv";
import { denseStackFromArtifacts, type DenseStack } from "./dense";
import { encoderNetIndex } from "./encoder-layout";
import { createHead } from "./heads";
import { binCenters } from "./heads/autoregressive";
import { alphaBars, samplingTimesteps, TIME_EMBED_DIM } from "./heads/diffusion";
import { LOG_STD_MAX, LOG_STD_MIN } from "./heads/types";
import { OBS_CLIP } from "./normalize";
import { actionDim, headInputDim } from "./spec";

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
type IAttr = onnxProto.onnx.IAttributeProto;

export const ONNX_OPSET = 17;
export const ONNX_MIME = "application/onnx";
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const UINT8 = onnx.TensorProto.DataType.UINT8;
/** Graph tensor names the caller sees besides the cameras (by head kind); a camera may not take one. */
function reservedNames(kind: string): string[] {
  return ["state", "params", "action", ...(kind === "cvae" ? ["latent"] : kind === "diffusion" ? ["action_t", "timestep"] : [])];
}

const attrInt = (name: string, i: number): IAttr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): IAttr => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });

/** Nodes and initialisers of one graph, with generated names. */
class Graph {
  readonly nodes: INode[] = [];
  readonly initializers: ITensor[] = [];
  private n = 0;

  /** Internal names start with "/", which no input name (camera keys included) can. */
  private name(prefix: string): string {
    return `/${prefix}_${this.n++}`;
  }

  floats(dims: number[], values: ArrayLike<number>, prefix = "c"): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dataType: FLOAT, dims, floatData: Array.from(values) });
    return name;
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    const name = this.name("i");
    this.initializers.push({ name, dataType: INT64, dims, int64Data: values });
    return name;
  }

  op(opType: string, inputs: string[], attribute: IAttr[] = [], output?: string): string {
    const out = output ?? this.name(opType.toLowerCase());
    this.nodes.push({ opType, input: inputs, output: [out], attribute, name: out });
    return out;
  }

  /** Columns [from, to) of a `[batch, w]` tensor. */
  cols(x: string, from: number, to: number): string {
    return this.op("Slice", [x, this.ints([from]), this.ints([to]), this.ints([1])]);
  }

  dense(x: string, stack: DenseStack): string {
    let h = x;
    for (const layer of stack.layers) {
      h = this.op("Add", [this.op("MatMul", [h, this.floats([layer.inDim, layer.outDim], layer.kernel, "w")]), this.floats([layer.outDim], layer.bias, "b")]);
      if (layer.activation === "relu") h = this.op("Relu", [h]);
      else if (layer.activation === "tanh") h = this.op("Tanh", [h]);
    }
    return h;
  }

  /** LOG_STD_MIN + (LOG_STD_MAX − LOG_STD_MIN)·sigmoid(raw): heads' squashed log σ. */
  squash(raw: string): string {
    return this.op("Add", [this.op("Mul", [this.op("Sigmoid", [raw]), this.floats([], [LOG_STD_MAX - LOG_STD_MIN])]), this.floats([], [LOG_STD_MIN])]);
  }

  /**
   * One camera's encoder (conv.ts) on its preprocessed pixels `[batch, C, H, W]` (float, 0–1) →
   * `[batch, featureDim]`.
   */
  convEncoder(x: string, enc: ConvEncoder): string {
    let [h, w] = enc.shape;
    let y = x;
    for (const layer of enc.layers) {
      const { kernelSize: k, stride: s, inChannels: cin, outChannels: cout } = layer;
      const ph = samePadding(h, k, s);
      const pw = samePadding(w, k, s);
      // tfjs kernel [k, k, cin, cout] (HWIO) → ONNX [cout, cin, k, k] (OIHW).
      const oihw = new Float32Array(layer.kernel.length);
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) oihw[((co * cin + ci) * k + ky) * k + kx] = layer.kernel[((ky * k + kx) * cin + ci) * cout + co] as number;
          }
        }
      }
      const conv = this.op(
        "Conv",
        [y, this.floats([cout, cin, k, k], oihw, "w"), this.floats([cout], layer.bias, "b")],
        [attrInts("kernel_shape", [k, k]), attrInts("strides", [s, s]), attrInts("pads", [ph.before, pw.before, ph.after, pw.after]), attrInts("dilations", [1, 1]), attrInt("group", 1)],
      );
      y = this.op("Relu", [conv]);
      h = ph.out;
      w = pw.out;
    }
    const K = (enc.layers[enc.layers.length - 1] as { outChannels: number }).outChannels;
    let pooled: string;
    if (enc.pooling === "spatial-softmax") {
      // Per channel: softmax over the h·w positions, then the expected (x, y) on conv.ts's grid.
      const grid = new Float32Array(h * w * 2);
      for (let p = 0; p < h * w; p++) {
        grid[2 * p] = gridCoord(p % w, w);
        grid[2 * p + 1] = gridCoord(Math.floor(p / w), h);
      }
      const attention = this.op("Softmax", [this.op("Reshape", [y, this.ints([0, K, h * w])])], [attrInt("axis", -1)]);
      pooled = this.op("Reshape", [this.op("MatMul", [attention, this.floats([h * w, 2], grid, "grid")]), this.ints([0, 2 * K])]);
    } else {
      pooled = this.op("Flatten", [this.op("GlobalAveragePool", [y])], [attrInt("axis", 1)]);
    }
    return this.dense(pooled, enc.projection);
  }

  concat(xs: string[], axis: number): string {
    return xs.length === 1 ? (xs[0] as string) : this.op("Concat", xs, [attrInt("axis", axis)]);
  }

  /** Stacks `[batch, w]` tensors into `[M, batch, w]`. */
  stack(xs: string[]): string {
    return this.concat(
      xs.map((x) => this.op("Unsqueeze", [x, this.ints([0])])),
      0,
    );
  }

  /** One-hot rows (float) of int64 indices `[batch]` over `depth` classes: `[batch, depth]`. */
  oneHot(indices: string, depth: number, axis = -1): string {
    return this.op("OneHot", [indices, this.ints([depth], []), this.floats([2], [0, 1])], [attrInt("axis", axis)]);
  }

  argmax(x: string, axis: number): string {
    return this.op("ArgMax", [x], [attrInt("axis", axis), attrInt("keepdims", 0)]);
  }

  sum(x: string, axis: number, keepdims = 0): string {
    return this.op("ReduceSum", [x, this.ints([axis])], [attrInt("keepdims", keepdims)]);
  }
}

const valueInfo = (name: string, elemType: number, dims: Array<number | string>) => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
});

/** The ONNX model of a policy blob (see the module comment). */
export function policyToOnnx(blob: Uint8Array, meta: { name?: string; version?: number } = {}): Uint8Array {
  const decoded = decodePolicyBlob(blob);
  const { spec, extras } = decoded.header;
  const head = createHead(headInputDim(spec), spec.actionSpace, spec.head);
  const d = actionDim(spec.actionSpace);
  const M = spec.ensembleSize;
  const members = Array.from({ length: M }, (_, m) => head.nets.map((_, i) => denseStackFromArtifacts(decoded.net(m, i))));
  const cameras = spec.vision?.cameras ?? [];
  const reserved = reservedNames(spec.head.kind);
  for (const c of cameras) if (reserved.includes(c.name)) throw new Error(`camera "${c.name}" has the name of one of the graph's own inputs or outputs (${reserved.join(", ")}); rename the camera`);
  const encoders = Array.from({ length: M }, (_, m) =>
    cameras.map((camera, c) => {
      const at = encoderNetIndex(head.nets.length, c);
      return convEncoderFromArtifacts(camera.shape, spec.vision!.encoder, decoded.net(m, at.conv), decoded.net(m, at.projection));
    }),
  );
  const norm = spec.normalization;
  const g = new Graph();
  // Vector policies keep their single `observation` input; image policies take the Dict's keys.
  const stateName = spec.vision === undefined ? "observation" : "state";
  const inputs = spec.obsDim > 0 || spec.vision === undefined ? [valueInfo(stateName, FLOAT, ["batch", spec.obsDim])] : [];
  for (const c of cameras) inputs.push(valueInfo(c.name, UINT8, ["batch", ...c.shape]));
  const outputs: ReturnType<typeof valueInfo>[] = [];
  const metadata: Record<string, unknown> = { spec, format: "corrective-policy-onnx" };
  if (cameras.length > 0) metadata.cameras = cameras.map((c) => ({ name: c.name, dtype: "uint8", layout: "NHWC", shape: ["batch", ...c.shape], scaling: "x / 255 inside the graph" }));

  const clip = (x: string, lo: number, hi: number) => g.op("Clip", [x, g.floats([], [lo]), g.floats([], [hi])]);
  const state = spec.obsDim > 0 ? clip(g.op("Div", [g.op("Sub", [stateName, g.floats([spec.obsDim], norm.obsMean)]), g.floats([spec.obsDim], norm.obsStd)]), -OBS_CLIP, OBS_CLIP) : undefined;
  // Pixels as conv.ts reads them: bytes / 255, then NHWC → NCHW (shared by every member).
  const pixels = cameras.map((c) => g.op("Transpose", [g.op("Div", [g.op("Cast", [c.name], [attrInt("to", FLOAT)]), g.floats([], [255])])], [attrInts("perm", [0, 3, 1, 2])]));
  /** What member m's head networks see: each camera's features, then the normalised state. */
  const headInput = (m: number): string => {
    const parts = (encoders[m] as ConvEncoder[]).map((enc, c) => g.convEncoder(pixels[c] as string, enc));
    if (state !== undefined) parts.push(state);
    return g.concat(parts, 1);
  };

  const params: string[] = [];
  const detActions: string[] = []; // per member, normalised `[batch, d]` (box) or probabilities (discrete)
  const kind = head.config.kind;
  for (let m = 0; m < M; m++) {
    const nets = members[m] as DenseStack[];
    const net0 = nets[0] as DenseStack;
    const obs = headInput(m);
    if (kind === "categorical") {
      const probs = g.op("Softmax", [g.dense(obs, net0)], [attrInt("axis", -1)]);
      params.push(probs);
      detActions.push(probs);
    } else if (kind === "gaussian") {
      const out = g.dense(obs, net0);
      const mu = head.config.variance === "state" ? g.cols(out, 0, d) : out;
      const raw = extras.find((e) => e.member === m && e.name === "logStd");
      // Global σ: the learnt vector broadcast over the batch (mu·0 + logσ keeps the batch dimension).
      const logStd = head.config.variance === "state" ? g.squash(g.cols(out, d, 2 * d)) : g.op("Add", [g.op("Mul", [mu, g.floats([], [0])]), g.squash(g.floats([d], raw?.values ?? new Array(d).fill(0)))]);
      params.push(g.concat([mu, logStd], 1));
      detActions.push(mu);
    } else if (kind === "mog") {
      const k = head.config.components;
      const out = g.dense(obs, net0);
      const logits = g.cols(out, 0, k);
      const means = g.cols(out, k, k + k * d);
      params.push(g.concat([g.op("Softmax", [logits], [attrInt("axis", -1)]), means, g.squash(g.cols(out, k + k * d, k + 2 * k * d))], 1));
      // μ of the argmax component: one-hot [b, k, 1] · means [b, k, d], summed over k.
      const pick = g.op("Unsqueeze", [g.oneHot(g.argmax(logits, 1), k), g.ints([2])]);
      const meansKD = g.op("Reshape", [means, g.ints([0, k, d])]);
      detActions.push(g.sum(g.op("Mul", [pick, meansKD]), 1));
    } else if (kind === "autoregressive") {
      const bins = head.config.bins;
      const centers = g.floats([1, bins], binCenters(bins));
      const q = g.floats([1, bins], Array.from({ length: bins }, (_, i) => i));
      let input = obs;
      const values: string[] = [];
      const probsAll: string[] = [];
      for (let j = 0; j < d; j++) {
        const p = g.op("Softmax", [g.dense(input, nets[j] as DenseStack)], [attrInt("axis", -1)]);
        probsAll.push(p);
        // The most probable bin refined by the probability-weighted mean of it and its two neighbours.
        const mIdx = g.op("Cast", [g.op("Unsqueeze", [g.argmax(p, 1), g.ints([1])])], [attrInt("to", FLOAT)]);
        const window = g.op("Cast", [g.op("Less", [g.op("Abs", [g.op("Sub", [q, mIdx])]), g.floats([], [1.5])])], [attrInt("to", FLOAT)]);
        const pw = g.op("Mul", [p, window]);
        const value = g.op("Div", [g.sum(g.op("Mul", [pw, centers]), 1, 1), g.sum(pw, 1, 1)]);
        values.push(value);
        if (j < d - 1) input = g.concat([input, value], 1);
      }
      params.push(g.concat(probsAll, 1));
      detActions.push(g.concat(values, 1));
    } else if (kind === "cvae") {
      const L = head.config.latentDim;
      if (m === 0) inputs.push(valueInfo("latent", FLOAT, ["batch", L]));
      let z = "latent";
      if (head.config.prior === "learned") {
        const prior = g.dense(obs, nets[2] as DenseStack);
        z = g.op("Add", [g.cols(prior, 0, L), g.op("Mul", [g.op("Exp", [g.squash(g.cols(prior, L, 2 * L))]), "latent"])]);
      }
      const dec = g.dense(g.concat([obs, z], 1), nets[1] as DenseStack);
      params.push(g.concat([g.cols(dec, 0, d), g.squash(g.cols(dec, d, 2 * d))], 1));
    } else {
      const cfg = head.config;
      if (m === 0) {
        inputs.push(valueInfo("action_t", FLOAT, ["batch", d]), valueInfo("timestep", FLOAT, ["batch", 1]));
        metadata.diffusion = { alphaBars: Array.from(alphaBars(cfg.steps, cfg.schedule)), timesteps: samplingTimesteps(cfg.steps, cfg.sampleSteps), steps: cfg.steps };
      }
      // emb(k) = [sin(2^j·π·k/T), cos(2^j·π·k/T)] for j < 4, interleaved (heads/diffusion.ts).
      const half = TIME_EMBED_DIM / 2;
      const angle = g.op("Mul", ["timestep", g.floats([1, half], Array.from({ length: half }, (_, j) => (2 ** j * Math.PI) / cfg.steps))]);
      const pair = g.concat([g.op("Unsqueeze", [g.op("Sin", [angle]), g.ints([2])]), g.op("Unsqueeze", [g.op("Cos", [angle]), g.ints([2])])], 2);
      const emb = g.op("Reshape", [pair, g.ints([0, TIME_EMBED_DIM])]);
      params.push(g.dense(g.concat([obs, "action_t", emb], 1), net0));
    }
  }
  g.op("Identity", [g.stack(params)], [], "params");
  const width = kind === "categorical" ? actionCount(spec.actionSpace) : kind === "gaussian" ? 2 * d : kind === "mog" ? head.config.components * (1 + 2 * d) : kind === "autoregressive" ? d * head.config.bins : kind === "cvae" ? 2 * d : d;
  outputs.push(valueInfo("params", FLOAT, [M, "batch", width]));

  if (kind === "categorical") {
    let action: string;
    if (M === 1) action = g.argmax(detActions[0] as string, 1);
    else {
      // Majority vote; ties broken by the summed probability (policy.ts: +1e-3·p per member).
      const n = actionCount(spec.actionSpace);
      const votes = detActions.map((p) => g.op("Add", [g.oneHot(g.argmax(p, 1), n), g.op("Mul", [p, g.floats([], [1e-3])])]));
      action = g.argmax(g.sum(g.stack(votes), 0), 1);
    }
    g.op("Identity", [action], [], "action");
    outputs.push(valueInfo("action", INT64, ["batch"]));
  } else if (kind === "gaussian" || kind === "mog" || kind === "autoregressive") {
    let a = detActions[0] as string;
    if (M > 1) {
      // Medoid: the member action with the least summed distance to the others (first on ties).
      const all = g.stack(detActions); // [M, b, d]
      const diff = g.op("Sub", [g.op("Unsqueeze", [all, g.ints([1])]), g.op("Unsqueeze", [all, g.ints([0])])]); // [M, M, b, d]
      const cost = g.sum(g.op("Sqrt", [g.sum(g.op("Mul", [diff, diff]), 3)]), 1); // [M, b]
      const pick = g.op("Unsqueeze", [g.oneHot(g.op("ArgMin", [cost], [attrInt("axis", 0), attrInt("keepdims", 0)]), M, 0), g.ints([2])]); // [M, b, 1]
      a = g.sum(g.op("Mul", [pick, all]), 0);
    }
    if (spec.actionSpace.type === "box") {
      const env = g.op("Add", [g.op("Mul", [a, g.floats([d], norm.actScale)]), g.floats([d], norm.actCenter)]);
      g.op("Min", [g.op("Max", [env, g.floats([d], spec.actionSpace.low.map(clampF32))]), g.floats([d], spec.actionSpace.high.map(clampF32))], [], "action");
      outputs.push(valueInfo("action", FLOAT, ["batch", d]));
    }
  }

  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "corrective",
    producerVersion: "1",
    modelVersion: meta.version ?? 0,
    docString: `Corrective policy${meta.name ? ` "${meta.name}"` : ""} v${meta.version ?? "?"}: ${kind} head, ensemble of ${M}${cameras.length > 0 ? `, ConvNet encoders for ${cameras.map((c) => `${c.name} (uint8 ${c.shape.join("×")} NHWC)`).join(", ")}` : ""}. See docs/FORMATS.md.`,
    metadataProps: [{ key: "corrective", value: JSON.stringify(metadata) }],
    graph: { name: "policy", node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

const actionCount = (space: { type: string; n?: number }) => (space.type === "discrete" ? (space.n as number) : 0);
/** Box bounds of ±FLOAT32_MAX (Gymnasium's "unbounded") stay finite in float32. */
const clampF32 = (v: number) => Math.max(Math.min(v, 3.4e38), -3.4e38);
