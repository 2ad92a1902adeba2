/**
 * The labelling experience and real-time collaboration, end to end in Chromium against the real server:
 * keyboard-only labelling, labels that survive a dropped connection exactly once, two labellers live on one
 * project (presence, disjoint claims, progress within a second, comments), takeover of the in-browser
 * policy, the lead closing the round (training progress and "policy published" on every page), and
 * teleoperated demonstrations for round 0.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { signIn } from "./helpers";
import { LAB1, LAB2, LEAD, LeadApi, createLabelingProject, currentTask, labelWithKey, screenshot } from "./labeling-helpers";

const SETTINGS = { statesPerRound: 80, labelsPerState: 1, rolloutEpisodes: 2, evalEpisodes: 3, epochs: 10, selection: "uniform" };

async function labellerPage(browser: Browser, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, email);
  return { context, page };
}

test.describe.serial("labelling a CartPole round", () => {
  let lead: LeadApi;
  let projectId: string;
  let labelsSoFar = 0;

  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(300_000);
    lead = await LeadApi.login(String(testInfo.project.use.baseURL));
    ({ projectId } = await createLabelingProject(lead, { name: "E2E labelling", envId: "CartPole-v1", settings: SETTINGS }));
  });
  test.afterAll(async () => {
    await lead?.dispose();
  });

  const progress = async () => (await lead.round(projectId, 1)).progress as { labels: number; tasksDone: number; tasksTotal: number };

  test("empty states: no round labelling on a project without rounds, and the teleop page says a lead must start round 0", async ({ browser }) => {
    const { projectId: emptyId } = await createLabelingProject(lead, { name: "E2E empty", envId: "CartPole-v1", settings: SETTINGS, noRounds: true });
    const { context, page } = await labellerPage(browser, LAB1);
    await page.goto(`/projects/${emptyId}`);
    await page.getByTestId("nav-label").click();
    await expect(page.getByTestId("empty-no-round")).toContainText("No round has started yet");
    await screenshot(page, "label-empty");
    await page.getByRole("link", { name: "Demonstrate" }).click();
    await expect(page.getByTestId("demos-no-round")).toContainText("a lead must start round 0");
    await context.close();
  });

  test("a labeller completes 30 tasks by keyboard only", async ({ browser }) => {
    const { context, page } = await labellerPage(browser, LAB1);
    await page.goto(`/projects/${projectId}/label`);
    await expect(page.getByTestId("labeler")).toBeVisible();
    await expect(page.getByTestId("round-progress")).toHaveAttribute("data-total", "80");

    // The policy's proposal is hidden until P.
    await expect(page.getByTestId("policy-action")).toHaveCount(0);
    await page.keyboard.press("p");
    await expect(page.getByTestId("policy-action")).toBeVisible();
    // Temporal context: R plays the replay, comma steps back, End returns to the state.
    const scrub = page.getByTestId("replay-scrub");
    const last = Number(await scrub.getAttribute("max"));
    await page.keyboard.press(",");
    await expect(scrub).toHaveValue(String(Math.max(0, last - 1)));
    await page.keyboard.press("End");
    await expect(scrub).toHaveValue(String(last));
    await screenshot(page, "label-discrete");

    const seen = new Set<string>([await currentTask(page)]);
    for (let i = 0; i < 28; i++) seen.add(await labelWithKey(page, i % 3 === 0 ? "ArrowLeft" : i % 3 === 1 ? "2" : "1"));
    // "Can't tell" counts as a label; U brings the last one back, and a digit labels it again.
    const beforeUndo = await currentTask(page);
    const afterCantTell = await labelWithKey(page, "?");
    await page.keyboard.press("u");
    await expect(page.getByTestId("labeler")).toHaveAttribute("data-task-id", beforeUndo);
    expect(afterCantTell).not.toBe(beforeUndo);
    await labelWithKey(page, "1");
    await labelWithKey(page, "2");
    await expect(page.getByTestId("my-count")).toHaveText("30");
    await expect(page.getByTestId("offline-banner")).toHaveCount(0);
    await expect.poll(async () => (await progress()).labels, { timeout: 10_000 }).toBe(30);
    labelsSoFar = 30;
    await expect(page.getByTestId("round-progress")).toHaveAttribute("data-labels", "30");
    expect(Number(await page.getByTestId("my-streak").textContent())).toBeGreaterThanOrEqual(10);
    await context.close();
  });

  test("labels land exactly once when the network drops mid-way", async ({ browser }) => {
    const { context, page } = await labellerPage(browser, LAB1);
    await page.goto(`/projects/${projectId}/label`);
    await expect(page.getByTestId("labeler")).toBeVisible();

    // The server gets the first two labels but their answers are lost: the outbox sends them again.
    let dropped = 0;
    await page.route("**/api/v1/tasks/*/labels", async (route) => {
      if (route.request().method() === "POST" && dropped < 2) {
        dropped++;
        await route.fetch();
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    await labelWithKey(page, "1");
    await labelWithKey(page, "2");
    await expect(page.getByTestId("offline-banner")).toHaveCount(0, { timeout: 15_000 });
    await page.unroute("**/api/v1/tasks/*/labels");
    expect(dropped).toBe(2);

    // Offline: the prefetched states can still be labelled; the labels wait in localStorage.
    await context.setOffline(true);
    await expect(page.getByTestId("offline-banner")).toHaveAttribute("data-offline", "true");
    await labelWithKey(page, "1");
    await labelWithKey(page, "2");
    await expect(page.getByTestId("pending-count")).toHaveAttribute("data-count", "2");
    await screenshot(page, "label-offline");
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("corrective:label-outbox")).map((k) => JSON.parse(localStorage.getItem(k) ?? "[]").length));
    expect(stored).toEqual([2]);
    await context.setOffline(false);
    await expect(page.getByTestId("offline-banner")).toHaveCount(0, { timeout: 20_000 });
    await expect.poll(async () => (await progress()).labels, { timeout: 10_000 }).toBe(labelsSoFar + 4);
    labelsSoFar += 4;
    await expect(page.getByTestId("my-count")).toHaveText(String(labelsSoFar));
    await context.close();
  });

  test("two labellers see each other, never hold the same task, and see progress and comments live", async ({ browser }) => {
    const a = await labellerPage(browser, LAB1);
    const b = await labellerPage(browser, LAB2);
    await a.page.goto(`/projects/${projectId}/label`);
    await b.page.goto(`/projects/${projectId}/label`);
    await expect(a.page.getByTestId("labeler")).toBeVisible();
    await expect(b.page.getByTestId("labeler")).toBeVisible();
    await expect(a.page.getByTestId("presence-list")).toContainText("Lab Two — labelling");
    // Each page marks its own user "(you)": B is Lab Two and sees Lab One labelling.
    await expect(b.page.getByTestId("presence-list")).toContainText("Lab One — labelling");
    await expect(b.page.getByTestId("presence-list")).toContainText("Lab Two (you) — labelling");
    await expect(a.page.getByTestId("presence-list")).toContainText("Lab One (you) — labelling");

    const seenA = new Set([await currentTask(a.page)]);
    const seenB = new Set([await currentTask(b.page)]);
    // Both pages agree with the server before each label, so each check times exactly one label.
    const settled = async () => {
      const n = (await progress()).labels;
      for (const p of [a.page, b.page]) await expect(p.getByTestId("round-progress")).toHaveAttribute("data-labels", String(n));
      return n;
    };
    for (let i = 0; i < 4; i++) {
      let n = await settled();
      seenA.add(await labelWithKey(a.page, "1"));
      // B's progress bar follows A's label within a second, and the other way round.
      await expect(b.page.getByTestId("round-progress")).toHaveAttribute("data-labels", String(n + 1), { timeout: 1000 });
      n = await settled();
      seenB.add(await labelWithKey(b.page, "2"));
      await expect(a.page.getByTestId("round-progress")).toHaveAttribute("data-labels", String(n + 1), { timeout: 1000 });
    }
    expect([...seenA].filter((id) => seenB.has(id))).toEqual([]);
    await expect(a.page.getByTestId("claim-conflict")).toHaveCount(0);
    await expect(b.page.getByTestId("claim-conflict")).toHaveCount(0);
    labelsSoFar += 8;

    // A comment on A's state, mentioning Lab Two, appears live on B's page.
    await a.page.keyboard.press("c");
    await a.page.keyboard.type("@Lab");
    await a.page.getByRole("option", { name: "@Lab Two" }).click();
    await a.page.keyboard.type("is the pole already lost here?");
    await a.page.keyboard.press("Control+Enter");
    await expect(a.page.getByTestId("comments").getByTestId("comment").first()).toContainText("is the pole already lost here?");
    await expect(b.page.getByTestId("recent-comments")).toContainText("is the pole already lost here?", { timeout: 5000 });
    await expect(b.page.getByTestId("toast-mention")).toContainText("Lab One mentioned you");
    await screenshot(b.page, "label-collaboration");
    await a.context.close();
    await b.context.close();
    await expect.poll(async () => (await progress()).labels, { timeout: 10_000 }).toBe(labelsSoFar);
  });

  test("takeover: the in-browser policy drives, the labeller takes over with Space, the segment is saved", async ({ browser }) => {
    const rolloutsBefore = (await lead.round(projectId, 1)).progress.rollouts as number;
    const { context, page } = await labellerPage(browser, LAB2);
    await page.goto(`/projects/${projectId}/takeover`);
    await expect(page.getByTestId("policy-version")).toHaveAttribute("data-version", "1");
    await page.keyboard.press("Enter");
    await expect.poll(async () => Number(await page.getByTestId("takeover-status").getAttribute("data-steps"))).toBeGreaterThan(5);
    await expect(page.getByTestId("control-badge")).toHaveAttribute("data-control", "policy");
    await page.keyboard.down("Space");
    await page.keyboard.down("ArrowRight");
    await expect(page.getByTestId("control-badge")).toHaveAttribute("data-control", "human");
    await expect.poll(async () => Number(await page.getByTestId("takeover-status").getAttribute("data-human-steps"))).toBeGreaterThanOrEqual(5);
    await page.keyboard.up("ArrowRight");
    await page.keyboard.up("Space");
    await expect(page.getByTestId("control-badge")).toHaveAttribute("data-control", "policy");
    await screenshot(page, "takeover");
    // Pausing (or the episode ending) sends the segment.
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("takeover-saved")).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId("segments-pending")).toHaveAttribute("data-count", "0");
    expect((await lead.round(projectId, 1)).progress.rollouts).toBeGreaterThanOrEqual(rolloutsBefore + 1);
    await context.close();
  });

  test("the lead closes the round: both labellers see training progress and the new policy", async ({ browser }) => {
    const a = await labellerPage(browser, LAB1);
    const b = await labellerPage(browser, LAB2);
    await a.page.goto(`/projects/${projectId}/label`);
    await b.page.goto(`/projects/${projectId}/label?mode=ride`);
    await expect(a.page.getByTestId("labeler")).toBeVisible();
    await expect(b.page.getByTestId("ride-along")).toBeVisible();
    await expect(a.page.getByTestId("presence-list")).toContainText("Lab Two — riding along");

    // A mark on each page's window: still there at the end means nothing reloaded the page.
    for (const p of [a.page, b.page]) await p.evaluate(() => ((window as { __sameDocument?: boolean }).__sameDocument = true));
    await lead.ok("POST", `/api/v1/projects/${projectId}/rounds/1/close`);
    for (const p of [a.page, b.page]) {
      await expect(p.getByTestId("empty-no-round")).toBeVisible({ timeout: 15_000 });
      await expect(p.getByTestId("training-progress")).toContainText("epoch", { timeout: 120_000 });
      await expect(p.getByTestId("policy-notice")).toContainText("Policy v2 published", { timeout: 180_000 });
    }
    // Both replay the new policy's rollouts (its evaluation episodes, run in the browser) in place.
    for (const p of [a.page, b.page]) {
      await p.getByTestId("policy-replay-open").click();
      const replay = p.getByTestId("policy-replay");
      await expect(replay).toHaveAttribute("data-version", "2", { timeout: 30_000 });
      expect(Number(await replay.getAttribute("data-length"))).toBeGreaterThan(1);
      await expect.poll(async () => Number(await replay.getAttribute("data-t"))).toBeGreaterThan(3);
      const firstSeed = await replay.getAttribute("data-seed");
      await p.getByTestId("policy-replay-next").click();
      await expect(replay).not.toHaveAttribute("data-seed", firstSeed ?? "");
      expect(await p.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    }
    await screenshot(a.page, "label-policy-published");
    await a.context.close();
    await b.context.close();
  });
});

test("teleoperated demonstrations join round 0 once a lead starts it", async ({ browser }, testInfo) => {
  const lead = await LeadApi.login(String(testInfo.project.use.baseURL), LEAD);
  const { projectId } = await createLabelingProject(lead, { name: "E2E teleop", envId: "CartPole-v1", settings: SETTINGS, noRounds: true });
  const { context, page } = await labellerPage(browser, LAB1);
  await page.goto(`/projects/${projectId}/demos`);
  await expect(page.getByTestId("demos-no-round")).toBeVisible();
  await lead.ok("POST", `/api/v1/projects/${projectId}/rounds`, {});
  await expect(page.getByTestId("demos-open")).toBeVisible({ timeout: 10_000 });

  // Episode 1: push left until the pole falls, keep it. Episode 2: end it early with E, discard it.
  await page.keyboard.press("Space");
  await page.keyboard.down("ArrowLeft");
  await expect(page.getByTestId("teleop-ended")).toContainText("terminated", { timeout: 30_000 });
  await page.keyboard.up("ArrowLeft");
  await page.keyboard.press("k");
  await page.keyboard.press("Space");
  await expect(page.getByTestId("teleop-status")).toContainText(/step [1-9]/);
  await page.keyboard.press("e");
  await expect(page.getByTestId("teleop-ended")).toBeVisible();
  await page.keyboard.press("x");
  await expect(page.getByTestId("kept-episodes").locator("tbody tr")).toHaveCount(1);
  await screenshot(page, "demos");
  await page.getByTestId("teleop-submit").click();
  await expect(page.getByTestId("demos-submitted")).toBeVisible();
  await expect.poll(async () => (await lead.round(projectId, 0)).progress.rollouts).toBe(1);
  await expect(page.getByTestId("demos-open")).toContainText("1 episode(s)");
  await context.close();
  await lead.dispose();
});
