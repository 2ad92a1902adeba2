/**
 * The tfjs side of policies (browser-safe, but loads tfjs): build networks, save them into a blob, load
 * a blob's networks as tfjs LayersModels (warm start, GPU batch inference).
 */
export { createTfMembers, disposeTfMembers, loadTfMembers, serializeTfMembers, trainableVariables, type TfMember } from "./tf-members";
export { buildMlp, saveArtifacts } from "./mlp";
