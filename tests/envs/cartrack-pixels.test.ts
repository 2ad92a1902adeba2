/**
 * CarTrackPixels-v0: CarTrack-v0's dynamics and expert seen through an egocentric 64×64 RGB image plus speed.
 * Deterministic per seed; the expert scores exactly what it scores on CarTrack-v0 (same trajectories); the image
 * is `64 × 64 × 3` uint8 and a pure function of the state; and the browser's rasteriser (the same module,
 * bundled) paints the very same bytes as Node's, in Debian's Chromium. CarTrackPixels-v1 is CarTrack-v1 (narrow
 * road, fast, noisy steering) through the same camera, and shows the narrow road.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ZDictSpace } from "../../contracts/spaces";
import { createEnv, createExpert, getEnvSpec, observationImages, rasteriseCarTrack } from "../../envs/index";
import { getTrack } from "../../envs/cartrack/track";
import { observationSpaceOf } from "../../envs/observation-space";
import { envsBrowserBundle } from "../helpers/envs-bundle";

const ID = "CarTrackPixels-v0";
const CHROMIUM = "/usr/bin/chromium";

function episode(id: string, seed: number, maxSteps = 1000) {
  const env = createEnv(id, { seed });
  const expert = createExpert(id);
  env.reset(seed);
  expert.reset(seed);
  let total = 0;
  const observations: number[][] = [];
  const states: number[][] = [];
  let lap = 0;
  for (let t = 0; t < maxSteps; t++) {
    states.push(env.getState());
    observations.push(env.observe());
    const r = env.step(expert.act(env.getState()));
    total += r.reward;
    lap = (r.info?.lapCompletion as number | undefined) ?? lap;
    if (r.terminated || r.truncated) break;
  }
  return { total, observations, states, lap, env };
}

/** Drives the pixel env and its vector env with the expert on one seed: the same states and return, and `state`
 * (speed over the variant's cruise speed) is the vector env's 10th observation element. */
function sameEpisode(pixelsId: string, vectorId: string, seed: number) {
  const pixels = episode(pixelsId, seed);
  const vector = episode(vectorId, seed);
  expect(pixels.total).toBe(vector.total);
  expect(pixels.states).toEqual(vector.states);
  expect(pixels.observations.map((o) => o[0])).toEqual(vector.observations.map((o) => o[9]));
  return pixels;
}

describe("CarTrackPixels-v0", () => {
  it("declares a Dict observation: a 64×64 RGB uint8 camera and the speed", () => {
    const spec = getEnvSpec(ID);
    expect(spec.cameras).toEqual([{ name: "image", shape: [64, 64, 3] }]);
    const space = observationSpaceOf(spec);
    expect(ZDictSpace.parse(space)).toEqual({
      type: "dict",
      spaces: { image: { type: "box", dtype: "uint8", shape: [64, 64, 3], low: 0, high: 255 }, state: spec.observationSpace },
    });
    expect(observationSpaceOf(getEnvSpec("CarTrack-v0"))).toEqual(getEnvSpec("CarTrack-v0").observationSpace);
  });

  it("drives CarTrack-v0's episodes step for step, so its expert scores what it scores there", () => {
    const laps = [0, 1, 2, 3, 4].map((seed) => sameEpisode(ID, "CarTrack-v0", seed).lap);
    const mean = laps.reduce((a, b) => a + b, 0) / laps.length;
    expect(mean).toBeGreaterThanOrEqual(createExpert(ID).score.value);
  });

  it("is deterministic per seed, images included", () => {
    const run = (seed: number) => {
      const env = createEnv(ID, { seed });
      const expert = createExpert(ID);
      env.reset(seed);
      const images: Uint8Array[] = [];
      for (let t = 0; t < 50; t++) {
        images.push(env.observeImages!().image!);
        env.step(expert.act(env.getState()));
      }
      return images;
    };
    const a = run(3);
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
  });

  it("observes a 64×64×3 uint8 image that is a pure function of the state: road ahead, grass beside, the car", () => {
    const { states } = episode(ID, 1, 200);
    const state = states[100]!;
    const image = observationImages(ID, state).image!;
    expect(image).toBeInstanceOf(Uint8Array);
    expect(image.length).toBe(64 * 64 * 3);
    // Same state, same bytes — from a fresh env put into that state, and from the bare rasteriser.
    const env = createEnv(ID);
    env.setState(state, 100);
    expect(env.observeImages!().image).toEqual(image);
    expect(rasteriseCarTrack(state)).toEqual(image);
    expect(observationImages(ID, states[101]!).image).not.toEqual(image);
    const px = (r: number, c: number) => [...image.subarray((r * 64 + c) * 3, (r * 64 + c) * 3 + 3)];
    expect(px(55, 32)).toEqual([220, 30, 30]); // the car
    const colours = new Set<string>();
    for (let i = 0; i < image.length; i += 3) colours.add(`${image[i]},${image[i + 1]},${image[i + 2]}`);
    expect(colours).toContain("92,92,96"); // asphalt
    expect([...colours].some((c) => c === "58,125,52" || c === "48,108,44")).toBe(true); // grass
    expect(observationImages("CarTrack-v0", state)).toEqual({});
  });

  it("agrees with a brute-force reference: each pixel is road, kerb or grass by its distance to the whole centreline", () => {
    const { states } = episode(ID, 5, 400);
    for (const state of states.filter((_, i) => i % 80 === 0)) {
      const image = rasteriseCarTrack(state);
      const [trackIndex, x, y, heading] = state as [number, number, number, number];
      const track = getTrack(trackIndex);
      let checked = 0;
      for (let r = 0; r < 64; r++) {
        for (let c = 0; c < 64; c++) {
          if (r >= 46 && r <= 56 && c >= 30 && c < 34) continue; // the car
          const forward = (56 - (r + 0.5)) * 0.5;
          const left = (32 - (c + 0.5)) * 0.5;
          const px = x + forward * Math.cos(heading) - left * Math.sin(heading);
          const py = y + forward * Math.sin(heading) + left * Math.cos(heading);
          let best = Infinity;
          for (let i = 0; i < track.n; i++) {
            const qx = px - track.cx[i]!;
            const qy = py - track.cy[i]!;
            const u = Math.min(track.segLength[i]!, Math.max(0, qx * track.ux[i]! + qy * track.uy[i]!));
            best = Math.min(best, Math.hypot(qx - u * track.ux[i]!, qy - u * track.uy[i]!));
          }
          if (Math.abs(best - track.halfWidth) < 1e-6 || Math.abs(best - (track.halfWidth - 0.5)) < 1e-6) continue; // on a boundary
          const o = (r * 64 + c) * 3;
          const colour = `${image[o]},${image[o + 1]},${image[o + 2]}`;
          const kind = colour === "58,125,52" || colour === "48,108,44" ? "grass" : colour === "200,40,40" || colour === "235,235,235" ? "kerb" : "road";
          expect(kind, `pixel ${r},${c} at ${best.toFixed(2)} m`).toBe(best > track.halfWidth ? "grass" : best > track.halfWidth - 0.5 ? "kerb" : "road");
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(4000);
    }
  });

  it("CarTrackPixels-v1 drives CarTrack-v1's episodes step for step, and its camera sees the narrow road", () => {
    const V1 = "CarTrackPixels-v1";
    expect(getEnvSpec(V1).cameras).toEqual(getEnvSpec(ID).cameras);
    expect(getEnvSpec(V1).referenceReturns).toEqual(getEnvSpec("CarTrack-v1").referenceReturns);
    for (let seed = 0; seed < 3; seed++) sameEpisode(V1, "CarTrack-v1", seed);
    // The same pose seen on v0's 8 m road and on v1's 5 m road: fewer road pixels, and exactly the ones a 2.5 m
    // half-width gives (the rasteriser's own narrow-road output).
    const state = episode(V1, 4, 120).states[100]!;
    const count = (image: Uint8Array, colour: string) => {
      let n = 0;
      for (let i = 0; i < image.length; i += 3) if (`${image[i]},${image[i + 1]},${image[i + 2]}` === colour) n++;
      return n;
    };
    const narrow = observationImages(V1, state).image!;
    const wide = observationImages(ID, state).image!;
    expect(narrow).toEqual(rasteriseCarTrack(state, undefined, 2.5));
    expect(count(narrow, "92,92,96")).toBeGreaterThan(100);
    expect(count(narrow, "92,92,96")).toBeLessThan(0.75 * count(wide, "92,92,96"));
    const env = createEnv(V1);
    env.setState(state, 100);
    expect(env.observeImages!().image).toEqual(narrow);
  });

  it.skipIf(!existsSync(CHROMIUM))("paints the same bytes in Chromium as in Node", async () => {
    const bundle = await envsBrowserBundle();
    const states = episode(ID, 2, 300).states.filter((_, i) => i % 50 === 0);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.setContent("<!doctype html><html><body></body></html>");
      await page.addScriptTag({ content: bundle });
      const inBrowser = await page.evaluate(
        (list) =>
          list.flatMap((s) =>
            ["CarTrackPixels-v0", "CarTrackPixels-v1"].map((id) => Array.from((window as unknown as { CorrectiveEnvs: typeof import("../../envs/index") }).CorrectiveEnvs.observationImages(id, s).image!)),
          ),
        states,
      );
      expect(inBrowser.length).toBe(2 * states.length);
      for (const [i, s] of states.entries()) {
        expect(Uint8Array.from(inBrowser[2 * i]!)).toEqual(observationImages(ID, s).image);
        expect(Uint8Array.from(inBrowser[2 * i + 1]!)).toEqual(observationImages("CarTrackPixels-v1", s).image);
      }
    } finally {
      await browser.close();
    }
  }, 60_000);

  it.skipIf(!existsSync(CHROMIUM))("shows every image pixel as one flat block, with and without OffscreenCanvas alike", async () => {
    const bundle = await envsBrowserBundle();
    const states = episode(ID, 3, 200).states.filter((_, i) => i % 100 === 0);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    // The block centres of the labelling canvas's size (640 × 400, 6.25 canvas pixels per image pixel).
    const blockCentres = async (withOffscreen: boolean) => {
      const page = await browser.newPage();
      await page.setContent('<!doctype html><html><body><canvas id="c" width="640" height="400"></canvas></body></html>');
      if (!withOffscreen) await page.evaluate(() => delete (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas);
      await page.addScriptTag({ content: bundle });
      const out = await page.evaluate((list) => {
        const env = (window as unknown as { CorrectiveEnvs: typeof import("../../envs/index") }).CorrectiveEnvs.createEnv("CarTrackPixels-v0");
        const canvas = document.getElementById("c") as HTMLCanvasElement;
        const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
        return list.map((s) => {
          env.render(ctx, s);
          const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          const scale = Math.min(canvas.width / 64, canvas.height / 64);
          const x0 = (canvas.width - scale * 64) / 2;
          const y0 = (canvas.height - scale * 64) / 2;
          const px: number[] = [];
          for (let r = 0; r < 64; r++) {
            for (let c = 0; c < 64; c++) {
              const o = (Math.floor(y0 + (r + 0.5) * scale) * canvas.width + Math.floor(x0 + (c + 0.5) * scale)) * 4;
              px.push(data[o]!, data[o + 1]!, data[o + 2]!);
            }
          }
          return px;
        });
      }, states);
      await page.close();
      return out;
    };
    try {
      const [scratch, blocks] = [await blockCentres(true), await blockCentres(false)];
      expect(scratch).toEqual(blocks);
      for (const [i, s] of states.entries()) {
        const expected = observationImages(ID, s).image!;
        let same = 0;
        for (let k = 0; k < expected.length; k += 3) if (scratch[i]![k] === expected[k] && scratch[i]![k + 1] === expected[k + 1] && scratch[i]![k + 2] === expected[k + 2]) same++;
        // The legend (speed, top left) covers a few blocks; every other block is the image's pixel.
        expect(same / (64 * 64)).toBeGreaterThan(0.9);
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});
