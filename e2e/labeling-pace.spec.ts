/**
 * A fast keyboard labeller never waits for the network (issue 19): the page measures the labeller's pace and
 * refills its queue of claimed states in batches before it runs dry, and sends labels in batches when they
 * pile up. Observable: after a short warm-up the "Loading the next state…" view never appears again and every
 * next state was already in the browser; all labels are stored exactly once.
 */
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";
import { LAB1, LeadApi, createLabelingProject } from "./labeling-helpers";

const LABELS = 120;
/** The pace is not known for the first labels (it starts from a person's): they may still wait. */
const WARM_UP = 30;
const SETTINGS = { statesPerRound: LABELS + 30, labelsPerState: 1, rolloutEpisodes: 3, evalEpisodes: 3, epochs: 10, selection: "uniform" };

test.describe.serial("a flat-out keyboard labeller", () => {
  let lead: LeadApi;
  let projectId: string;

  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(300_000);
    lead = await LeadApi.login(String(testInfo.project.use.baseURL));
    ({ projectId } = await createLabelingProject(lead, { name: "E2E pace", envId: "CartPole-v1", settings: SETTINGS }));
  });
  test.afterAll(async () => {
    await lead?.dispose();
  });

  test("is never shown the loading state after warm-up, and every label lands once", async ({ browser }) => {
    test.setTimeout(180_000);
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page: Page = await context.newPage();
    await signIn(page, LAB1);
    // Whenever the loading view is put on the page, note how many labels had been given by then.
    await page.addInitScript(() => {
      const w = window as unknown as { __loadingAfter: number[]; __correctiveLabelTimings?: unknown[] };
      w.__loadingAfter = [];
      new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes)
            if (n instanceof Element && (n.matches('[data-testid="loading"]') || n.querySelector('[data-testid="loading"]'))) w.__loadingAfter.push(w.__correctiveLabelTimings?.length ?? 0);
      }).observe(document, { childList: true, subtree: true });
    });
    const requests = { next: 0, claim: 0, single: 0, batch: 0 };
    page.on("request", (r) => {
      if (r.method() !== "POST") return;
      const u = new URL(r.url()).pathname;
      if (u.endsWith("/tasks/next")) requests.next++;
      else if (u.endsWith("/tasks/claim")) requests.claim++;
      else if (/\/api\/v1\/tasks\/[^/]+\/labels$/.test(u)) requests.single++;
      else if (u === "/api/v1/labels") requests.batch++;
    });
    await page.goto(`/projects/${projectId}/label`);
    await expect(page.getByTestId("labeler")).toBeVisible();

    const seen = new Set<string>();
    for (let i = 0; i < LABELS; i++) {
      const before = await page.getByTestId("labeler").getAttribute("data-task-id", { timeout: 30_000 });
      expect(before).toBeTruthy();
      seen.add(before!);
      await page.keyboard.press(i % 2 === 0 ? "1" : "2");
      if (i === LABELS - 1) break;
      // The next key as soon as the next state is on screen.
      await page.waitForFunction((prev) => {
        const id = document.querySelector('[data-testid="labeler"]')?.getAttribute("data-task-id");
        return Boolean(id) && id !== prev;
      }, before, { polling: "raf", timeout: 30_000 });
    }
    expect(seen.size).toBe(LABELS);

    const loadingAfter = await page.evaluate(() => (window as unknown as { __loadingAfter: number[] }).__loadingAfter);
    expect(loadingAfter.filter((n) => n > WARM_UP)).toEqual([]);
    const timings = await page.evaluate(() => (window as unknown as { __correctiveLabelTimings: { prefetched: boolean }[] }).__correctiveLabelTimings);
    expect(timings.length).toBeGreaterThanOrEqual(LABELS - 1);
    expect(timings.slice(WARM_UP).filter((t) => !t.prefetched)).toEqual([]);
    // The queue was refilled in batches, not one claim per label.
    expect(requests.claim).toBeGreaterThan(0);
    expect(requests.next + requests.claim).toBeLessThan(LABELS / 4);

    // Every label stored exactly once, whichever way it was sent.
    await expect(page.getByTestId("offline-banner")).toHaveCount(0, { timeout: 30_000 });
    await expect.poll(async () => (await lead.round(projectId, 1)).progress.labels, { timeout: 15_000 }).toBe(LABELS);
    await expect(page.getByTestId("my-count")).toHaveText(String(LABELS));
    expect(requests.single + requests.batch).toBeGreaterThan(0);
    await context.close();
  });
});
