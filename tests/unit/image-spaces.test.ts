/**
 * Image observation spaces (contracts/spaces.ts): Gymnasium `Dict` spaces of `Box(0, 255, [H, W, C], uint8)`
 * cameras and a `state` vector are validated like every other space — a bad shape, a camera called `state`, a
 * dict without images, an observation missing a key, a non-image or wrongly sized PNG are each refused with the
 * field named.
 */
import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { cameraKeys, observationProblem, pngImageProblem, stateDim, ZDictSpace, ZObservationSpace, type TDictSpace, type TImageSpace } from "../../contracts/spaces";

const camera = (h = 64, w = 64, c = 3): TImageSpace => ({ type: "box", dtype: "uint8", shape: [h, w, c as 3], low: 0, high: 255 });
const state = (d: number) => ({ type: "box" as const, shape: [d] as [number], low: Array(d).fill(-1), high: Array(d).fill(1) });
const DICT: TDictSpace = { type: "dict", spaces: { front: camera(), wrist: camera(32, 48, 1), state: state(2) } };
const ID = "0b5c2a7e-4f1d-4a53-9a8e-2f6f6d1c9e01";

/** The paths of zod's issues for a value, joined with dots. */
const issuePaths = (value: unknown) => {
  const r = ZObservationSpace.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("Dict observation spaces", () => {
  it("accepts cameras plus a state vector, one or several cameras, and keeps vector spaces as they were", () => {
    expect(ZDictSpace.parse(DICT)).toEqual(DICT);
    expect(ZObservationSpace.parse({ type: "dict", spaces: { image: camera(84, 84, 3) } })).toMatchObject({ type: "dict" });
    expect(ZObservationSpace.parse(state(3))).toEqual(state(3));
    expect(cameraKeys(DICT)).toEqual(["front", "wrist"]);
    expect(stateDim(DICT)).toBe(2);
    expect(stateDim(state(5))).toBe(5);
  });

  it("refuses bad shapes and misplaced keys, naming the field", () => {
    const bad = (spaces: Record<string, unknown>) => ZDictSpace.safeParse({ type: "dict", spaces });
    expect(bad({ state: state(2) }).error?.issues[0]).toMatchObject({ path: ["spaces"], message: expect.stringMatching(/at least one image/) });
    expect(bad({ state: camera() }).error?.issues.map((i) => i.path.join("."))).toContain("spaces.state");
    expect(bad({ image: camera(), extra: state(1) }).error?.issues.map((i) => i.path.join("."))).toContain("spaces.extra");
    // A 2-channel, a 4-pixel-high and a 1000-pixel-wide image; bounds other than 0..255.
    expect(bad({ image: { ...camera(), shape: [64, 64, 2] } }).success).toBe(false);
    expect(bad({ image: camera(4, 64, 3) }).success).toBe(false);
    expect(bad({ image: camera(64, 1000, 3) }).success).toBe(false);
    expect(bad({ image: { ...camera(), high: 1 } }).success).toBe(false);
    expect(bad({ "bad key!": camera() }).success).toBe(false);
    expect(issuePaths({ type: "dict", spaces: { image: { ...camera(), shape: [64, 64] } } }).some((p) => p.startsWith("spaces.image"))).toBe(true);
  });

  it("checks an uploaded observation: state numbers and a frame id per camera, naming the key", () => {
    expect(observationProblem(DICT, { front: ID, wrist: ID, state: [0.1, 0.2] })).toBeNull();
    expect(observationProblem(DICT, [0.1, 0.2])?.[0]).toBe("");
    expect(observationProblem(DICT, { front: ID, wrist: ID })).toEqual(["state", "must be an array of 2 numbers"]);
    expect(observationProblem(DICT, { front: ID, wrist: ID, state: [0.1] })).toEqual(["state", "must have 2 elements, got 1"]);
    expect(observationProblem(DICT, { front: ID, wrist: ID, state: [0.1, "x"] })?.[0]).toBe("state.1");
    expect(observationProblem(DICT, { front: "not-an-id", wrist: ID, state: [0, 0] })?.[0]).toBe("front");
    expect(observationProblem(DICT, { front: ID, wrist: ID, state: [0, 0], lidar: [1] })?.[0]).toBe("lidar");
    expect(observationProblem(state(2), [1, 2])).toBeNull();
    expect(observationProblem(state(2), [1])).toEqual(["", "must have 2 elements, got 1"]);
  });

  it("checks image bytes: a PNG of exactly the camera's height, width and channels", () => {
    const png = (h: number, w: number, channels: 1 | 3 | 4) => encode({ width: w, height: h, data: new Uint8Array(h * w * channels), channels });
    expect(pngImageProblem(camera(), png(64, 64, 3))).toBeNull();
    expect(pngImageProblem(camera(32, 48, 1), png(32, 48, 1))).toBeNull();
    expect(pngImageProblem(camera(), png(64, 32, 3))).toMatch(/64×32 pixels; the space says 64×64/);
    expect(pngImageProblem(camera(), png(64, 64, 4))).toMatch(/4 channel/);
    const palette = png(64, 64, 3);
    palette[25] = 3; // colour type: palette
    expect(pngImageProblem(camera(), palette)).toMatch(/palette/);
    expect(pngImageProblem(camera(), Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array(40).fill(0)]))).toBe("is not a PNG image");
    expect(pngImageProblem(camera(), new TextEncoder().encode("definitely not an image, just some text here"))).toBe("is not a PNG image");
  });
});
