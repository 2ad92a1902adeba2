/**
 * The pixels of a state's image observation, for whoever feeds a policy that sees (the trainer's image batches,
 * evaluation): `H × W × C` bytes, row major — Gymnasium's `Box(0, 255, [H, W, C], uint8)`.
 *
 * - A built-in camera env (CarTrackPixels-v0): rendered from the state's env state by the env's rasteriser.
 * - An external project: the camera's frame (`states.images`) read from the blob store and decoded from PNG.
 *
 * Either way these are the very pixels the policy saw when it acted there (and the labeller saw when labelling).
 * {@link observationImageRefs} says where each state's images come from without decoding anything — what the
 * train step hands the trainer's worker, which decodes batch by batch behind its bounded cache
 * (trainer/image-refs.ts); {@link observationImageLoader} decodes them here with the same code.
 */
import { inArray } from "drizzle-orm";
import { cameraKeys, isImageSpace, type TObservationSpace } from "../../contracts/spaces";
import type { Db } from "../../db/client";
import { frames, states } from "../../db/schema";
import { decodeImageSources } from "../../trainer/image-refs";
import type { TCamera } from "../../contracts/policy-spec";
import type { TImageRefs } from "../../contracts/trainer-protocol";
import { DiskBlobStore } from "./disk-blob-store";
import { getBlobStore } from "./registry";

export type ObservationImageLoader = (stateIds: readonly string[]) => Promise<Map<string, Record<string, Uint8Array>>>;

/** Where a set of states' images come from (one source per state id, in the order asked). */
export type ObservationImageRefs = Omit<TImageRefs, "sampleSource" | "cacheBytes">;

/** The image cameras of a `Dict` observation space (`Box(0, 255, [H, W, C], uint8)` keys), in `cameraKeys` order. */
export function observationCameras(space: TObservationSpace): TCamera[] {
  if (space.type !== "dict") return [];
  return cameraKeys(space).flatMap((name) => {
    const sub = space.spaces[name];
    return isImageSpace(sub) ? [{ name, shape: [sub.shape[0], sub.shape[1], sub.shape[2]] as const }] : [];
  });
}

/**
 * Where the images of `stateIds` come from: their env states (built-in camera envs), or per camera the frame's
 * blob hash under the disk store's directory — or its bytes, for a frame still in the database or a store the
 * worker cannot read files of. Nothing is decoded. A state without its image is refused with its id named.
 */
export async function observationImageRefs(
  db: Db,
  spec: { envId: string | null; observation: TObservationSpace },
  stateIds: readonly string[],
): Promise<ObservationImageRefs> {
  const cameras = observationCameras(spec.observation);
  if (cameras.length === 0) throw new Error("this project's observations have no images");
  if (stateIds.length === 0) throw new Error("no states to read images of");
  const rows = await db.select({ id: states.id, envState: states.envState, images: states.images }).from(states).where(inArray(states.id, [...new Set(stateIds)]));
  const byState = new Map(rows.map((r) => [r.id, r]));
  const row = (id: string) => {
    const r = byState.get(id);
    if (!r) throw new Error(`state ${id} is gone`);
    return r;
  };
  if (spec.envId) {
    const envStates = stateIds.map((id) => {
      const r = row(id);
      if (!r.envState) throw new Error(`state ${id} has no env state to render its image from`);
      return r.envState;
    });
    return { sources: stateIds.length, envId: spec.envId, envStates };
  }
  const frameIds = [...new Set(rows.flatMap((r) => Object.values(r.images ?? {})))];
  const refs = frameIds.length ? await db.select({ id: frames.id, blobHash: frames.blobHash, bytes: frames.bytes }).from(frames).where(inArray(frames.id, frameIds)) : [];
  const byFrame = new Map(refs.map((f) => [f.id, f]));
  const store = getBlobStore();
  const disk = store instanceof DiskBlobStore ? store : null;
  const out: Record<string, Array<string | Uint8Array>> = {};
  for (const cam of cameras) {
    out[cam.name] = await Promise.all(
      stateIds.map(async (id) => {
        const frameId = row(id).images?.[cam.name];
        const ref = frameId ? byFrame.get(frameId) : undefined;
        if (!ref) throw new Error(`state ${id} has no image for camera "${cam.name}"`);
        if (ref.blobHash && disk) return ref.blobHash;
        const bytes = ref.blobHash ? await store.get(ref.blobHash) : ref.bytes;
        if (!bytes) throw new Error(`frame ${frameId} is missing from the blob store`);
        return new Uint8Array(bytes);
      }),
    );
  }
  return { sources: stateIds.length, frames: out, ...(disk ? { blobRoot: disk.root } : {}) };
}

/** A loader of the camera images of states of one project (a map state id → camera → pixels). */
export function observationImageLoader(db: Db, spec: { envId: string | null; observation: TObservationSpace }): ObservationImageLoader {
  const cameras = observationCameras(spec.observation);
  if (cameras.length === 0) throw new Error("this project's observations have no images");
  return async (stateIds) => {
    const out = new Map<string, Record<string, Uint8Array>>();
    const ids = [...new Set(stateIds)];
    if (ids.length === 0) return out;
    const refs = await observationImageRefs(db, spec, ids);
    const images = await decodeImageSources(cameras, { ...refs, sampleSource: new Int32Array(0) }, ids.map((_, k) => k));
    ids.forEach((id, k) => out.set(id, { ...images[k] }));
    return out;
  };
}
