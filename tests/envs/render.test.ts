/**
 * Renders every environment in a real browser: envs/index.ts is bundled with esbuild into one IIFE
 * (which also proves envs/ bundles for the browser with no Node built-ins), loaded into Debian's
 * Chromium through playwright-core, and drawn into a canvas in two different states and with an
 * action overlay. Asserts that something other than the background is drawn and that the pictures of
 * different states (and with/without overlay) differ.
 *
 * Without /usr/bin/chromium the suite is skipped with a loud warning, except on CI (CI=true), where
 * a missing browser is a failure.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV_IDS } from "../../envs/index";
import { envsBrowserBundle } from "../helpers/envs-bundle";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium) {
  const message = `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! ${CHROMIUM} is missing: the env render test in a real browser is SKIPPED.\n!! Install Debian's chromium package to run it (required on CI).\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`;
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is required on CI for tests/envs/render.test.ts`);
  console.warn(message);
}

/** What the page reports for one env. */
interface FrameStats {
  id: string;
  width: number;
  height: number;
  /** Fraction of pixels that differ from the frame's most common colour, per frame A, B. */
  foregroundA: number;
  foregroundB: number;
  /** Fraction of pixels that differ between state A and state B. */
  changedByState: number;
  /** Fraction of pixels that differ between state B with and without the action overlay. */
  changedByOverlay: number;
  /** PNG data URL of state B with the overlay (kept for debugging failures). */
  png: string;
}

declare global {
  interface Window {
    CorrectiveEnvs: typeof import("../../envs/index");
  }
}

describe.skipIf(!haveChromium)("env renderers in Chromium", () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const code = await envsBrowserBundle();
    expect(code.length).toBeGreaterThan(1000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.setContent(`<!doctype html><html><body><canvas id="c" width="480" height="320"></canvas></body></html>`);
    await page.addScriptTag({ content: code });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("bundles to a browser global exposing createEnv", async () => {
    const ids = await page.evaluate(() => window.CorrectiveEnvs.listEnvs().map((s) => s.id));
    expect(ids).toEqual([...ENV_IDS]);
  });

  it.each([...ENV_IDS])("%s draws two states that differ, plus overlays", async (id) => {
    const stats = await page.evaluate((envId): FrameStats => {
      const { createEnv, createExpert } = window.CorrectiveEnvs;
      const canvas = document.getElementById("c") as HTMLCanvasElement;
      const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
      const grab = (): Uint8ClampedArray => ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const foreground = (px: Uint8ClampedArray): number => {
        const counts = new Map<number, number>();
        for (let i = 0; i < px.length; i += 4) {
          const key = (px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        const top = Math.max(...counts.values());
        return 1 - top / (px.length / 4);
      };
      const changed = (a: Uint8ClampedArray, b: Uint8ClampedArray): number => {
        let n = 0;
        for (let i = 0; i < a.length; i += 4) {
          if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
        }
        return n / (a.length / 4);
      };

      const env = createEnv(envId);
      const expert = createExpert(envId);
      env.reset(1);
      expert.reset(1);
      const stateA = env.getState();
      // State B: 40 expert steps later (or the last state before the episode ended).
      for (let t = 0; t < 40; t++) {
        const r = env.step(expert.act(env.getState()));
        if (r.terminated || r.truncated) break;
      }
      const stateB = env.getState();
      env.render(ctx, stateA);
      const a = grab();
      env.render(ctx, stateB);
      const b = grab();
      const space = env.spec.actionSpace;
      const policyAction = space.type === "discrete" ? 0 : space.low.map((lo) => lo);
      const labelAction = space.type === "discrete" ? space.n - 1 : space.high.map((hi) => hi);
      env.render(ctx, stateB, { policyAction, labelAction, expertAction: expert.act(stateB), caption: "t = 40" });
      const withOverlay = grab();
      return {
        id: envId,
        width: canvas.width,
        height: canvas.height,
        foregroundA: foreground(a),
        foregroundB: foreground(b),
        changedByState: changed(a, b),
        changedByOverlay: changed(b, withOverlay),
        png: canvas.toDataURL("image/png"),
      };
    }, id);

    expect(pageErrors).toEqual([]);
    expect(stats.foregroundA, `${id}: nothing drawn in state A`).toBeGreaterThan(0.01);
    expect(stats.foregroundB, `${id}: nothing drawn in state B`).toBeGreaterThan(0.01);
    expect(stats.changedByState, `${id}: states A and B look the same`).toBeGreaterThan(0.002);
    expect(stats.changedByOverlay, `${id}: the overlay drew nothing`).toBeGreaterThan(0.001);
    expect(stats.png.startsWith("data:image/png;base64,")).toBe(true);
  });

  it("renders into an OffscreenCanvas too (worker-friendly)", async () => {
    const ok = await page.evaluate(() => {
      const { createEnv } = window.CorrectiveEnvs;
      const canvas = new OffscreenCanvas(200, 150);
      const ctx = canvas.getContext("2d")!;
      const env = createEnv("CarTrack-v0");
      env.reset(2);
      env.render(ctx);
      const px = ctx.getImageData(0, 0, 200, 150).data;
      return px.some((v, i) => i % 4 !== 3 && v !== px[i % 4]);
    });
    expect(ok).toBe(true);
  });
});
