/**
 * REINFORCE fine-tuning (Williams 1992) of a policy in a built-in environment with rewards:
 * `reinforce(blob, envId, options, hooks)` → a new policy blob + metrics.
 *
 * Each iteration runs `episodesPerIteration` on-policy episodes (sampled actions, all episodes stepped
 * in parallel so the network sees one batch per time step), then takes one gradient step on
 *   L(θ) = −(1/N) Σ_i Σ_t log π_θ(a_t | s_t) · w_t,   w_t = A_t + α·(−log π(a_t | s_t))
 * where N is the number of steps in the batch, A_t = G_t − b_t the reward-to-go minus a baseline
 * (`none`, the time-indexed `mean`, or a learned `value` network fitted to G_t each iteration;
 * optionally standardised) and α the `entropyCoef`: E[∇log π · (−log π)] is the score-function form
 * of ∇H(π), so the entropy bonus needs nothing from the head but its log-likelihood.
 *
 * Heads: those whose loss is the exact −log π (categorical, gaussian, mog); the cvae (an ELBO), the
 * diffusion head (a denoising loss) and the autoregressive head (binned) are refused with a clear
 * error. Ensembles are refused (fine-tune one member). Box samples are kept unclipped for log π; the
 * env receives them clipped to the bounds.
 *
 * Node only (selects a backend); the returned blob loads anywhere.
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { createEnv, getEnvSpec } from "../../envs/index";
import { selectBackend, type BackendInfo } from "../backend";
import { makeDataset } from "../dataset";
import { TrainingCancelledError } from "../errors";
import { evaluatePolicy, type EvaluationSummary } from "../evaluate";
import { FastAdam } from "../optim/adam";
import { denseStackFromArtifacts, type DenseStack } from "../policy/dense";
import { createHead, type PolicyHead } from "../policy/heads";
import { buildMlp, saveArtifacts } from "../policy/mlp";
import { computeNormalization, denormalizeAction, normalizeObservations } from "../policy/normalize";
import { Policy } from "../policy/policy";
import { ZHeadConfig, ZNetworkConfig, type TPolicySpec } from "../../contracts/policy-spec";
import { actionDim, defaultHead } from "../policy/spec";
import { createTfMembers, disposeTfMembers, loadTfMembers, serializeTfMembers, trainableVariables, type TfMember } from "../policy/tf-members";
import { mulberry32, subSeed } from "../random";
import { ZReinforceOptions, type ReinforceProgress, type TReinforceOptionsInput } from "../../contracts/trainer-protocol";
import { rewardToGo, standardize, timeMeanBaseline } from "./returns";

export interface ReinforceHooks {
  readonly onProgress?: (p: ReinforceProgress) => void;
  readonly isCancelled?: () => boolean;
  readonly backend?: BackendInfo;
}

export interface ReinforceResult {
  readonly blob: Uint8Array;
  readonly spec: TPolicySpec;
  readonly backend: BackendInfo;
  readonly curve: ReinforceProgress[];
  readonly iterationsRun: number;
  readonly episodes: number;
  readonly steps: number;
  readonly stopReason: "iterations" | "time-budget";
  /** Deterministic evaluation on held-out seeds, before and after (null with `evalEpisodes: 0`). */
  readonly evaluation: { readonly before: EvaluationSummary; readonly after: EvaluationSummary } | null;
  readonly timings: { readonly rolloutMs: number; readonly updateMs: number; readonly evalMs: number; readonly totalMs: number };
}

/** A batch of on-policy experience. */
export interface Batch {
  /** `[n × obsDim]` normalised observations. */
  readonly obs: Float32Array;
  /** `[n × actDim]` normalised (unclipped) box actions, or `[n]` discrete indices. */
  readonly actions: Float32Array;
  readonly n: number;
  /** Per episode: rewards, and the row offset of its first step. */
  readonly episodes: ReadonlyArray<{ readonly rewards: number[]; readonly offset: number }>;
}

/**
 * The REINFORCE surrogate for one member: mean over rows of `nll · weights` (`weights` = advantage
 * [+ entropy term], constants). Its gradient is −(1/n) Σ w_t ∇log π(a_t|s_t), the policy-gradient
 * estimate. `targets` are the head's encoded actions.
 */
export function policyGradientLoss(head: PolicyHead, member: TfMember, obs: tf.Tensor2D, targets: tf.Tensor2D, weights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const nll = head.nll({
      tf,
      obs,
      targets,
      forward: (i, input) => (member.nets[i] as tf.Sequential).apply(input) as tf.Tensor2D,
      extras: member.extras as unknown as ReadonlyMap<string, tf.Tensor1D>,
    });
    return tf.mean(tf.mul(nll, weights)) as tf.Scalar;
  });
}

/** Checks that a policy can be fine-tuned by REINFORCE; throws a readable error otherwise. */
export function checkReinforceable(spec: TPolicySpec): PolicyHead {
  if (spec.vision !== undefined) throw new Error("REINFORCE fine-tunes state-only policies; this policy sees images");
  const head = createHead(spec.obsDim, spec.actionSpace, spec.head);
  if (!head.exactLogLikelihood) {
    throw new Error(`REINFORCE needs the exact log-likelihood of the head; "${spec.head.kind}" has none (use categorical, gaussian or mog)`);
  }
  if (spec.ensembleSize !== 1) throw new Error(`REINFORCE fine-tunes a single policy, got an ensemble of ${spec.ensembleSize}`);
  return head;
}

/**
 * A fresh (untrained) policy blob for an env, to learn from scratch: observation normalisation from
 * a few uniform-random episodes, the env's action bounds.
 */
export async function createInitialPolicy(
  envId: string,
  options: { head?: z.input<typeof ZHeadConfig>; network?: z.input<typeof ZNetworkConfig>; seed?: number; episodes?: number } = {},
): Promise<Uint8Array> {
  const spec0 = getEnvSpec(envId);
  const space = spec0.actionSpace;
  const env = createEnv(envId);
  const rng = mulberry32(subSeed(options.seed ?? 0, 21));
  const obs: number[][] = [];
  const acts: Array<number | number[]> = [];
  for (let e = 0; e < (options.episodes ?? 5); e++) {
    let o = env.reset(900_000 + e);
    for (;;) {
      const a = space.type === "discrete" ? Math.floor(rng() * space.n) : space.low.map((lo, j) => lo + ((space.high[j] as number) - lo) * rng());
      obs.push(o);
      acts.push(a);
      const r = env.step(a);
      o = r.observation;
      if (r.terminated || r.truncated) break;
    }
  }
  const ds = makeDataset(obs, acts);
  const spec: TPolicySpec = {
    obsDim: spec0.observationSpace.shape[0],
    actionSpace: space,
    head: options.head === undefined ? defaultHead(space) : ZHeadConfig.parse(options.head),
    network: ZNetworkConfig.parse(options.network ?? {}),
    ensembleSize: 1,
    normalization: computeNormalization(ds, space),
    envId,
  };
  const { members } = createTfMembers(spec, options.seed ?? 0);
  try {
    return await serializeTfMembers(spec, members, { createdAt: new Date().toISOString(), initial: true });
  } finally {
    disposeTfMembers(members);
  }
}

/** Runs `episodes` sampled episodes of the member in parallel. */
async function collect(
  head: PolicyHead,
  member: TfMember,
  spec: TPolicySpec,
  envId: string,
  episodes: number,
  firstSeed: number,
  rng: () => number,
  envOptions: Record<string, unknown> | undefined,
): Promise<Batch> {
  const stacks: DenseStack[] = [];
  for (const net of member.nets) stacks.push(denseStackFromArtifacts(await saveArtifacts(net)));
  const extras = new Map<string, Float32Array>();
  for (const [name, v] of member.extras) extras.set(name, (await v.data()) as Float32Array);
  const space = spec.actionSpace;
  const d = actionDim(space);
  const obsDim = spec.obsDim;
  const envs = Array.from({ length: episodes }, () => createEnv(envId, envOptions));
  const current = envs.map((env, i) => env.reset(firstSeed + i));
  const perEp = envs.map(() => ({ obs: [] as number[], acts: [] as number[], rewards: [] as number[] }));
  let active = envs.map((_, i) => i);
  while (active.length > 0) {
    const raw = new Float32Array(active.length * obsDim);
    active.forEach((e, k) => raw.set(current[e] as number[], k * obsDim));
    const obs = normalizeObservations(spec.normalization, raw, active.length);
    const out = head.act({
      batch: active.length,
      obs,
      forward: (i, input, b) => (stacks[i] as DenseStack).forward(input, b),
      extras,
      deterministic: false,
      rng,
    });
    const next: number[] = [];
    active.forEach((e, k) => {
      const a = out.actions.subarray(k * d, (k + 1) * d);
      const envAction = space.type === "discrete" ? (a[0] as number) : denormalizeAction(spec.normalization, space, a);
      const rec = perEp[e] as (typeof perEp)[number];
      for (let j = 0; j < obsDim; j++) rec.obs.push(obs[k * obsDim + j] as number);
      for (let j = 0; j < d; j++) rec.acts.push(a[j] as number);
      const r = (envs[e] as ReturnType<typeof createEnv>).step(envAction);
      rec.rewards.push(r.reward);
      current[e] = r.observation;
      if (!r.terminated && !r.truncated) next.push(e);
    });
    active = next;
  }
  const n = perEp.reduce((s, p) => s + p.rewards.length, 0);
  const obs = new Float32Array(n * obsDim);
  const actions = new Float32Array(n * d);
  const eps: Array<{ rewards: number[]; offset: number }> = [];
  let offset = 0;
  for (const p of perEp) {
    obs.set(p.obs, offset * obsDim);
    actions.set(p.acts, offset * d);
    eps.push({ rewards: p.rewards, offset });
    offset += p.rewards.length;
  }
  return { obs, actions, n, episodes: eps };
}

export async function reinforce(
  blob: Uint8Array,
  envId: string,
  optionsInput: TReinforceOptionsInput = {},
  hooks: ReinforceHooks = {},
): Promise<ReinforceResult> {
  const t0 = performance.now();
  const o = ZReinforceOptions.parse(optionsInput);
  const backend = hooks.backend ?? (await selectBackend({ expectedBatchSize: 1024 }));
  const envSpec = getEnvSpec(envId);
  const { spec, members } = await loadTfMembers(blob);
  let valueNet: tf.Sequential | null = null;
  let optimizer: FastAdam | null = null;
  let valueOpt: FastAdam | null = null;
  try {
    const head = checkReinforceable(spec);
    if (spec.obsDim !== envSpec.observationSpace.shape[0] || JSON.stringify(spec.actionSpace) !== JSON.stringify(envSpec.actionSpace)) {
      throw new Error(`the policy's spaces do not match ${envId}`);
    }
    const member = members[0] as TfMember;
    const vars = trainableVariables(members);
    optimizer = new FastAdam({ learningRate: o.learningRate });
    if (o.baseline === "value") {
      valueNet = buildMlp(spec.obsDim, 1, { hidden: [64, 64], activation: "tanh" }, subSeed(o.seed, 5) % 100_000);
      valueOpt = new FastAdam({ learningRate: 3e-3 });
    }
    const evalPolicy = (b: Uint8Array): EvaluationSummary =>
      evaluatePolicy(Policy.fromBlob(b), { envId, episodes: o.evalEpisodes, ...(o.envOptions === undefined ? {} : { envOptions: o.envOptions }) });
    let evalMs = 0;
    let tEval = performance.now();
    const before = o.evalEpisodes > 0 ? evalPolicy(blob) : null;
    evalMs += performance.now() - tEval;

    const rng = mulberry32(subSeed(o.seed, 31));
    const curve: ReinforceProgress[] = [];
    let rolloutMs = 0;
    let updateMs = 0;
    let episodes = 0;
    let steps = 0;
    let retScale = 0;
    let stopReason: ReinforceResult["stopReason"] = "iterations";
    for (let it = 1; it <= o.iterations; it++) {
      if (hooks.isCancelled?.()) throw new TrainingCancelledError(it - 1);
      const tRoll = performance.now();
      const batch = await collect(head, member, spec, envId, o.episodesPerIteration, o.firstSeed + episodes, rng, o.envOptions);
      rolloutMs += performance.now() - tRoll;
      episodes += o.episodesPerIteration;
      steps += batch.n;

      const tUpd = performance.now();
      const rtg = batch.episodes.map((e) => rewardToGo(e.rewards, o.gamma));
      const G = new Float64Array(batch.n);
      batch.episodes.forEach((e, i) => G.set(rtg[i] as Float64Array, e.offset));
      const adv = new Float64Array(batch.n);
      let valueLoss: number | null = null;
      const xObs = tf.tensor2d(batch.obs, [batch.n, spec.obsDim]);
      try {
        if (o.baseline === "mean") {
          const b = timeMeanBaseline(rtg);
          batch.episodes.forEach((e, i) => {
            const bi = b[i] as Float64Array;
            for (let t = 0; t < bi.length; t++) adv[e.offset + t] = (G[e.offset + t] as number) - (bi[t] as number);
          });
        } else if (o.baseline === "value" && valueNet !== null && valueOpt !== null) {
          if (retScale === 0) {
            let m = 0;
            for (const g of G) m += g / G.length;
            let v = 0;
            for (const g of G) v += (g - m) ** 2 / G.length;
            retScale = Math.max(Math.sqrt(v), Math.abs(m), 1);
          }
          const vNet = valueNet;
          const pred = tf.tidy(() => (vNet.apply(xObs) as tf.Tensor2D).reshape([batch.n]));
          const v = await pred.data();
          pred.dispose();
          for (let i = 0; i < batch.n; i++) adv[i] = (G[i] as number) - (v[i] as number) * retScale;
          const target = tf.tensor1d(Float32Array.from(G, (g) => g / retScale));
          let last: tf.Scalar | null = null;
          for (let s = 0; s < o.valueSteps; s++) {
            last?.dispose();
            last = valueOpt.minimize(() => tf.tidy(() => tf.mean(tf.square(tf.sub((vNet.apply(xObs) as tf.Tensor2D).reshape([batch.n]), target))) as tf.Scalar), true) as tf.Scalar;
          }
          valueLoss = last === null ? null : ((await last.data())[0] as number);
          last?.dispose();
          target.dispose();
        } else {
          adv.set(G);
        }
        if (o.normalizeAdvantages) standardize(adv);

        const targets = tf.tensor2d(head.encodeTargets(batch.actions, batch.n), [batch.n, head.targetDim]);
        try {
          const nllT = tf.tidy(() =>
            head.nll({
              tf,
              obs: xObs,
              targets,
              forward: (i, input) => (member.nets[i] as tf.Sequential).apply(input) as tf.Tensor2D,
              extras: member.extras as unknown as ReadonlyMap<string, tf.Tensor1D>,
            }),
          );
          const nll = await nllT.data();
          nllT.dispose();
          const w = new Float32Array(batch.n);
          let meanNll = 0;
          for (let i = 0; i < batch.n; i++) {
            w[i] = (adv[i] as number) + o.entropyCoef * (nll[i] as number);
            meanNll += (nll[i] as number) / batch.n;
          }
          // Value warm-up: the batch only fits the value network; the policy is left as it is.
          const warmup = o.baseline === "value" && it <= o.valueWarmupIterations;
          let loss = 0;
          if (!warmup) {
            const wT = tf.tensor1d(w);
            const cost = optimizer.minimize(() => policyGradientLoss(head, member, xObs, targets, wT), true, vars) as tf.Scalar;
            loss = (await cost.data())[0] as number;
            tf.dispose([cost, wT]);
          }
          if (!Number.isFinite(loss)) throw new Error(`REINFORCE diverged: loss ${loss} at iteration ${it}`);
          updateMs += performance.now() - tUpd;
          const returns = batch.episodes.map((e) => e.rewards.reduce((a, b) => a + b, 0));
          const progress: ReinforceProgress = {
            iteration: it,
            iterations: o.iterations,
            meanReturn: returns.reduce((a, b) => a + b, 0) / returns.length,
            minReturn: Math.min(...returns),
            maxReturn: Math.max(...returns),
            meanLength: batch.n / batch.episodes.length,
            steps: batch.n,
            loss,
            meanNll,
            valueLoss,
            elapsedMs: performance.now() - t0,
            numTensors: tf.memory().numTensors,
          };
          curve.push(progress);
          hooks.onProgress?.(progress);
        } finally {
          targets.dispose();
        }
      } finally {
        xObs.dispose();
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (o.maxTrainMs !== undefined && performance.now() - t0 >= o.maxTrainMs && it < o.iterations) {
        stopReason = "time-budget";
        break;
      }
    }
    const out = await serializeTfMembers(spec, members, {
      createdAt: new Date().toISOString(),
      backend: backend.detail,
      finetune: { method: "reinforce", envId, iterations: curve.length, episodes, steps, baseline: o.baseline, entropyCoef: o.entropyCoef },
    });
    tEval = performance.now();
    const after = o.evalEpisodes > 0 ? evalPolicy(out) : null;
    evalMs += performance.now() - tEval;
    return {
      blob: out,
      spec,
      backend,
      curve,
      iterationsRun: curve.length,
      episodes,
      steps,
      stopReason,
      evaluation: before !== null && after !== null ? { before, after } : null,
      timings: { rolloutMs, updateMs, evalMs, totalMs: performance.now() - t0 },
    };
  } finally {
    disposeTfMembers(members);
    valueNet?.dispose();
    optimizer?.dispose();
    valueOpt?.dispose();
  }
}
