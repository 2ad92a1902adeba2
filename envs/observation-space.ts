/**
 * An env's observation space as the API and the trainer describe it (contracts/spaces.ts): its vector space, or —
 * for an env with cameras — a Gymnasium `Dict` of one `Box(0, 255, [H, W, C], uint8)` per camera and the vector
 * under `state`.
 */
import type { TObservationSpace } from "../contracts/spaces";
import type { EnvSpec } from "./env";

export function observationSpaceOf(spec: EnvSpec): TObservationSpace {
  const cameras = spec.cameras ?? [];
  if (cameras.length === 0) return spec.observationSpace as TObservationSpace;
  const spaces: Record<string, unknown> = { state: spec.observationSpace };
  for (const c of cameras) spaces[c.name] = { type: "box", dtype: "uint8", shape: [...c.shape], low: 0, high: 255 };
  return { type: "dict", spaces } as TObservationSpace;
}
