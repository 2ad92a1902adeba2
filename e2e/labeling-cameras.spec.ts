/**
 * Labelling a multi-camera robot in Chromium against the real server: an external project whose `Dict`
 * observation has two cameras (`front` 16×16 RGB, `wrist` 8×8 grey) and a `state`, built through the API —
 * frames uploaded as a batch, round 0 trained on demonstrations, round 1's rollout uploaded and closed into
 * labelling. The labeller sees both cameras of the state, captioned with their keys, main camera first; each
 * image is the uploaded frame pixel for pixel (read back through a canvas); a label given with one key is stored.
 */
import { randomUUID } from "node:crypto";
import { expect, test, type Response } from "@playwright/test";
import { encode } from "fast-png";
import { signIn } from "./helpers";
import { LAB1, LeadApi, screenshot } from "./labeling-helpers";

const FRAME_BATCH_MIME = "application/vnd.corrective.frames";
const camera = (h: number, w: number, c: number) => ({ type: "box", dtype: "uint8", shape: [h, w, c], low: 0, high: 255 });
const SPACE = { type: "dict", spaces: { front: camera(16, 16, 3), wrist: camera(8, 8, 1), state: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] } } };
const STEPS = 6;

/** A camera image of step `t`: deterministic values, distinct per camera and step. */
function pixels(h: number, w: number, c: number, seed: number): Uint8Array {
  return new Uint8Array(h * w * c).map((_, i) => (i * 37 + seed * 53) & 255);
}

interface Frame {
  id: string;
  h: number;
  w: number;
  c: 1 | 3;
  data: Uint8Array;
}
function frame(h: number, w: number, c: 1 | 3, seed: number): Frame {
  return { id: randomUUID(), h, w, c, data: pixels(h, w, c, seed) };
}

function batchBody(frames: Frame[]): Buffer {
  return Buffer.concat(
    frames.map((f) => {
      const png = encode({ width: f.w, height: f.h, data: f.data, channels: f.c });
      const head = Buffer.alloc(20);
      Buffer.from(f.id.replace(/-/g, ""), "hex").copy(head);
      head.writeUInt32BE(png.length, 16);
      return Buffer.concat([head, Buffer.from(png)]);
    }),
  );
}

async function uploadEpisode(lead: LeadApi, projectId: string, seed: number) {
  const front = Array.from({ length: STEPS }, (_, t) => frame(16, 16, 3, seed + t));
  const wrist = Array.from({ length: STEPS }, (_, t) => frame(8, 8, 1, seed + 100 + t));
  const res = await lead.ctx.post(`/api/v1/projects/${projectId}/frames`, {
    headers: { authorization: `Bearer ${lead.token}`, "content-type": FRAME_BATCH_MIME },
    data: batchBody([...front, ...wrist]),
  });
  expect(res.status(), await res.text()).toBeLessThan(300);
  const observation = (t: number) => ({ front: front[t]!.id, wrist: wrist[t]!.id, state: [t / STEPS, 0] });
  return { front, wrist, observation };
}

test("a labeller sees every camera of a 2-camera state, pixel for pixel, and labels it", async ({ browser }, testInfo) => {
  test.setTimeout(300_000);
  const lead = await LeadApi.login(String(testInfo.project.use.baseURL));
  try {
    const project = await lead.ok("POST", "/api/v1/projects", {
      name: `E2E cameras ${Date.now()}`,
      external: { observationSpace: SPACE, actionSpace: { type: "discrete", n: 3 } },
      settings: { statesPerRound: STEPS, labelsPerState: 1, epochs: 2 },
    });
    const projectId = project.id as string;
    await lead.ok("POST", `/api/v1/projects/${projectId}/members`, { email: LAB1, role: "labeler" });

    // Round 0: behaviour cloning on one demonstrated episode (with its camera frames).
    await lead.ok("POST", `/api/v1/projects/${projectId}/rounds`, {});
    const demo = await uploadEpisode(lead, projectId, 1);
    await lead.ok("POST", `/api/v1/projects/${projectId}/demonstrations`, {
      source: "expert",
      episodes: [{ steps: Array.from({ length: STEPS }, (_, t) => ({ observation: demo.observation(t), action: t % 3 })) }],
    });
    await lead.ok("POST", `/api/v1/projects/${projectId}/rounds/0/close`, {});
    await lead.waitRound(projectId, 0, "published");

    // Round 1: the robot's rollout, closed into labelling.
    await lead.ok("POST", `/api/v1/projects/${projectId}/rounds`, {});
    const run = await uploadEpisode(lead, projectId, 7);
    await lead.ok("POST", `/api/v1/projects/${projectId}/rollouts`, {
      rollouts: [{ steps: Array.from({ length: STEPS }, (_, t) => ({ observation: run.observation(t), policyAction: 0 })) }],
    });
    await lead.ok("POST", `/api/v1/projects/${projectId}/rounds/1/close`, {});
    await lead.waitRound(projectId, 1, "labeling", 60_000);

    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await signIn(page, LAB1);
    await page.goto(`/projects/${projectId}/label`);
    const labeler = page.getByTestId("labeler");
    await expect(labeler).toBeVisible();
    const t = Number(await labeler.getAttribute("data-state-t"));
    const views = page.getByTestId("camera-views");
    await expect(views).toHaveAttribute("data-cameras", "2");
    // Camera-key order: `front` is the main camera, `wrist` beside it; each captioned with its key.
    await expect(views.locator("figure").first()).toHaveAttribute("data-camera", "front");
    await expect(views.locator("figcaption")).toHaveText(["front", "wrist"]);

    // Each camera's image has loaded and is the uploaded frame, every pixel of it.
    const read = (testId: string) =>
      page.getByTestId(testId).evaluate(async (el) => {
        const img = el as HTMLImageElement;
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext("2d")!;
        ctx.drawImage(img, 0, 0);
        const rendering = getComputedStyle(img).imageRendering;
        return { w: img.naturalWidth, h: img.naturalHeight, rendering, rgba: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data) };
      });
    const asRgba = (f: Frame) => Array.from({ length: f.w * f.h }, (_, p) => (f.c === 3 ? [f.data[p * 3]!, f.data[p * 3 + 1]!, f.data[p * 3 + 2]!, 255] : [f.data[p]!, f.data[p]!, f.data[p]!, 255])).flat();
    const main = await read("state-canvas");
    expect([main.w, main.h]).toEqual([16, 16]);
    expect(main.rendering).toBe("pixelated");
    expect(main.rgba).toEqual(asRgba(run.front[t]!));
    const wrist = await read("camera-wrist");
    expect([wrist.w, wrist.h]).toEqual([8, 8]);
    expect(wrist.rgba).toEqual(asRgba(run.wrist[t]!));
    await screenshot(page, "label-cameras");

    const task = String(await labeler.getAttribute("data-task-id"));
    const answered = page.waitForResponse((r: Response) => r.request().method() === "POST" && r.url().endsWith(`/tasks/${task}/labels`));
    await page.keyboard.press("2");
    const res = await answered;
    expect(res.status()).toBe(201);
    expect((await res.json()).data.action).toBe(1);
    await expect(labeler).not.toHaveAttribute("data-task-id", task);
    // The next state shows its own two cameras.
    await expect(page.getByTestId("camera-views")).toHaveAttribute("data-cameras", "2");
    await context.close();
  } finally {
    await lead.dispose();
  }
});
