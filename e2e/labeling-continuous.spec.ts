/**
 * Labelling a continuous-action project (Pendulum-v1: one torque in [-2, 2]) in Chromium against the real
 * server: single states labelled with the slider (keyboard nudges, the focused slider's own keys, a mouse
 * drag), and a ride-along replay in which the held action becomes the label of each selected state it
 * passes — with the browser offline for part of the ride. Every label must land exactly once and carry
 * the value the page showed; that is checked through the API, down to the dataset the round produces.
 */
import { expect, test, type Browser, type BrowserContext, type Page, type Response } from "@playwright/test";
import { signIn } from "./helpers";
import { LAB1, LeadApi, createLabelingProject, currentTask, screenshot } from "./labeling-helpers";

// 2 rollouts of 200 steps, 60 of their states selected: about 30 per rollout, so one ride-along takes the
// tasks of one rollout and the round never runs out of tasks (it would auto-advance) during the test.
const SETTINGS = { statesPerRound: 60, labelsPerState: 1, rolloutEpisodes: 2, evalEpisodes: 2, epochs: 10, selection: "uniform" };
const LOW = -2;
const HIGH = 2;

interface SentLabel {
  id: string;
  taskId: string;
  action: number[] | null;
}

async function labellerPage(browser: Browser, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, email);
  return { context, page };
}

/** Every label body the page posts (resends included), in order. */
function recordLabelPosts(page: Page): SentLabel[] {
  const sent: SentLabel[] = [];
  page.on("request", (req) => {
    const m = /\/api\/v1\/tasks\/([^/]+)\/labels$/.exec(new URL(req.url()).pathname);
    if (!m || req.method() !== "POST") return;
    const body = req.postDataJSON() as { id: string; action?: number[] };
    sent.push({ id: body.id, taskId: decodeURIComponent(m[1]!), action: body.action ?? null });
  });
  return sent;
}

/** The value the page shows for the torque (2 decimals). */
async function shownTorque(page: Page): Promise<number> {
  return Number(await page.getByTestId("value-0").textContent());
}

/** Submits with `submit()` and returns the stored label the server answered with (201). */
async function submitAndRead(page: Page, taskId: string, submit: () => Promise<void>): Promise<{ action: number[]; status: number }> {
  const answered = page.waitForResponse((r: Response) => r.request().method() === "POST" && r.url().endsWith(`/tasks/${taskId}/labels`));
  await submit();
  const res = await answered;
  await expect(page.getByTestId("labeler")).not.toHaveAttribute("data-task-id", taskId);
  return { action: (await res.json()).data.action, status: res.status() };
}

test.describe.serial("labelling a continuous-action (Pendulum) round", () => {
  let lead: LeadApi;
  let projectId: string;
  /** task id → state id, from the claims the pages received. */
  const stateOf = new Map<string, string>();
  /** state id → the torque the labeller set, for the dataset check at the end. */
  const expected = new Map<string, number>();

  const progress = async () => (await lead.round(projectId, 1)).progress as { labels: number; tasksDone: number; tasksTotal: number };

  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(300_000);
    lead = await LeadApi.login(String(testInfo.project.use.baseURL));
    ({ projectId } = await createLabelingProject(lead, { name: "E2E continuous", envId: "Pendulum-v1", settings: SETTINGS }));
  });
  test.afterAll(async () => {
    await lead?.dispose();
  });

  test("single states with the slider: keyboard nudges, the slider's own keys and a drag; the stored value is the one shown", async ({ browser }) => {
    const { context, page } = await labellerPage(browser, LAB1);
    page.on("response", async (r) => {
      if (!r.url().endsWith("/tasks/next") || r.status() !== 200) return;
      const t = (await r.json().catch(() => null))?.data;
      if (t?.task?.id) stateOf.set(t.task.id, t.state.id);
    });
    await page.goto(`/projects/${projectId}/label`);
    await expect(page.getByTestId("labeler")).toBeVisible();
    const slider = page.getByTestId("slider-0");
    await expect(slider).toHaveAttribute("min", String(LOW));
    await expect(slider).toHaveAttribute("max", String(HIGH));
    await expect(page.getByTestId("value-0")).toHaveText("0.00");

    // 1. Page-wide keys: → nudges 5% of the range (0.2), Shift+← 1% (0.04). Enter submits.
    let task = await currentTask(page);
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Shift+ArrowLeft");
    await expect(page.getByTestId("value-0")).toHaveText("0.56");
    await expect(slider).toHaveValue("0.56");
    await screenshot(page, "label-continuous");
    let stored = await submitAndRead(page, task, () => page.keyboard.press("Enter"));
    expect(stored.status).toBe(201);
    expect(stored.action[0]).toBeCloseTo(0.56, 9);
    expect(stateOf.has(task)).toBe(true);
    expected.set(stateOf.get(task)!, 0.56);

    // 2. The focused slider's own keys: End → the maximum, then ← steps of 1/200 of the range (0.02).
    task = await currentTask(page);
    await expect(page.getByTestId("value-0")).toHaveText("0.00");
    await slider.focus();
    await page.keyboard.press("End");
    await expect(page.getByTestId("value-0")).toHaveText("2.00");
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowLeft");
    await expect(page.getByTestId("value-0")).toHaveText("1.90");
    stored = await submitAndRead(page, task, () => page.keyboard.press("Enter"));
    expect(stored.action[0]).toBeCloseTo(1.9, 9);
    expected.set(stateOf.get(task)!, 1.9);

    // 3. A mouse drag along the slider, submitted with the button: whatever the slider shows is stored.
    task = await currentTask(page);
    const box = (await slider.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const dragged = await shownTorque(page);
    expect(dragged).toBeLessThan(-0.5);
    expect(dragged).toBeGreaterThan(-1.9);
    expect(Number(await slider.inputValue())).toBeCloseTo(dragged, 9);
    stored = await submitAndRead(page, task, () => page.getByTestId("submit-label").click());
    expect(stored.action[0]).toBeCloseTo(dragged, 9);
    expected.set(stateOf.get(task)!, dragged);

    await expect(page.getByTestId("my-count")).toHaveText("3");
    await expect.poll(async () => (await progress()).labels, { timeout: 10_000 }).toBe(3);
    await context.close();
  });

  test("ride-along: the held torque labels every selected state of the replay, offline for a while, each label exactly once", async ({ browser }) => {
    test.setTimeout(120_000);
    const { context, page } = await labellerPage(browser, LAB1);
    const sent = recordLabelPosts(page);
    const rides: { rolloutId: string; tasks: { taskId: string; stateId: string; t: number }[] }[] = [];
    page.on("response", async (r) => {
      if (!r.url().endsWith("/tasks/ride") || r.status() !== 200) return;
      const data = (await r.json().catch(() => null))?.data;
      if (data?.rolloutId) rides.push(data);
    });
    const labelsBefore = (await progress()).labels;

    await page.goto(`/projects/${projectId}/label?mode=ride`);
    const ride = page.getByTestId("ride-along");
    await expect(ride).toHaveAttribute("data-phase", "riding");
    // Pause at once: no state has been reached with a torque we did not choose (except perhaps t=0 at 0).
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("ride-toggle")).toContainText("Ride");
    expect(rides).toHaveLength(1);
    const tasks = rides[0]!.tasks;
    expect(tasks.length).toBeGreaterThanOrEqual(10);
    await expect(ride).toHaveAttribute("data-tasks", String(tasks.length));
    // One rollout only (no automatic next ride), slowed to 0.5×, labels taken at the frame itself.
    await page.getByLabel("Next rollout automatically").uncheck();
    await page.getByTestId("ride-speed").selectOption("0.5");
    await page.getByLabel("Reaction-time compensation").selectOption("0");

    // Full torque to the right with the ride's slider (End), then ride.
    await page.getByTestId("ride-slider-0").focus();
    await page.keyboard.press("End");
    await expect(page.getByTestId("ride-held")).toHaveText("2.00");
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const before = Number(await ride.getAttribute("data-labelled"));
    await page.keyboard.press("Space");
    await expect.poll(async () => Number(await ride.getAttribute("data-labelled")), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 3);
    await screenshot(page, "label-ride-along");

    // Offline: steer hard left by holding ←; the replay goes on, its labels wait in the outbox.
    await context.setOffline(true);
    await expect(page.getByTestId("offline-banner")).toHaveAttribute("data-offline", "true");
    const atOffline = Number(await ride.getAttribute("data-labelled"));
    await page.keyboard.down("ArrowLeft");
    await expect(page.getByTestId("ride-held")).toHaveText("-2.00", { timeout: 5000 });
    await expect.poll(async () => Number(await ride.getAttribute("data-labelled")), { timeout: 20_000 }).toBeGreaterThanOrEqual(atOffline + 3);
    await page.keyboard.up("ArrowLeft");
    await expect.poll(async () => Number(await page.getByTestId("pending-count").getAttribute("data-count"))).toBeGreaterThanOrEqual(3);
    const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("corrective:label-outbox")).map((k) => JSON.parse(localStorage.getItem(k) ?? "[]").length));
    expect(queued[0]).toBeGreaterThanOrEqual(3);
    await context.setOffline(false);

    // The ride reaches its last selected state; every one got a label, and all of them reach the server.
    await expect(ride).toHaveAttribute("data-phase", "finished", { timeout: 60_000 });
    await expect(ride).toHaveAttribute("data-labelled", String(tasks.length));
    await expect(page.getByTestId("offline-banner")).toHaveCount(0, { timeout: 20_000 });
    await expect.poll(async () => (await progress()).labels, { timeout: 10_000 }).toBe(labelsBefore + tasks.length);
    expect(rides).toHaveLength(1);

    // What the page sent: one label id per task of the ride (resends reuse it), carrying the held torque.
    const byTask = new Map<string, SentLabel>();
    for (const s of sent) {
      const prev = byTask.get(s.taskId);
      if (prev) expect(prev).toEqual(s);
      else byTask.set(s.taskId, s);
    }
    expect(new Set(byTask.keys())).toEqual(new Set(tasks.map((t) => t.taskId)));
    expect(sent.length).toBeGreaterThan(byTask.size); // the offline ones were tried more than once
    const values = tasks.map((t) => byTask.get(t.taskId)!.action![0]!);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(LOW);
      expect(v).toBeLessThanOrEqual(HIGH);
    }
    // In replay order: (maybe 0 at t=0), full right while → was set, then ramping down while ← was held,
    // then full left — never going back up.
    const firstFull = values.indexOf(HIGH);
    expect(firstFull).toBeGreaterThanOrEqual(0);
    expect(firstFull).toBeLessThanOrEqual(1);
    for (let i = firstFull + 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    expect(values.filter((v) => v === HIGH).length).toBeGreaterThanOrEqual(3);
    expect(values.filter((v) => v === LOW).length).toBeGreaterThanOrEqual(3);
    for (const t of tasks) expected.set(t.stateId, byTask.get(t.taskId)!.action![0]!);
    await context.close();
  });

  test("closing the round puts every label into the dataset once, with the value the labeller set", async () => {
    test.setTimeout(180_000);
    const labels = (await progress()).labels;
    expect(labels).toBe(expected.size);
    await lead.ok("POST", `/api/v1/projects/${projectId}/rounds/1/close`);
    await expect
      .poll(async () => (await lead.round(projectId, 1)).status, { timeout: 120_000 })
      .toMatch(/^(training|evaluating|published)$/);
    const versions = (await lead.ok("GET", `/api/v1/projects/${projectId}/datasets`)) as { version: number }[];
    const latest = Math.max(...versions.map((v) => v.version));
    const res = await lead.ctx.get(`/api/v1/projects/${projectId}/datasets/${latest}/export`, { headers: { authorization: `Bearer ${lead.token}` } });
    expect(res.status()).toBe(200);
    const rows = (await res.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { state_id: string | null; action: number[]; source: string; version: number });
    const fromRound = rows.filter((r) => r.version === latest);
    expect(fromRound).toHaveLength(expected.size);
    const seen = new Map<string, number>();
    for (const r of fromRound) {
      expect(r.state_id).not.toBeNull();
      expect(seen.has(r.state_id!)).toBe(false);
      seen.set(r.state_id!, r.action[0]!);
    }
    for (const [stateId, value] of expected) expect(seen.get(stateId), stateId).toBeCloseTo(value, 9);
  });
});
