/**
 * The networks: MLPs built as tfjs `Sequential` models of `Dense` layers (for training and for the
 * tfjs model JSON in the blob). Their inference twin, without tfjs, is ./dense.ts.
 *
 * Browser-safe.
 */
import * as tf from "@tensorflow/tfjs";
import type { NetArtifacts } from "./dense";
import type { TNetworkConfig } from "../../contracts/policy-spec";

export type { NetArtifacts } from "./dense";

/** Builds `inputDim → hidden… → outputDim` (linear output), seeded. */
export function buildMlp(
  inputDim: number,
  outputDim: number,
  network: TNetworkConfig,
  seed: number,
  outputBias?: readonly number[],
): tf.Sequential {
  const model = tf.sequential();
  let s = seed;
  network.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: network.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }),
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: outputDim,
      activation: "linear",
      // Small initial outputs: near-uniform categoricals, means near the centre, σ at its default.
      kernelInitializer: tf.initializers.varianceScaling({ scale: 0.1, mode: "fanAvg", distribution: "uniform", seed: s++ }),
      ...(network.hidden.length === 0 ? { inputShape: [inputDim] } : {}),
    }),
  );
  if (outputBias !== undefined) {
    const last = model.layers[model.layers.length - 1] as tf.layers.Layer;
    // getWeights() returns the variables themselves (not copies): do not dispose them.
    const [kernel] = last.getWeights();
    const newBias = tf.tensor1d(Array.from(outputBias));
    last.setWeights([kernel as tf.Tensor, newBias]);
    newBias.dispose();
  }
  return model;
}

/** Saves a tfjs model to in-memory artifacts (weights joined into one buffer). */
export async function saveArtifacts(model: tf.LayersModel): Promise<NetArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  const art = captured as tf.io.ModelArtifacts | null;
  if (art === null || art.weightSpecs === undefined || art.weightData === undefined) {
    throw new Error("saving the model produced no weights");
  }
  const data = art.weightData;
  const weightData = Array.isArray(data) ? joinBuffers(data as ArrayBuffer[]) : (data as ArrayBuffer);
  return { modelTopology: art.modelTopology, weightSpecs: art.weightSpecs, weightData };
}

function joinBuffers(parts: readonly ArrayBuffer[]): ArrayBuffer {
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out.buffer;
}
