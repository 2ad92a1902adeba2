/**
 * The pixels of a state's image observation, for whoever feeds a policy that sees (the trainer's image batches,
 * evaluation): `H × W × C` bytes, row major — Gymnasium's `Box(0, 255, [H, W, C], uint8)`.
 *
 * - A built-in camera env (CarTrackPixels-v0): rendered from the state's env state by the env's rasteriser.
 * - An external project: the camera's frame (`states.images`) read from the blob store and decoded from PNG.
 *
 * Either way these are the very pixels the policy saw when it acted there (and the labeller saw when labelling).
 * Loads are one state at a time; the trainer wraps the loader in its bounded cache (trainer/images.ts).
 */
import { inArray } from "drizzle-orm";
import { decode } from "fast-png";
import { cameraKeys, isImageSpace } from "../../contracts/spaces";
import type { Db } from "../../db/client";
import { frames, states } from "../../db/schema";
import { observationImages } from "../../envs/index";
import type { ProjectSpec } from "../projects/project-spec";
import { getBlobStore } from "./registry";

export type ObservationImageLoader = (stateIds: readonly string[]) => Promise<Map<string, Record<string, Uint8Array>>>;

/** A loader of the camera images of states of one project (a map state id → camera → pixels). */
export function observationImageLoader(db: Db, spec: Pick<ProjectSpec, "envId" | "observation">): ObservationImageLoader {
  const cameras = cameraKeys(spec.observation);
  if (cameras.length === 0) throw new Error("this project's observations have no images");
  return async (stateIds) => {
    const out = new Map<string, Record<string, Uint8Array>>();
    if (stateIds.length === 0) return out;
    const rows = await db.select({ id: states.id, envState: states.envState, images: states.images }).from(states).where(inArray(states.id, [...stateIds]));
    if (spec.envId) {
      for (const r of rows) {
        if (!r.envState) throw new Error(`state ${r.id} has no env state to render its image from`);
        out.set(r.id, observationImages(spec.envId, r.envState));
      }
      return out;
    }
    const frameIds = [...new Set(rows.flatMap((r) => Object.values(r.images ?? {})))];
    const refs = frameIds.length ? await db.select({ id: frames.id, blobHash: frames.blobHash, bytes: frames.bytes }).from(frames).where(inArray(frames.id, frameIds)) : [];
    const byId = new Map(refs.map((f) => [f.id, f]));
    const store = getBlobStore();
    const space = spec.observation.type === "dict" ? spec.observation : null;
    for (const r of rows) {
      const images: Record<string, Uint8Array> = {};
      for (const camera of cameras) {
        const frameId = r.images?.[camera];
        const ref = frameId ? byId.get(frameId) : undefined;
        if (!ref) throw new Error(`state ${r.id} has no image for camera "${camera}"`);
        const bytes = ref.blobHash ? await store.get(ref.blobHash) : ref.bytes;
        if (!bytes) throw new Error(`frame ${frameId} is missing from the blob store`);
        const png = decode(bytes);
        const sub = space?.spaces[camera];
        const want = isImageSpace(sub) ? sub.shape[2] : png.channels;
        if (png.depth !== 8 || png.channels !== want) throw new Error(`frame ${frameId}: ${png.channels} channel(s) of ${png.depth} bits, expected ${want} of 8`);
        images[camera] = png.data instanceof Uint8Array ? png.data : Uint8Array.from(png.data);
      }
      out.set(r.id, images);
    }
    return out;
  };
}
