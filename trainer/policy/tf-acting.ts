/**
 * Acting with an image policy whose convolutions run on the active tfjs backend (wasm in Node): the
 * policy blob's encoders loaded as tfjs models and plugged into {@link Policy.withEncoders}; the heads,
 * normalisation and action choice stay the plain-JS code of policy.ts.
 *
 * Why: the plain-JS encoder (conv.ts) costs ≈ 42 ms per 64×64 image on this 2-core box, the wasm
 * backend ≈ 5.4 ms for one image and ≈ 2–3.5 ms per image in batches of 10–32 (measured 2026-12-06,
 * default 32-32-32 encoder); the features agree with conv.ts to ≈ 1e-7. A DAgger run on
 * CarTrackPixels-v0 spends most of its non-training time here (evaluation drives 10 × 1000 steps).
 *
 * The backend must be ready (`loadBackend("wasm")`) before the first call; the caller disposes the
 * returned handle when the policy is replaced.
 *
 * Browser-safe (tfjs only).
 */
import * as tf from "@tensorflow/tfjs";
import { Policy, type ImageEncoder } from "./policy";
import { disposeTfMembers, loadTfMembers } from "./tf-members";
import { encodeImages } from "./vision-tf";

export interface TfActingPolicy {
  readonly policy: Policy;
  /** Frees the tfjs models (the returned policy must not act afterwards). */
  dispose(): void;
}

/** Loads `blob` for acting: tfjs encoders for an image policy, the plain-JS policy as is otherwise. */
export async function loadTfActingPolicy(blob: Uint8Array): Promise<TfActingPolicy> {
  const policy = Policy.fromBlob(blob);
  const vision = policy.spec.vision;
  if (vision === undefined) return { policy, dispose: () => undefined };
  const { members } = await loadTfMembers(blob);
  const encoders = members.map((m) =>
    m.encoders.map((enc, c): ImageEncoder => {
      const shape = (vision.cameras[c] as { shape: readonly [number, number, number] }).shape;
      return {
        forward(pixels, batch) {
          const data = pixels instanceof Int32Array ? pixels : Int32Array.from(pixels);
          return tf.tidy(() => encodeImages(enc, vision.encoder.pooling, tf.tensor4d(data, [batch, ...shape], "int32")).dataSync() as Float32Array);
        },
      };
    }),
  );
  let disposed = false;
  return {
    policy: policy.withEncoders(encoders),
    dispose() {
      if (disposed) return;
      disposed = true;
      disposeTfMembers(members);
    },
  };
}
