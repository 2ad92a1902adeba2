/**
 * The camera columns of a LeRobot import into a project whose observations are a Gymnasium `Dict` (cameras and a
 * `state` vector): each camera `<key>` is read from the `observation.images.<key>` feature — `dtype: "image"`,
 * a `{bytes, path}` struct of PNG bytes per row (what Corrective's export and LeRobot's `datasets.Image()` write)
 * — and every image must be a PNG of exactly the camera's `[H, W, C]` (contracts/spaces.ts `pngImageProblem`,
 * the check uploaded frames pass). The bytes travel with the sample (`DatasetSampleInput.images`) to the import's
 * staging, which stores them as frames (stage-import-images.ts).
 *
 * Kept apart from parse-lerobot-tar.ts (archive, metadata and row pages): this is only the mapping of columns to
 * a `Dict` observation's cameras.
 */
import { lerobotCameraKey, LEROBOT_PATHS, type TLeRobotInfo } from "../../contracts/datasets";
import { cameraKeys, isImageSpace, pngImageProblem, type TImageSpace, type TObservationSpace } from "../../contracts/spaces";
import { badLine } from "./parse-dataset-file";

export interface CameraColumn {
  camera: string;
  /** `observation.images.<camera>`. */
  column: string;
  space: TImageSpace;
}

/**
 * Rows per page when the import carries images (parse-lerobot-tar.ts reads this many at a time): 256 rows of two
 * 96×96 PNGs are a few MB, where 5,000 would be a hundred. Corrective's image exports write row groups of 256.
 */
export const IMAGE_ROW_PAGE = 256;

/**
 * The camera columns the import must read (none for a vector observation space), checked against
 * `meta/info.json`: each camera needs an `observation.images.<camera>` feature of dtype `image` (a `video`
 * feature is refused: its frames live in MP4 files, which this import does not decode).
 *
 * None for a built-in camera env (CarTrackPixels-v0) either: its images are rendered from each state's env
 * state, which a LeRobot dataset does not carry, so stored images could not feed its trainer; its imports stay
 * numbers only, as before (docs/FORMATS.md).
 */
export function cameraColumns(project: { observation?: TObservationSpace; envId?: string | null }, info: TLeRobotInfo): CameraColumn[] {
  const observation = project.observation;
  if (project.envId || !observation || observation.type !== "dict") return [];
  return cameraKeys(observation).map((camera) => {
    const column = lerobotCameraKey(camera);
    const space = observation.spaces[camera];
    if (!isImageSpace(space)) throw new Error(`camera ${camera} is not an image space`);
    const feature = info.features[column];
    const shape = space.shape.join(", ");
    if (!feature) throw badLine(LEROBOT_PATHS.info, `features has no "${column}" (this project's camera "${camera}", an image of [${shape}])`);
    if (feature.dtype === "video") throw badLine(LEROBOT_PATHS.info, `"${column}" is a video feature; import datasets whose cameras are image features (PNG bytes in the Parquet files)`);
    if (feature.dtype !== "image") throw badLine(LEROBOT_PATHS.info, `"${column}" has dtype ${feature.dtype}; a camera must be an image feature`);
    return { camera, column, space };
  });
}

/** Every camera column must be in each data file (`present`: the names of its Parquet schema). */
export function checkCameraSchema(path: string, present: ReadonlySet<string>, cameras: readonly CameraColumn[]): void {
  const missing = cameras.find((c) => !present.has(c.column));
  if (missing) throw badLine(path, `no column "${missing.column}" (this project's camera "${missing.camera}")`);
}

/**
 * Takes the camera columns out of a decoded row (`row` is changed: what is left is the numeric part for
 * `toSample`) and returns camera → PNG bytes, each checked against its camera's space. The first problem is a 422
 * naming the row and the column (`data/chunk-000/file-000.parquet row 17: observation.images.wrist: is 16×8
 * pixels; the space says 16×16`).
 */
export function takeCameraImages(where: string, row: Record<string, unknown>, cameras: readonly CameraColumn[]): Record<string, Uint8Array> {
  const images: Record<string, Uint8Array> = {};
  for (const { camera, column, space } of cameras) {
    const value = row[column];
    delete row[column];
    const bytes = imageBytes(value);
    if (!bytes) {
      const path = typeof value === "object" && value !== null ? (value as { path?: unknown }).path : null;
      throw badLine(where, `${column}: ${typeof path === "string" && path ? `holds a path (${path}), not the image's bytes; embed the images in the Parquet file` : "no image (every row needs one per camera)"}`);
    }
    const problem = pngImageProblem(space, bytes);
    if (problem) throw badLine(where, `${column}: ${problem === "is not a PNG image" ? "is not a PNG image (images must be lossless PNGs: the pixels the policy saw)" : problem}`);
    images[camera] = bytes;
  }
  return images;
}

/** The bytes of an image cell: the `{bytes, path}` struct (read with `utf8: false`, so bytes stay bytes). */
function imageBytes(value: unknown): Uint8Array | null {
  const bytes = typeof value === "object" && value !== null && !(value instanceof Uint8Array) ? (value as { bytes?: unknown }).bytes : value;
  return bytes instanceof Uint8Array && bytes.byteLength > 0 ? bytes : null;
}
