/**
 * Labelling an image state (CarTrackPixels-v0) in Chromium against the real server: the labelling canvas shows
 * the very pixels the policy observed in that state — each of the 64×64 image's pixels is one flat block on the
 * canvas, and the block colours are compared with the image Node renders for the state the task names — and a
 * label given by keyboard is stored.
 */
import { expect, test, type Response } from "@playwright/test";
import { observationImages } from "../envs/index";
import { signIn } from "./helpers";
import { LAB1, LeadApi, createLabelingProject, currentTask, screenshot } from "./labeling-helpers";

const SETTINGS = { statesPerRound: 20, labelsPerState: 1, rolloutEpisodes: 1, evalEpisodes: 1, epochs: 5, selection: "uniform" };

test("a labeller sees the policy's 64×64 view of an image state and labels it by keyboard", async ({ browser }, testInfo) => {
  test.setTimeout(300_000);
  const lead = await LeadApi.login(String(testInfo.project.use.baseURL));
  try {
    const { projectId } = await createLabelingProject(lead, { name: "E2E pixels", envId: "CarTrackPixels-v0", settings: SETTINGS });
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await signIn(page, LAB1);
    const claims = new Map<string, number[]>();
    page.on("response", async (r) => {
      if (!r.url().endsWith("/tasks/next") || r.status() !== 200) return;
      const t = (await r.json().catch(() => null))?.data;
      if (t?.task?.id && t.state?.envState) claims.set(t.task.id, t.state.envState);
    });
    await page.goto(`/projects/${projectId}/label`);
    await expect(page.getByTestId("labeler")).toBeVisible();
    const task = await currentTask(page);
    await expect.poll(() => claims.has(task)).toBe(true);
    // Let the replay of the context before the state come to rest on the state itself.
    await expect(page.getByTestId("labeler")).toHaveAttribute("data-task-id", task);
    await page.waitForTimeout(4000);
    const expected = observationImages("CarTrackPixels-v0", claims.get(task)!).image!;
    const shown = await page.getByTestId("state-canvas").evaluate((el) => {
      const canvas = el as HTMLCanvasElement;
      const ctx = canvas.getContext("2d")!;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const scale = Math.min(canvas.width / 64, canvas.height / 64);
      const x0 = (canvas.width - scale * 64) / 2;
      const y0 = (canvas.height - scale * 64) / 2;
      const out: number[] = [];
      for (let r = 0; r < 64; r++) {
        for (let c = 0; c < 64; c++) {
          const o = (Math.floor(y0 + (r + 0.5) * scale) * canvas.width + Math.floor(x0 + (c + 0.5) * scale)) * 4;
          out.push(data[o]!, data[o + 1]!, data[o + 2]!);
        }
      }
      return out;
    });
    let same = 0;
    for (let i = 0; i < expected.length; i += 3) if (shown[i] === expected[i] && shown[i + 1] === expected[i + 1] && shown[i + 2] === expected[i + 2]) same++;
    // The overlay (the policy's steering arrow) and the legend cover a few blocks; everything else is the image.
    expect(same / (64 * 64)).toBeGreaterThan(0.85);
    await screenshot(page, "label-pixels");

    const answered = page.waitForResponse((r: Response) => r.request().method() === "POST" && r.url().endsWith(`/tasks/${task}/labels`));
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Enter");
    const res = await answered;
    expect(res.status()).toBe(201);
    const action = (await res.json()).data.action as number[];
    expect(action).toHaveLength(1);
    expect(action[0]).toBeLessThan(0);
    await expect(page.getByTestId("labeler")).not.toHaveAttribute("data-task-id", task);
    await context.close();
  } finally {
    await lead.dispose();
  }
});
