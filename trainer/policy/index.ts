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
 */
export { Policy, type ActOptions, type PolicyAction, type PolicyBatch } from "./policy";
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
  ZHeadConfig,
  ZNetworkConfig,
  ZNormalization,
  ZPolicySpec,
  actionDim,
  checkHeadFits,
  defaultHead,
  type TActionSpace,
  type THeadConfig,
  type THeadKind,
  type TNetworkConfig,
  type TNormalization,
  type TPolicySpec,
} from "./spec";
export { createHead, type PolicyHead } from "./heads";
export { DenseStack, denseStackFromArtifacts, type DenseLayer, type NetArtifacts } from "./dense";
