/**
 * The policy inference/loading code runs in a real browser: trainer/policy/index.ts is bundled with
 * esbuild for the browser (which fails on any Node built-in), loaded into Debian's Chromium, and a
 * blob trained here in Node is loaded there — through the plain-JS forward pass and through tfjs
 * (`tf.loadLayersModel(tf.io.fromMemory(...))` on the browser's cpu backend). Both must give the
 * numbers Node gives.
 *
 * Without /usr/bin/chromium the suite is skipped with a warning (required on CI, like the env
 * render test).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Policy } from "../../trainer/policy/policy";
import { trainPolicy } from "../../trainer/train";
import { BOX1, bimodalDataset, testBackend } from "./helpers";
import { blobDataset, camera, dictObservations } from "./vision-helpers";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = path.resolve(import.meta.dirname, "../..");
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env["CI"] === "true") throw new Error(`${CHROMIUM} is required on CI for tests/trainer/browser.test.ts`);
  console.warn(`!! ${CHROMIUM} is missing: the policy-in-the-browser test is SKIPPED`);
}

describe("browser bundle of trainer/policy", () => {
  it("bundles for the browser without Node built-ins and without tfjs (inference is plain JS)", async () => {
    const result = await build({
      entryPoints: [path.join(repoRoot, "trainer/policy/index.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("trainer/policy/policy.ts"))).toBe(true);
    expect(inputs.filter((i) => i.includes("@tensorflow"))).toEqual([]);
    expect(inputs.filter((i) => i.includes("trainer/backend") || i.includes("trainer/worker"))).toEqual([]);
  });
});

describe.skipIf(!haveChromium)("policy blob in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let blob: Uint8Array;
  let generative: Array<{ kind: string; blob: Uint8Array; nets: number }>;
  let visual: Uint8Array;
  const errors: string[] = [];

  beforeAll(async () => {
    await testBackend();
    blob = (await trainPolicy(bimodalDataset(300), { actionSpace: BOX1, head: { kind: "mog", components: 3 }, ensembleSize: 2, epochs: 3, seed: 1 })).blob;
    generative = [
      { kind: "cvae", nets: 3, blob: (await trainPolicy(bimodalDataset(300), { actionSpace: BOX1, head: { kind: "cvae", prior: "learned" }, epochs: 3, seed: 1 })).blob },
      { kind: "diffusion", nets: 1, blob: (await trainPolicy(bimodalDataset(300), { actionSpace: BOX1, head: { kind: "diffusion" }, epochs: 3, seed: 1 })).blob },
    ];
    // An image policy: ConvNet encoder (spatial softmax) + state → Gaussian head, two members.
    visual = (
      await trainPolicy(blobDataset(64, 16, "x", 1).dataset, {
        actionSpace: BOX1,
        vision: { cameras: [camera(16)], encoder: { channels: [8, 8], featureDim: 16 } },
        ensembleSize: 2,
        epochs: 2,
        batchSize: 16,
        seed: 1,
      })
    ).blob;
    const entry = `
      import * as tf from "@tensorflow/tfjs";
      import * as P from "./trainer/policy/index";
      import { loadTfMembers } from "./trainer/policy/tfjs";
      export async function run(base64, probe) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const policy = P.Policy.fromBlob(bytes);
        const js = policy.actBatch(probe);
        await tf.setBackend("cpu");
        const { members } = await loadTfMembers(bytes);
        const x = tf.tensor2d([[0.25, -0.5]]);
        const raw = Array.from(await members[0].nets[0].predict(x).data());
        return { actions: js.actions, uncertainty: Array.from(js.uncertainty), raw, backend: tf.getBackend() };
      }
      export async function runGenerative(base64, probe) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const policy = P.Policy.fromBlob(bytes);
        const js = policy.actBatch(probe);
        await tf.setBackend("cpu");
        const { members } = await loadTfMembers(bytes);
        const nets = members[0].nets.length;
        members.forEach((m) => m.nets.forEach((n) => n.dispose()));
        return { actions: js.actions, spread: Array.from(js.spread), nets };
      }
      export async function runVisual(base64, probe) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const policy = P.Policy.fromBlob(bytes);
        const obs = probe.map((o) => ({ state: o.state, image: Uint8Array.from(o.image) }));
        const det = policy.actBatch(obs);
        const sampled = policy.act(obs[0], { deterministic: false, rng: (() => { let s = 7; return () => (s = (s * 16807) % 2147483647) / 2147483647; })() });
        await tf.setBackend("cpu");
        const { members } = await loadTfMembers(bytes);
        const encoders = members[0].encoders.length;
        members.forEach((m) => { m.nets.forEach((n) => n.dispose()); m.encoders.forEach((e) => { e.conv.dispose(); e.projection.dispose(); }); });
        return { actions: det.actions, uncertainty: Array.from(det.uncertainty), sampled: sampled.action, encoders };
      }`;
    const bundle = await build({
      stdin: { contents: entry, resolveDir: repoRoot, loader: "ts" },
      bundle: true,
      write: false,
      format: "iife",
      globalName: "CorrectivePolicy",
      platform: "browser",
      target: "es2022",
      logLevel: "silent",
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
    page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? "" });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("loads the blob and acts exactly as in Node (JS path), and tfjs loads the same networks", async () => {
    const probe = [[0.1, 0.9], [0.5, 0.5], [0.9, 0.05]];
    const base64 = Buffer.from(blob).toString("base64");
    const out = (await page.evaluate(
      ([b, p]) => (window as unknown as { CorrectivePolicy: { run(b: string, p: number[][]): Promise<unknown> } }).CorrectivePolicy.run(b, p),
      [base64, probe] as const,
    )) as { actions: number[][]; uncertainty: number[]; raw: number[]; backend: string };
    expect(errors).toEqual([]);
    const node = Policy.fromBlob(blob).actBatch(probe);
    expect(out.actions).toEqual(node.actions);
    out.uncertainty.forEach((u, i) => expect(u).toBeCloseTo(node.uncertainty[i] as number, 6));
    expect(out.backend).toBe("cpu");
    expect(out.raw).toHaveLength(3 + 2 * 3); // K logits + K means + K log σ
    expect(out.raw.every(Number.isFinite)).toBe(true);
  });

  it("cvae and diffusion blobs act in Chromium exactly as in Node, and tfjs loads their networks", async () => {
    const probe = [[0.1, 0.9], [0.5, 0.5], [0.9, 0.05]];
    for (const g of generative) {
      const out = (await page.evaluate(
        ([b, p]) => (window as unknown as { CorrectivePolicy: { runGenerative(b: string, p: number[][]): Promise<unknown> } }).CorrectivePolicy.runGenerative(b, p),
        [Buffer.from(g.blob).toString("base64"), probe] as const,
      )) as { actions: number[][]; spread: number[]; nets: number };
      expect(errors).toEqual([]);
      const node = Policy.fromBlob(g.blob).actBatch(probe);
      expect(out.actions, g.kind).toEqual(node.actions);
      out.spread.forEach((v, i) => expect(v).toBeCloseTo(node.spread[i] as number, 6));
      expect(out.nets, g.kind).toBe(g.nets);
    }
  });

  it("an image policy (ConvNet + state, ensemble) acts in Chromium exactly as in Node", async () => {
    const { samples, states } = blobDataset(4, 16, "x", 42);
    const probe = dictObservations(samples, states).map((o) => ({ state: o.state, image: Array.from(o.image) }));
    const out = (await page.evaluate(
      ([b, p]) => (window as unknown as { CorrectivePolicy: { runVisual(b: string, p: unknown): Promise<unknown> } }).CorrectivePolicy.runVisual(b, p),
      [Buffer.from(visual).toString("base64"), probe] as const,
    )) as { actions: number[][]; uncertainty: number[]; sampled: number[]; encoders: number };
    expect(errors).toEqual([]);
    const policy = Policy.fromBlob(visual);
    const node = policy.actBatch(dictObservations(samples, states));
    expect(out.actions).toEqual(node.actions);
    expect(out.uncertainty).toEqual(Array.from(node.uncertainty));
    let s = 7;
    const rng = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    expect(out.sampled).toEqual(policy.act({ state: states[0]!, image: samples[0]!.pixels }, { deterministic: false, rng }).action);
    expect(out.encoders).toBe(1);
  });
});
