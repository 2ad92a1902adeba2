/**
 * Browser-safe policy API: load a policy blob and act, in Node or in the browser. Nothing under
 * trainer/policy/ imports Node-only modules, and this entry does not load tfjs at all (the forward
 * pass is plain JavaScript), so a page that only replays policies stays small. The tfjs side (loading
 * the networks as LayersModels, building and saving them) is `trainer/policy/tfjs.ts`.
 * Both are checked in Chromium by tests/trainer/browser.test.ts.
 *
 *   const policy = Policy.fromBlob(bytes);
 *   const { action, uncertainty } = policy.act(observation, { deterministic: true });
 *   const batch = policy.actBatch(observations);     // { actions, uncertainty, spread }
 *   // Image policies (spec.vision) take Dict observations: { state: [...], <camera>: H×W×C bytes }
 *   policy.act({ state: [speed], image: pixels });
 */
export { Policy, type ActOptions, type DictObservation, type ObservationInput, type PolicyAction, type PolicyBatch } from "./policy";
export {
  POLICY_BLOB_MAGIC,
  POLICY_BLOB_MIME,
  POLICY_BLOB_VERSION,
  ZPolicyBlobHeader,
  decodePolicyBlob,
  encodePolicyBlob,
  type DecodedPolicyBlob,
  type TPolicyBlobHeader,
} from "./blob";
export {
  ZCamera,
  ZConvEncoder,
  ZHeadConfig,
  ZNetworkConfig,
  ZNormalization,
  ZPolicySpec,
  ZVision,
  type TActionSpace,
  type TCamera,
  type TConvEncoder,
  type THeadConfig,
  type THeadKind,
  type TNetworkConfig,
  type TNormalization,
  type TPolicySpec,
  type TVision,
} from "../../contracts/policy-spec";
export { actionDim, checkHeadFits, defaultHead } from "./spec";
export { createHead, type PolicyHead } from "./heads";
export { DenseStack, denseStackFromArtifacts, type DenseLayer, type NetArtifacts } from "./dense";
export { ConvEncoder, convEncoderFromArtifacts, type ConvLayer } from "./conv";
