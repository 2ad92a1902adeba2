/**
 * A policy blob as an ONNX model (opset 17), written with `onnx-proto`'s protobuf definitions.
 *
 * Input `observation` `[batch, obsDim]` float32 in env units; the graph normalises it as the TypeScript
 * runtime does ((x − mean) / std, clipped to ±OBS_CLIP), then runs every ensemble member's networks
 * (Dense layers as MatMul + Add + Relu/Tanh). Outputs (normalised action units, `M` = ensemble size):
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
 * (normalisation, ᾱ schedule, timesteps) are in the model's `metadata_props` as JSON.
 */
import onnxProto from "onnx-proto";
import { decodePolicyBlob } from "./blob";
import { denseStackFromArtifacts, type DenseStack } from "./dense";
import { createHead } from "./heads";
import { binCenters } from "./heads/autoregressive";
import { alphaBars, samplingTimesteps, TIME_EMBED_DIM } from "./heads/diffusion";
import { LOG_STD_MAX, LOG_STD_MIN } from "./heads/types";
import { OBS_CLIP } from "./normalize";
import { actionDim } from "./spec";

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
type IAttr = onnxProto.onnx.IAttributeProto;

export const ONNX_OPSET = 17;
export const ONNX_MIME = "application/onnx";
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

const attrInt = (name: string, i: number): IAttr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });

/** Nodes and initialisers of one graph, with generated names. */
class Graph {
  readonly nodes: INode[] = [];
  readonly initializers: ITensor[] = [];
  private n = 0;

  private name(prefix: string): string {
    return `${prefix}_${this.n++}`;
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
  // The graph below is dense layers on a state vector; image encoders are not exported (yet).
  if (spec.vision !== undefined) throw new Error("image policies (ConvNet encoders) cannot be exported as ONNX yet; download the policy blob");
  const head = createHead(spec.obsDim, spec.actionSpace, spec.head);
  const d = actionDim(spec.actionSpace);
  const M = spec.ensembleSize;
  const members = Array.from({ length: M }, (_, m) => head.nets.map((_, i) => denseStackFromArtifacts(decoded.net(m, i))));
  const norm = spec.normalization;
  const g = new Graph();
  const inputs = [valueInfo("observation", FLOAT, ["batch", spec.obsDim])];
  const outputs: ReturnType<typeof valueInfo>[] = [];
  const metadata: Record<string, unknown> = { spec, format: "corrective-policy-onnx" };

  const clip = (x: string, lo: number, hi: number) => g.op("Clip", [x, g.floats([], [lo]), g.floats([], [hi])]);
  const obs = clip(g.op("Div", [g.op("Sub", ["observation", g.floats([spec.obsDim], norm.obsMean)]), g.floats([spec.obsDim], norm.obsStd)]), -OBS_CLIP, OBS_CLIP);

  const params: string[] = [];
  const detActions: string[] = []; // per member, normalised `[batch, d]` (box) or probabilities (discrete)
  const kind = head.config.kind;
  for (let m = 0; m < M; m++) {
    const nets = members[m] as DenseStack[];
    const net0 = nets[0] as DenseStack;
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
    docString: `Corrective policy${meta.name ? ` "${meta.name}"` : ""} v${meta.version ?? "?"}: ${kind} head, ensemble of ${M}. See docs/FORMATS.md.`,
    metadataProps: [{ key: "corrective", value: JSON.stringify(metadata) }],
    graph: { name: "policy", node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

const actionCount = (space: { type: string; n?: number }) => (space.type === "discrete" ? (space.n as number) : 0);
/** Box bounds of ±FLOAT32_MAX (Gymnasium's "unbounded") stay finite in float32. */
const clampF32 = (v: number) => Math.max(Math.min(v, 3.4e38), -3.4e38);
