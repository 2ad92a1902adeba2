/**
 * Browser-safe policy API: load a policy blob and act, in Node or in the browser. Nothing under
 * trainer/policy/ imports Node-only modules (checked by tests/trainer/browser.test.ts, which runs this
 * module in Chromium).
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
  ZActionSpace,
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
export { loadTfMembers, serializeTfMembers, createTfMembers, disposeTfMembers, type TfMember } from "./tf-members";
export { DenseStack, denseStackFromArtifacts } from "./mlp";
