import { API } from "../../contracts/routes";
import type { TCameraFrame } from "../../contracts/fields";

/** Where the browser fetches a state's frame (the route table's path), or null for a state without one. */
export const frameUrl = (projectId: string, frameId: string | null): string | null => (frameId ? API.frame(projectId, frameId) : null);

/**
 * A state's camera frames (`states.images`, camera → frame id) as the labelling payloads carry them: in
 * camera-key order (the order of `cameraKeys`, so the first is the main camera), none for a state without images.
 */
export const cameraFrames = (projectId: string, images: Record<string, string> | null | undefined): TCameraFrame[] =>
  images
    ? Object.keys(images)
        .sort()
        .map((camera) => ({ camera, frameId: images[camera]!, url: API.frame(projectId, images[camera]!) }))
    : [];
