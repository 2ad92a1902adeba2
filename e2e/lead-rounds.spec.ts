/**
 * The lead's pages end to end in Chromium against the real server: a lead creates a CarTrack-v0 project on
 * the new-project page (live expert preview, inline field errors) and starts round 0 from the rounds
 * dashboard (with its confirmation step); rounds 1–3 run with two scripted labellers over the API (one
 * answers "can't tell" on every third state, so the review queue fills); the dashboard's learning curve rises
 * above behaviour cloning and shows every evaluated round and both reference lines with the API's numbers; the lead
 * resolves a review item by keyboard and the decision shows in the API. A labeller is refused both pages.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { signIn } from "./helpers";
import { LAB1, LAB2, LEAD, LeadApi, screenshot } from "./labeling-helpers";
import { labelAsExpert } from "./lead-helpers";

const ENV = "CarTrack-v0";

async function open(browser: Browser, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, email);
  return { context, page };
}

test.describe.serial("a lead runs CarTrack-v0 from the web UI", () => {
  let lead: LeadApi;
  let projectId: string;

  test.beforeAll(async ({}, testInfo) => {
    lead = await LeadApi.login(String(testInfo.project.use.baseURL), LEAD);
  });
  test.afterAll(async () => {
    await lead?.dispose();
  });

  test("creates the project on the new-project page and starts round 0 from the dashboard", async ({ browser }) => {
    test.setTimeout(120_000);
    const { context, page } = await open(browser, LEAD);
    await page.getByTestId("link-new-project").click();
    await expect(page).toHaveURL(/\/projects\/new$/);
    await page.getByTestId("field-envId").selectOption(ENV);
    // The preview runs the scripted expert live.
    const preview = page.getByTestId("env-preview");
    await expect(preview).toHaveAttribute("data-env", ENV);
    await expect.poll(async () => Number(await preview.getAttribute("data-steps")), { timeout: 10_000 }).toBeGreaterThan(20);
    await screenshot(page, "lead-new-project");

    // Inline field errors from the contract, before anything is sent.
    await page.getByTestId("field-epochs").fill("0");
    await page.getByTestId("create-project").click();
    await expect(page.getByTestId("error-name")).toBeVisible();
    await expect(page.getByTestId("error-epochs")).toBeVisible();
    await expect(page).toHaveURL(/\/projects\/new$/);

    const name = `E2E lead CarTrack ${Date.now()}`;
    await page.getByTestId("field-name").fill(name);
    for (const [field, value] of [
      // Sized like tests/server/cartrack-rounds.test.ts, where DAgger lifts one demonstration's clone clearly.
      ["epochs", "40"],
      ["batchSize", "128"],
      ["hiddenUnits", "64, 64"],
      ["learningRate", "0.003"],
      ["statesPerRound", "120"],
      ["labelsPerState", "1"],
      ["rolloutEpisodes", "4"],
      ["evalEpisodes", "8"],
    ] as const) {
      await page.getByTestId(`field-${field}`).fill(value);
    }
    await expect(page.getByTestId("error-epochs")).toHaveCount(0);
    await page.getByTestId("create-project").click();
    await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}\/rounds$/);
    projectId = /\/projects\/([0-9a-f-]{36})\/rounds/.exec(page.url())![1]!;
    await expect(page.getByTestId("rounds-empty")).toBeVisible();
    await expect(page.getByTestId("curve-empty")).toBeVisible();

    const project = await lead.ok("GET", `/api/v1/projects/${projectId}`);
    expect(project).toMatchObject({ name, envId: ENV, role: "lead" });
    expect(project.config.settings).toMatchObject({ epochs: 40, batchSize: 128, hiddenUnits: [64, 64], learningRate: 0.003, statesPerRound: 120, labelsPerState: 1, rolloutEpisodes: 4, evalEpisodes: 8 });

    // Round 0 from the dashboard: cancel once, then confirm.
    await page.getByTestId("action-start").click();
    await expect(page.getByTestId("confirm")).toContainText("Start round 0?");
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("confirm")).toHaveCount(0);
    await page.getByTestId("action-start").click();
    await page.getByTestId("confirm-yes").click();
    await expect(page.getByTestId("action-message")).toContainText("Started round 0");
    await expect(page.getByTestId("round-row-0")).toBeVisible();
    await lead.waitRound(projectId, 0, "published", 90_000);
    // The dashboard follows by itself (realtime), no reload.
    await expect(page.getByTestId("round-row-0")).toHaveAttribute("data-status", "published", { timeout: 15_000 });
    await expect(page.getByTestId("curve-point")).toHaveCount(1);
    await context.close();
  });

  test("rounds 1–3 run with two scripted labellers; the dashboard shows the learning curve with the API's numbers", async ({ browser }, testInfo) => {
    test.setTimeout(240_000);
    const base = String(testInfo.project.use.baseURL);
    for (const email of [LAB1, LAB2]) await lead.ok("POST", `/api/v1/projects/${projectId}/members`, { email, role: "labeler" });
    const labellers = [await LeadApi.login(base, LAB1), await LeadApi.login(base, LAB2)] as const;
    const { context, page } = await open(browser, LEAD);
    await page.goto(`/projects/${projectId}/rounds`);
    // Record every live training panel the dashboard renders while the rounds run (it shows only while training).
    await page.evaluate(() => {
      const w = window as unknown as { __training: { round: string; epoch: number; epochs: number; curve: number }[] };
      w.__training = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="training-live"]');
        if (el) w.__training.push({ round: el.getAttribute("aria-labelledby") ?? "", epoch: Number(el.getAttribute("data-epoch")), epochs: Number(el.getAttribute("data-epochs")), curve: Number(el.querySelector('[data-testid="live-loss-curve"]')?.getAttribute("data-points") ?? 0) });
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    for (const index of [1, 2, 3]) {
      await lead.ok("POST", `/api/v1/projects/${projectId}/rounds`, {});
      await lead.waitRound(projectId, index, "labeling", 60_000);
      const [a, b] = await Promise.all([
        labelAsExpert(labellers[0], projectId, ENV),
        // The second labeller is unsure of every third state: those go to the review queue, not the dataset.
        labelAsExpert(labellers[1], projectId, ENV, { cantTellEvery: 3, seed: index }),
      ]);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      const done = await lead.waitRound(projectId, index, "published", 90_000);
      expect(done.progress.labels).toBe(a + b);
    }
    await Promise.all(labellers.map((l) => l.dispose()));
    // The live panel showed training with a progress bar and a growing loss curve, and went away afterwards.
    const seen = await page.evaluate(() => (window as unknown as { __training: { epoch: number; epochs: number; curve: number }[] }).__training);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.epochs === 40 || s.epochs === 0)).toBe(true);
    expect(Math.max(...seen.map((s) => s.epoch))).toBeGreaterThan(0);
    expect(Math.max(...seen.map((s) => s.curve))).toBeGreaterThan(1);
    await expect(page.getByTestId("training-live")).toHaveCount(0);

    const dash = await lead.ok("GET", `/api/v1/projects/${projectId}/dashboard`);
    expect(dash.curve.points.map((p: { round: number }) => p.round)).toEqual([0, 1, 2, 3]);
    // The curve rises: DAgger's labels on the clone's own states lift it well above behaviour cloning.
    const scores = (dash.curve.points as { normalizedReturn: number }[]).map((p) => p.normalizedReturn);
    console.log(`CarTrack-v0 normalised return by round: ${scores.map((x) => x.toFixed(3)).join(" → ")}`);
    expect(scores.at(-1)!).toBeGreaterThan(scores[0]! + 0.2);
    expect(Math.max(...scores.slice(1))).toBeGreaterThan(0.8);
    await page.reload();
    const curve = page.getByTestId("learning-curve");
    await expect(curve).toBeVisible();
    await expect(curve.getByTestId("curve-point")).toHaveCount(4);
    for (const [i, pt] of (dash.curve.points as { round: number; normalizedReturn: number }[]).entries()) {
      const el = curve.getByTestId("curve-point").nth(i);
      await expect(el).toHaveAttribute("data-round", String(pt.round));
      expect(Number(await el.getAttribute("data-value"))).toBeCloseTo(pt.normalizedReturn, 9);
    }
    await expect(curve.getByTestId("curve-line")).toBeVisible();
    await expect(curve.getByTestId("ref-expert")).toHaveAttribute("data-value", String(dash.curve.expert));
    await expect(curve.getByTestId("ref-expert")).toContainText("expert");
    expect(Number(await curve.getByTestId("ref-bc").getAttribute("data-value"))).toBeCloseTo(dash.curve.bc, 9);
    await expect(curve.getByTestId("ref-bc")).toContainText("BC (round 0)");

    // The timeline's numbers are the API's.
    for (const r of dash.rounds as { index: number; status: string; labels: number; datasetVersion: number; datasetSize: number }[]) {
      const row = page.getByTestId(`round-row-${r.index}`);
      await expect(row).toHaveAttribute("data-status", r.status);
      await expect(row.getByTestId("cell-labels")).toHaveText(String(r.labels));
      await expect(row.getByTestId("cell-dataset")).toHaveText(`v${r.datasetVersion} · ${r.datasetSize} samples`);
    }
    expect(dash.rounds[1].labels).toBeGreaterThan(0);
    expect(dash.reviewPending).toBeGreaterThan(0);
    await expect(page.getByTestId("link-review")).toContainText(`(${dash.reviewPending})`);
    await expect(page.getByTestId("last-loss-curve")).toBeVisible();
    await screenshot(page, "lead-dashboard");
    await context.close();
  });

  test("the lead resolves a review item by keyboard; the decision shows in the API", async ({ browser }) => {
    const before = await lead.ok("GET", `/api/v1/projects/${projectId}/review?limit=100`);
    expect(before.total).toBeGreaterThan(0);
    const { context, page } = await open(browser, LEAD);
    await page.goto(`/projects/${projectId}`);
    await page.getByTestId("nav-review").click();
    const item = page.getByTestId("review-item");
    await expect(item).toBeVisible();
    await expect(page.getByTestId("review-remaining")).toHaveText(`${before.total} to review`);
    await expect(page.getByTestId("review-shortcuts")).toContainText("exclude");

    // j / k move through the queue.
    const first = await item.getAttribute("data-item-id");
    if (before.total > 1) {
      await page.keyboard.press("j");
      await expect(item).not.toHaveAttribute("data-item-id", first!);
      await page.keyboard.press("k");
      await expect(item).toHaveAttribute("data-item-id", first!);
    }
    // Pick the first label that has a value (a can't-tell label cannot be picked) with its digit, accept with A.
    const queued = (before.items as { id: string; stateId: string; labels: { cantTell: boolean; action: number[] | null }[] }[]).find((i) => i.id === first)!;
    let pick = queued.labels.findIndex((l) => !l.cantTell && l.action !== null);
    if (pick < 0) {
      // Every label said "can't tell": type the value instead.
      await page.getByTestId("review-value").fill("0.25");
      await page.keyboard.press("Escape");
      pick = -1;
    } else {
      await page.keyboard.press(String(pick + 1));
      await expect(page.getByTestId(`review-label-${pick}`)).toHaveClass(/selected/);
    }
    const expected = pick >= 0 ? queued.labels[pick]!.action! : [0.25];
    await expect(page.getByTestId("review-value")).not.toHaveValue("");
    await screenshot(page, "lead-review");
    await page.keyboard.press("a");
    const decided = page.getByTestId("review-decided");
    await expect(decided).toHaveAttribute("data-item-id", first!);
    await expect(decided).toHaveAttribute("data-status", "accepted");
    await expect(page.getByTestId("review-remaining")).toHaveText(`${before.total - 1} to review`);

    // Through the API: out of the queue, and audited with the accepted action.
    const after = await lead.ok("GET", `/api/v1/projects/${projectId}/review?limit=100`);
    expect(after.total).toBe(before.total - 1);
    expect(after.items.map((i: { id: string }) => i.id)).not.toContain(first);
    const audit = await lead.ok("GET", `/api/v1/projects/${projectId}/audit?action=review.accepted`);
    const entry = audit.entries.find((e: { data: { itemId?: string } }) => e.data.itemId === first);
    expect(entry).toBeTruthy();
    expect(entry.targetId).toBe(queued.stateId);
    const accepted = entry.data.action as number[];
    expect(accepted).toHaveLength(expected.length);
    accepted.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));

    // A second decision on the same state is refused (409).
    expect((await lead.call("POST", `/api/v1/projects/${projectId}/review/${first}`, { decision: "exclude" })).status).toBe(409);
    await context.close();
  });

  test("the lead exports the CarTrack dataset and re-imports it into a new project: identical counts and checksum", async ({ browser }, testInfo) => {
    const versions = (await lead.ok("GET", `/api/v1/projects/${projectId}/datasets`)) as { version: number; sampleCount: number; checksum: string; bySource: Record<string, number> }[];
    const last = versions.reduce((a, b) => (b.version > a.version ? b : a));
    expect(last.version).toBe(3);
    const { context, page } = await open(browser, LEAD);
    await page.goto(`/projects/${projectId}/datasets`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`export-jsonl-${last.version}`).click()]);
    const file = testInfo.outputPath(`cartrack-v${last.version}.jsonl`);
    await download.saveAs(file);

    const target = await lead.ok("POST", "/api/v1/projects", { name: `E2E CarTrack re-import ${Date.now()}`, envId: ENV, settings: { epochs: 1, evalEpisodes: 1, hiddenUnits: [8] } });
    await page.goto(`/projects/${target.id}/datasets`);
    await page.getByTestId("import-file").setInputFiles(file);
    await page.getByTestId("import-submit").click();
    await expect(page.getByTestId("import-ok")).toHaveAttribute("data-samples", String(last.sampleCount), { timeout: 30_000 });
    const [copy] = await lead.ok("GET", `/api/v1/projects/${target.id}/datasets`);
    expect({ sampleCount: copy.sampleCount, checksum: copy.checksum, bySource: copy.bySource }).toEqual({ sampleCount: last.sampleCount, checksum: last.checksum, bySource: last.bySource });
    await context.close();
  });

  test("a labeller is refused the dashboard and the review queue", async ({ browser }) => {
    const { context, page } = await open(browser, LAB1);
    await page.goto(`/projects/${projectId}`);
    await expect(page.getByTestId("my-role")).toHaveText("labeler");
    await expect(page.getByTestId("nav-rounds")).toHaveCount(0);
    await expect(page.getByTestId("nav-review")).toHaveCount(0);
    for (const path of ["rounds", "review"]) {
      await page.goto(`/projects/${projectId}/${path}`);
      await expect(page.getByTestId("forbidden")).toContainText("Lead role required");
      await expect(page.getByTestId("rounds-dashboard")).toHaveCount(0);
      await expect(page.getByTestId("review-queue")).toHaveCount(0);
    }
    await context.close();
  });
});
