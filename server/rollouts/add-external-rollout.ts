import { and, desc, eq, inArray } from "drizzle-orm";
import { ZExternalRollout, ZExternalRolloutBatch, type TExternalRollout, type TUploadedRollout, type TUploadedRollouts } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { frames, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, unprocessable } from "../errors";
import { loadProjectSpec, type ProjectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { insertRolloutOnce } from "./insert-rollout";
import { cameraKeys, isImageSpace, observationProblem, pngImageProblem, STATE_KEY, type TDictSpace } from "../../contracts/spaces";
import { getBlobStore } from "../blobs/registry";
import type { Tx } from "../../db/tx";
import { checkAction, checkObservation } from "./validate-steps";

/** A rollout from an external system (a robot, a simulator elsewhere) for the current collecting round. */
export async function addExternalRollout(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TUploadedRollout> {
  await authorizeProject(db, caller, projectId, "labeler");
  const data = ZExternalRollout.parse(input);
  const [one] = (await storeRollouts(db, caller, projectId, [data], "")).rollouts;
  if (!one) throw new Error("no rollout stored");
  return one;
}

/**
 * Many rollouts in one request (`{ rollouts: [...] }`), all or nothing. Rollouts carrying a client id the
 * project already has are reported `duplicate` and not stored again, so a client that crashed or timed out
 * mid-upload simply sends the batch again.
 */
export async function addExternalRollouts(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TUploadedRollouts> {
  await authorizeProject(db, caller, projectId, "labeler");
  const data = ZExternalRolloutBatch.parse(input);
  return storeRollouts(db, caller, projectId, data.rollouts, "rollouts.");
}

function checkSteps(spec: ProjectSpec, rollout: TExternalRollout, prefix: string): void {
  rollout.steps.forEach((s, t) => {
    const field = `${prefix}steps.${t}.observation`;
    if (spec.observation.type === "dict") {
      const problem = observationProblem(spec.observation, s.observation);
      if (problem) throw unprocessable(problem[0] ? `${field}.${problem[0]}` : field, problem[1]);
    } else if (!Array.isArray(s.observation)) throw unprocessable(field, `must be an array of numbers (this project's observations have no images)`);
    else checkObservation(spec.observationSpace, s.observation, field);
    if (s.policyAction !== undefined) checkAction(spec.actionSpace, s.policyAction, `${prefix}steps.${t}.policyAction`);
    if (s.intervention) checkAction(spec.actionSpace, s.intervention.action, `${prefix}steps.${t}.intervention.action`);
  });
}

async function storeRollouts(db: Db, caller: Caller, projectId: string, list: TExternalRollout[], field: string): Promise<TUploadedRollouts> {
  const spec = await loadProjectSpec(db, projectId);
  list.forEach((r, i) => checkSteps(spec, r, field ? `${field}${i}.` : ""));
  const ids = list.flatMap((r) => (r.id ? [r.id] : []));
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw unprocessable(`${field || ""}id`, `rollout id ${dup} appears twice in one upload`);
  return transactionWithEvents(db, async (tx, emit) => {
    const [round] = await tx.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(desc(rounds.index)).limit(1).for("update");
    if (!round || round.status !== "collecting" || round.index === 0) {
      throw new AppError("CONFLICT", round ? `Round ${round.index} is ${round.status}; external rollouts join a collecting round after round 0` : "No round is open");
    }
    if (spec.observation.type === "dict") await checkImageFrames(tx, projectId, spec.observation, list, field);
    const frameIds = [...new Set(list.flatMap((r) => r.steps.flatMap((s) => (s.frameId ? [s.frameId] : []))))];
    if (frameIds.length) {
      const found = new Set<string>();
      for (let i = 0; i < frameIds.length; i += 5000) {
        const rows = await tx.select({ id: frames.id }).from(frames).where(and(eq(frames.projectId, projectId), inArray(frames.id, frameIds.slice(i, i + 5000))));
        for (const f of rows) found.add(f.id);
      }
      const missing = frameIds.find((id) => !found.has(id));
      if (missing) throw unprocessable("steps.frameId", `unknown frame ${missing} (upload frames before the rollouts that reference them)`);
    }
    const out: TUploadedRollout[] = [];
    for (const data of list) {
      const stored = await insertRolloutOnce(tx, {
        projectId,
        roundId: round.id,
        policyId: round.policyId,
        source: "external",
        seed: data.seed ?? null,
        meta: { uploadedBy: caller.id },
        clientId: data.id ?? null,
        steps: data.steps.map((s) => ({
          ...splitObservation(spec.observation.type === "dict" ? spec.observation : null, s.observation, s.frameId),
          envState: s.state ?? null,
          action: s.intervention ? s.intervention.action : null,
          policyAction: s.policyAction ?? null,
          uncertainty: s.uncertainty ?? null,
          reward: s.reward ?? null,
          intervention: Boolean(s.intervention),
        })),
      });
      const roundIndex = stored.roundId === round.id ? round.index : -1;
      if (stored.duplicate && roundIndex < 0) {
        throw new AppError("CONFLICT", `Rollout ${data.id} was already uploaded to an earlier round; a new rollout needs a new id`);
      }
      if (!stored.duplicate) emit({ type: "rollout:added", projectId, roundIndex: round.index, rolloutId: stored.id, source: "external", length: data.steps.length });
      out.push({ rolloutId: stored.id, id: data.id ?? null, roundIndex, steps: data.steps.length, duplicate: stored.duplicate });
    }
    return { roundIndex: round.index, rollouts: out };
  });
}

/**
 * An image observation is stored as its `state` vector (`states.observation`) and its cameras' frames
 * (`states.images`); the first camera's frame is the state's `frameId`, the main image its labellers see (they see
 * every camera, docs/LABELING.md) — the very image the policy saw. A step's own `frameId` (an extra picture for people) takes precedence for display.
 */
export function splitObservation(space: TDictSpace | null, observation: TExternalRollout["steps"][number]["observation"], frameId: string | undefined) {
  if (!space || Array.isArray(observation)) return { observation: observation as number[], frameId: frameId ?? null };
  const cameras = cameraKeys(space);
  const images = Object.fromEntries(cameras.map((k) => [k, observation[k] as string]));
  return { observation: (observation[STATE_KEY] as number[] | undefined) ?? [], frameId: frameId ?? images[cameras[0]!]!, images };
}

/**
 * Every camera frame the upload references must be one of the project's frames and a PNG of exactly the camera's
 * `[H, W, C]` — checked on the stored bytes (their header), so a wrong or non-image frame is refused here, naming
 * the first step that uses it, instead of failing a training run later.
 */
export async function checkImageFrames(
  tx: Tx,
  projectId: string,
  space: TDictSpace,
  list: ReadonlyArray<{ steps: ReadonlyArray<Pick<TExternalRollout["steps"][number], "observation">> }>,
  field: string,
): Promise<void> {
  const uses = new Map<string, { camera: string; at: string }>();
  list.forEach((r, i) =>
    r.steps.forEach((s, t) => {
      if (Array.isArray(s.observation)) return;
      for (const camera of cameraKeys(space)) {
        const id = s.observation[camera] as string;
        if (!uses.has(id)) uses.set(id, { camera, at: `${field ? `${field}${i}.` : ""}steps.${t}.observation.${camera}` });
      }
    }),
  );
  const ids = [...uses.keys()];
  const store = getBlobStore();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await tx
      .select({ id: frames.id, blobHash: frames.blobHash, bytes: frames.bytes })
      .from(frames)
      .where(and(eq(frames.projectId, projectId), inArray(frames.id, ids.slice(i, i + 1000))));
    const found = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids.slice(i, i + 1000)) {
      const use = uses.get(id)!;
      const row = found.get(id);
      if (!row) throw unprocessable(use.at, `unknown frame ${id} (upload the images before the rollouts that reference them)`);
      const bytes = row.blobHash ? await store.get(row.blobHash) : row.bytes;
      const sub = space.spaces[use.camera];
      const problem = bytes && isImageSpace(sub) ? pngImageProblem(sub, bytes) : "is missing";
      if (problem) throw unprocessable(use.at, `frame ${id} ${problem}`);
    }
  }
}
