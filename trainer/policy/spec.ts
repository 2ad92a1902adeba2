/**
 * What the trainer computes from a policy spec (the spec itself, as zod schemas, is
 * contracts/policy-spec.ts): action and input widths, strides, and the head that fits an action space.
 *
 * Browser-safe.
 */
import type { TActionSpace, TConvEncoder, THeadConfig, TPolicySpec } from "../../contracts/policy-spec";

/** Number of scalars in one action (1 for discrete). */
export function actionDim(space: TActionSpace): number {
  return space.type === "discrete" ? 1 : space.shape[0];
}

/** Width of the encoder's output per camera before projection (spatial softmax: x and y per channel). */
export function pooledDim(encoder: TConvEncoder): number {
  const k = encoder.channels[encoder.channels.length - 1] as number;
  return encoder.pooling === "spatial-softmax" ? 2 * k : k;
}

/** Width of what the head's networks see: every camera's features, then the normalised state. */
export function headInputDim(spec: Pick<TPolicySpec, "obsDim" | "vision">): number {
  return spec.vision === undefined ? spec.obsDim : spec.vision.cameras.length * spec.vision.encoder.featureDim + spec.obsDim;
}

/** Stride of conv layer `i` of an encoder. */
export function convStride(encoder: TConvEncoder, i: number): number {
  return i < encoder.downsample ? 2 : 1;
}

/** Checks that a head fits an action space; throws a readable error otherwise. */
export function checkHeadFits(head: THeadConfig, space: TActionSpace): void {
  if (head.kind === "categorical" && space.type !== "discrete") {
    throw new Error(`head "categorical" needs a discrete action space, got box(${space.shape[0]})`);
  }
  if (head.kind !== "categorical" && space.type === "discrete") {
    throw new Error(`head "${head.kind}" needs a box action space, got discrete(${space.n}); use "categorical"`);
  }
  if (space.type === "box") {
    const d = space.shape[0];
    if (space.low.length !== d || space.high.length !== d) {
      throw new Error(`box action space: low/high must have ${d} elements`);
    }
  }
}

/** The head to use for an action space when the caller did not choose one. */
export function defaultHead(space: TActionSpace): THeadConfig {
  return space.type === "discrete" ? { kind: "categorical" } : { kind: "gaussian", variance: "state" };
}
