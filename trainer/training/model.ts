/**
 * The policy a training run starts from: fresh (seeded) or warm-started from a blob, plus the check
 * that the dataset's images match the policy's cameras. Part of {@link trainPolicy} (../train.ts).
 */
import type { Dataset } from "../dataset";
import type { ImageSource } from "../images";
import { computeNormalization } from "../policy/normalize";
import { createHead, type PolicyHead } from "../policy/heads";
import { type TPolicySpec } from "../../contracts/policy-spec";
import { actionDim, defaultHead, headInputDim } from "../policy/spec";
import { createTfMembers, disposeTfMembers, loadTfMembers, type TfMember } from "../policy/tf-members";
import type { TTrainConfig } from "../../contracts/trainer-protocol";

export interface TrainingModel {
  readonly spec: TPolicySpec;
  readonly head: PolicyHead;
  readonly members: TfMember[];
}

/** Throws when the dataset cannot train this config's policy (action width, size). */
export function checkDataset(dataset: Dataset, config: TTrainConfig): void {
  const space = config.actionSpace;
  if (dataset.actDim !== actionDim(space)) {
    throw new Error(`dataset actions have ${dataset.actDim} element(s), the action space needs ${actionDim(space)}`);
  }
  if (dataset.n < 2) throw new Error("training needs at least 2 samples");
}

/**
 * A fresh model (normalisation computed from the dataset, weights from `config.seed`), or the
 * `warmStart` blob's model — which must describe the same policy; its normalisation is kept.
 */
export async function prepareModel(dataset: Dataset, config: TTrainConfig, warmStart: Uint8Array | undefined): Promise<TrainingModel> {
  const space = config.actionSpace;
  const headConfig = config.head ?? defaultHead(space);
  if (warmStart === undefined) {
    const spec: TPolicySpec = {
      obsDim: dataset.obsDim,
      actionSpace: space,
      head: headConfig,
      network: config.network,
      ensembleSize: config.ensembleSize,
      normalization: computeNormalization(dataset, space),
      ...(config.envId === undefined ? {} : { envId: config.envId }),
      ...(config.vision === undefined ? {} : { vision: config.vision }),
    };
    const { head, members } = createTfMembers(spec, config.seed);
    return { spec, head, members };
  }
  const { spec, members } = await loadTfMembers(warmStart);
  const wanted = { obsDim: dataset.obsDim, actionSpace: space, head: headConfig, network: config.network, ensembleSize: config.ensembleSize, vision: config.vision };
  const have = { obsDim: spec.obsDim, actionSpace: spec.actionSpace, head: spec.head, network: spec.network, ensembleSize: spec.ensembleSize, vision: spec.vision };
  if (JSON.stringify(wanted) !== JSON.stringify(have)) {
    disposeTfMembers(members);
    throw new Error(`warm start: the blob's policy (${JSON.stringify(have)}) differs from the requested one (${JSON.stringify(wanted)})`);
  }
  return { spec, head: createHead(headInputDim(spec), spec.actionSpace, spec.head), members };
}

/** The dataset's image source when the config asks for images (checked against its cameras), else null. */
export function checkImages(dataset: Dataset, vision: TTrainConfig["vision"]): ImageSource | null {
  if (vision === undefined) {
    if (dataset.images !== undefined) throw new Error("the dataset has images but the training config has no `vision` (cameras and encoder)");
    return null;
  }
  const images = dataset.images;
  if (images === undefined) throw new Error("the training config has `vision` but the dataset carries no images");
  const want = vision.cameras.map((c) => `${c.name} ${c.shape.join("×")}`).join(", ");
  const have = images.cameras.map((c) => `${c.name} ${c.shape.join("×")}`).join(", ");
  if (want !== have) throw new Error(`the dataset's cameras (${have}) differ from the policy's (${want})`);
  return images;
}
