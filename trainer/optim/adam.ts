/**
 * Adam (Kingma & Ba 2015) as a `tf.Optimizer` subclass that creates its scalar constants once.
 *
 * `tf.train.adam` builds ~40 fresh scalar tensors every step (each an upload on WebGPU: 50–80 ms per
 * step measured on an H100). Here the hyper-parameters live in tensors created in the constructor and
 * the bias-correction powers in two variables, so a step issues only the arithmetic. Same update rule
 * as tfjs' AdamOptimizer: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε).
 *
 * Browser-safe.
 */
import * as tf from "@tensorflow/tfjs";

type NamedTensor = { name: string; tensor: tf.Tensor };

export interface AdamConfig {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export class FastAdam extends tf.Optimizer {
  static get className(): string {
    return "CorrectiveFastAdam";
  }

  private readonly config: Required<AdamConfig>;
  private readonly lr: tf.Variable;
  private readonly b1: tf.Scalar;
  private readonly b2: tf.Scalar;
  private readonly oneMinusB1: tf.Scalar;
  private readonly oneMinusB2: tf.Scalar;
  private readonly eps: tf.Scalar;
  private readonly one: tf.Scalar;
  private readonly b1Power: tf.Variable;
  private readonly b2Power: tf.Variable;
  private readonly slots = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(config: AdamConfig) {
    super();
    this.config = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, ...config };
    const { learningRate, beta1, beta2, epsilon } = this.config;
    this.lr = tf.tidy(() => tf.variable(tf.scalar(learningRate), false));
    this.b1 = tf.keep(tf.scalar(beta1));
    this.b2 = tf.keep(tf.scalar(beta2));
    this.oneMinusB1 = tf.keep(tf.scalar(1 - beta1));
    this.oneMinusB2 = tf.keep(tf.scalar(1 - beta2));
    this.eps = tf.keep(tf.scalar(epsilon));
    this.one = tf.keep(tf.scalar(1));
    this.b1Power = tf.tidy(() => tf.variable(tf.scalar(1), false));
    this.b2Power = tf.tidy(() => tf.variable(tf.scalar(1), false));
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: Array<[string, tf.Tensor]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    tf.tidy(() => {
      const b1p = tf.mul(this.b1Power, this.b1);
      const b2p = tf.mul(this.b2Power, this.b2);
      this.b1Power.assign(b1p);
      this.b2Power.assign(b2p);
      const step = tf.div(tf.mul(this.lr, tf.sqrt(tf.sub(this.one, b2p))), tf.sub(this.one, b1p));
      for (const [name, grad] of entries) {
        const variable = tf.engine().registeredVariables[name];
        if (variable === undefined || grad == null) continue;
        let slot = this.slots.get(name);
        if (slot === undefined) {
          slot = {
            m: tf.variable(tf.zerosLike(variable), false),
            v: tf.variable(tf.zerosLike(variable), false),
          };
          this.slots.set(name, slot);
        }
        const m = tf.add(tf.mul(slot.m, this.b1), tf.mul(grad, this.oneMinusB1));
        const v = tf.add(tf.mul(slot.v, this.b2), tf.mul(tf.square(grad), this.oneMinusB2));
        slot.m.assign(m);
        slot.v.assign(v);
        variable.assign(tf.sub(variable, tf.mul(step, tf.div(m, tf.add(tf.sqrt(v), this.eps)))));
      }
    });
    this.incrementIterations();
  }

  /** Changes the learning rate from the next step on (a schedule sets it once per epoch: one tiny upload). */
  setLearningRate(learningRate: number): void {
    tf.tidy(() => this.lr.assign(tf.scalar(learningRate)));
  }

  override dispose(): void {
    for (const t of [this.lr, this.b1, this.b2, this.oneMinusB1, this.oneMinusB2, this.eps, this.one]) t.dispose();
    this.b1Power.dispose();
    this.b2Power.dispose();
    for (const { m, v } of this.slots.values()) {
      m.dispose();
      v.dispose();
    }
    this.slots.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.config };
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [...this.slots.entries()].flatMap(([name, { m, v }]) => [
      { name: `${name}/m`, tensor: m },
      { name: `${name}/v`, tensor: v },
    ]);
  }

  override async setWeights(): Promise<void> {
    throw new Error("FastAdam does not restore optimizer state (training restarts the moments)");
  }
}
