/**
 * The lead's data pages in Chromium against the real server: a CartPole-v1 project runs round 0 and one
 * DAgger round through the API (labelled by the scripted expert as labeller 1, plus a few wrong answers from
 * labeller 2), then the lead browses dataset versions and histograms, diffs two versions, exports JSONL
 * (a real download) and imports it into a new project in the UI — identical counts and checksum through the
 * API — sees a broken file refused with its first bad line and nothing imported, rolls back a policy after
 * confirming, compares two policies side by side in the browser, reads the quality table, lowers the
 * warning's minimum so the sloppy labeller is flagged, edits the threshold, filters the audit log, manages members and tokens. A labeller is refused on every lead page.
 */
import fs from "node:fs";
import * as ort from "onnxruntime-node";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { createExpert } from "../envs/index";
import { signIn } from "./helpers";
import { LAB1, LAB2, LEAD, LeadApi, createLabelingProject, screenshot } from "./labeling-helpers";

const SETTINGS = { statesPerRound: 24, labelsPerState: 1, rolloutEpisodes: 1, evalEpisodes: 2, epochs: 6, hiddenUnits: [16], goldRate: 0.25, selection: "uniform" };
/** Projects that receive an import train once, quickly: only their dataset is under test. */
const IMPORT_SETTINGS = { epochs: 1, evalEpisodes: 1, hiddenUnits: [8] };
const LEAD_PAGE_PATHS = ["datasets", "policies", "quality", "audit", "members"] as const;

/** Labels every task of the open round: labeller 1 answers like the expert, labeller 2 pushes the cart the wrong way. */
async function labelRound(base: string, projectId: string): Promise<void> {
  const expert = createExpert("CartPole-v1");
  const careful = await LeadApi.login(base, LAB1);
  const sloppy = await LeadApi.login(base, LAB2);
  try {
    for (let n = 0; ; n++) {
      const who = n % 2 === 1 ? sloppy : careful;
      const next = await who.call("POST", `/api/v1/projects/${projectId}/tasks/next`, {});
      if (next.status === 204) {
        if (who === sloppy) continue;
        return;
      }
      expect(next.status, JSON.stringify(next.data)).toBe(200);
      const { task, state } = next.data as { task: { id: string }; state: { envState: number[] } };
      const right = Number(expert.act(state.envState));
      const res = await who.call("POST", `/api/v1/tasks/${task.id}/labels`, { id: crypto.randomUUID(), action: who === sloppy ? 1 - right : right, durationMs: 700 });
      expect([201, 409]).toContain(res.status);
    }
  } finally {
    await careful.dispose();
    await sloppy.dispose();
  }
}

async function leadPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, LEAD);
  return page;
}

test.describe.serial("the lead's data pages", () => {
  let lead: LeadApi;
  let base: string;
  let projectId: string;

  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(420_000);
    base = String(testInfo.project.use.baseURL);
    lead = await LeadApi.login(base);
    ({ projectId } = await createLabelingProject(lead, { name: "E2E lead data", envId: "CartPole-v1", settings: SETTINGS }));
    await labelRound(base, projectId);
    await lead.waitRound(projectId, 1, "published");
  });
  test.afterAll(async () => {
    await lead?.dispose();
  });

  test("datasets: versions, histograms, samples, diff; export, import into a new project, a broken file refused", async ({ browser }, testInfo) => {
    test.setTimeout(180_000);
    const versions = await lead.ok("GET", `/api/v1/projects/${projectId}/datasets`);
    expect(versions.map((v: { version: number }) => v.version)).toEqual([0, 1]);
    const [v0, v1] = versions;

    const page = await leadPage(browser);
    await page.goto(`/projects/${projectId}`);
    await page.getByTestId("nav-datasets").click();
    await expect(page).toHaveURL(new RegExp(`/projects/${projectId}/datasets$`));
    const rows = page.getByTestId("dataset-version-row");
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(1)).toHaveAttribute("data-samples", String(v1.sampleCount));
    // The newest version is selected: its sources per round, the action histogram (CartPole: two bars).
    await expect(page.getByTestId("dataset-detail")).toHaveAttribute("data-version", "1");
    await expect(page.getByTestId("dataset-checksum")).toHaveText(v1.checksum);
    await expect(page.getByTestId("dataset-by-version").locator("tbody tr")).toHaveCount(2);
    const bars = page.getByTestId("dataset-histogram").locator("rect[data-count]");
    await expect(bars).toHaveCount(2);
    const barCounts = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-count"))));
    expect(barCounts.reduce((a, b) => a + b, 0)).toBe(v1.sampleCount);
    // Samples, page by page (keyboard: ]).
    await expect(page.getByTestId("sample-row")).toHaveCount(20);
    await expect(page.getByTestId("samples-range")).toHaveText(`1–20 of ${v1.sampleCount}`);
    await page.keyboard.press("]");
    await expect(page.getByTestId("samples-range")).toHaveText(`21–40 of ${v1.sampleCount}`);
    const [src, srcCount] = Object.entries(v1.bySource as Record<string, number>).sort(([, a], [, b]) => a - b)[0]!;
    await page.getByTestId("samples-source").selectOption(src);
    await expect(page.getByTestId("samples-range")).toHaveText(`1–${Math.min(20, srcCount)} of ${srcCount}`);

    // Diff v0 → v1.
    await page.getByTestId("diff-from").selectOption("0");
    await page.getByTestId("diff-to").selectOption("1");
    await page.getByTestId("diff-run").click();
    const diff = page.getByTestId("dataset-diff");
    await expect(diff).toHaveAttribute("data-added", String(v1.sampleCount - v0.sampleCount));
    await expect(page.getByTestId("diff-histogram-to").locator("rect[data-count]")).toHaveCount(2);
    await screenshot(page, "lead-datasets");

    // Export v1 as JSONL: a real download through the export route.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-jsonl-1").click()]);
    expect(download.suggestedFilename()).toBe("dataset-v1.jsonl");
    const file = testInfo.outputPath("dataset-v1.jsonl");
    await download.saveAs(file);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(v1.sampleCount);

    // Import it in the UI into a fresh project: same counts and checksum.
    const target = await lead.ok("POST", "/api/v1/projects", { name: `E2E import ${Date.now()}`, envId: "CartPole-v1", settings: IMPORT_SETTINGS });
    await page.goto(`/projects/${target.id}/datasets`);
    await expect(page.getByTestId("datasets-empty")).toBeVisible();
    await page.getByTestId("import-file").setInputFiles(file);
    await expect(page.getByTestId("import-format")).toHaveValue("jsonl");
    await page.getByTestId("import-submit").click();
    await expect(page.getByTestId("import-ok")).toHaveAttribute("data-samples", String(v1.sampleCount));
    await expect(page.getByTestId("dataset-version-row")).toHaveCount(1);
    const [copy] = await lead.ok("GET", `/api/v1/projects/${target.id}/datasets`);
    expect({ sampleCount: copy.sampleCount, checksum: copy.checksum, bySource: copy.bySource }).toEqual({ sampleCount: v1.sampleCount, checksum: v1.checksum, bySource: v1.bySource });

    // Export v1 as a LeRobot .tar and import it in the UI: same counts and checksum again.
    const [tarDownload] = await Promise.all([page.waitForEvent("download"), (async () => {
      await page.goto(`/projects/${projectId}/datasets`);
      await page.getByTestId("export-lerobot-1").click();
    })()]);
    expect(tarDownload.suggestedFilename()).toBe("dataset-v1.lerobot.tar");
    const tarFile = testInfo.outputPath("dataset-v1.lerobot.tar");
    await tarDownload.saveAs(tarFile);
    const tarTarget = await lead.ok("POST", "/api/v1/projects", { name: `E2E LeRobot import ${Date.now()}`, envId: "CartPole-v1", settings: IMPORT_SETTINGS });
    await page.goto(`/projects/${tarTarget.id}/datasets`);
    await page.getByTestId("import-file").setInputFiles(tarFile);
    await expect(page.getByTestId("import-format")).toHaveValue("lerobot");
    await page.getByTestId("import-submit").click();
    await expect(page.getByTestId("import-ok")).toHaveAttribute("data-samples", String(v1.sampleCount));
    const [tarCopy] = await lead.ok("GET", `/api/v1/projects/${tarTarget.id}/datasets`);
    expect({ sampleCount: tarCopy.sampleCount, checksum: tarCopy.checksum }).toEqual({ sampleCount: v1.sampleCount, checksum: v1.checksum });

    // A broken file: line 5 has an action CartPole does not have. Refused with that line; nothing imported.
    const broken = await lead.ok("POST", "/api/v1/projects", { name: `E2E broken import ${Date.now()}`, envId: "CartPole-v1", settings: IMPORT_SETTINGS });
    const bad = [...lines];
    bad[4] = JSON.stringify({ ...JSON.parse(bad[4]!), action: 7 });
    const badFile = testInfo.outputPath("broken.jsonl");
    fs.writeFileSync(badFile, `${bad.join("\n")}\n`);
    await page.goto(`/projects/${broken.id}/datasets`);
    await page.getByTestId("import-file").setInputFiles(badFile);
    await page.getByTestId("import-submit").click();
    const error = page.getByTestId("import-error");
    await expect(error).toContainText("line 5:");
    await expect(error).toContainText("Nothing was imported");
    await expect(page.getByTestId("datasets-empty")).toBeVisible();
    expect(await lead.ok("GET", `/api/v1/projects/${broken.id}/datasets`)).toEqual([]);
    await page.context().close();
  });

  test("policies: metrics, side-by-side replay on one seed, ONNX download, roll back after confirming", async ({ browser }, testInfo) => {
    const page = await leadPage(browser);
    await page.goto(`/projects/${projectId}/policies`);
    const rows = page.getByTestId("policy-row");
    await expect(rows).toHaveCount(2);
    await expect(page.getByTestId("policy-versions")).toHaveAttribute("data-current", "2");
    await expect(rows.first()).toContainText(/wasm|cpu|tensorflow|webgpu/);

    // Both models run in the browser on the same seed.
    await page.getByTestId("compare-a").selectOption("1");
    await page.getByTestId("compare-b").selectOption("2");
    await page.getByTestId("compare-seed").fill("100000");
    await page.getByTestId("compare-run").click();
    for (const side of ["a", "b"]) {
      await expect(page.getByTestId(`compare-side-${side}`)).toHaveAttribute("data-return", /^\d+(\.\d+)?$/);
      expect(Number(await page.getByTestId(`compare-side-${side}`).getAttribute("data-length"))).toBeGreaterThan(0);
    }
    await expect(page.getByTestId("compare-side-a")).toHaveAttribute("data-version", "1");
    await expect(page.getByTestId("compare-side-b")).toHaveAttribute("data-version", "2");
    await screenshot(page, "lead-policies");

    // The ONNX button: a real download that ONNX Runtime loads and runs (action ∈ {0, 1} for CartPole).
    const [onnxDownload] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-onnx-2").click()]);
    expect(onnxDownload.suggestedFilename()).toBe("policy-v2.onnx");
    const onnxFile = testInfo.outputPath("policy-v2.onnx");
    await onnxDownload.saveAs(onnxFile);
    const session = await ort.InferenceSession.create(fs.readFileSync(onnxFile));
    const out = await session.run({ observation: new ort.Tensor("float32", new Float32Array([0, 0.1, -0.02, 0.3]), [1, 4]) });
    expect([0n, 1n]).toContain((out.action!.data as BigInt64Array)[0]);

    // Roll back: a confirmation first; Cancel changes nothing.
    await page.getByTestId("rollback-1").click();
    await expect(page.getByTestId("rollback-dialog")).toBeVisible();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByTestId("rollback-dialog")).toHaveCount(0);
    expect((await lead.ok("GET", `/api/v1/projects/${projectId}/policies/latest`)).version).toBe(2);
    await page.getByTestId("rollback-1").click();
    await page.getByTestId("rollback-confirm").click();
    await expect(page.getByTestId("rollback-ok")).toContainText("v1 is published again (was v2)");
    await expect(page.getByTestId("policy-versions")).toHaveAttribute("data-current", "1");
    expect((await lead.ok("GET", `/api/v1/projects/${projectId}/policies/latest`)).version).toBe(1);
    await page.context().close();
  });

  test("quality: per-labeller table, warnings and the threshold", async ({ browser }) => {
    const quality = await lead.ok("GET", `/api/v1/projects/${projectId}/quality`);
    const page = await leadPage(browser);
    await page.goto(`/projects/${projectId}/quality`);
    const rows = page.getByTestId("quality-row");
    await expect(rows).toHaveCount(quality.labelers.length);
    const careful = quality.labelers.find((l: { email: string }) => l.email === LAB1);
    expect(careful.labels).toBeGreaterThan(0);
    const row = page.locator(`[data-testid="quality-row"][data-user="${careful.userId}"]`);
    await expect(row).toHaveAttribute("data-labels", String(careful.labels));
    await expect(row).toContainText(`(${careful.goldCorrect}/${careful.goldTotal})`);
    await expect(row).toContainText("700 ms");
    // The gold states the round used are listed.
    await expect(page.getByTestId("gold-row")).toHaveCount(quality.gold.length);

    // Labeller 2 answered every gold state wrong: with a minimum of one gold answer the warning fires.
    const sloppy = quality.labelers.find((l: { email: string }) => l.email === LAB2);
    await page.getByTestId("threshold-input").fill("80");
    await page.getByTestId("min-gold-input").fill("1");
    await page.getByTestId("threshold-save").click();
    await expect(page.getByTestId("threshold-saved")).toBeVisible();
    if (sloppy?.goldTotal > 0) {
      expect(sloppy.goldCorrect).toBe(0);
      await expect(page.locator(`[data-testid="quality-warning"][data-user="${sloppy.userId}"]`)).toContainText("0% on");
      await expect(page.locator(`[data-testid="quality-row"][data-user="${sloppy.userId}"]`)).toHaveAttribute("data-low", "1");
      const audit = await lead.ok("GET", `/api/v1/projects/${projectId}/audit?action=quality.gold_accuracy_low`);
      expect(audit.entries.map((e: { targetId: string }) => e.targetId)).toEqual([sloppy.userId]);
    }
    await expect(page.locator(`[data-testid="quality-row"][data-user="${careful.userId}"]`)).toHaveAttribute("data-low", "0");
    await screenshot(page, "lead-quality");

    await page.getByTestId("threshold-input").fill("95");
    await page.getByTestId("min-gold-input").fill("2");
    await page.getByTestId("threshold-save").click();
    await expect(page.getByTestId("threshold-saved")).toBeVisible();
    const after = await lead.ok("GET", `/api/v1/projects/${projectId}/quality`);
    expect(after.settings).toEqual({ goldAccuracyThreshold: 0.95, minGoldLabels: 2 });
    await page.context().close();
  });

  test("audit log: filter by action and by kind, page through", async ({ browser }) => {
    const page = await leadPage(browser);
    await page.goto(`/projects/${projectId}/audit`);
    await expect(page.getByTestId("audit-row").first()).toBeVisible();
    await page.getByTestId("audit-action").selectOption("policy.rolled_back");
    await page.getByTestId("audit-apply").click();
    await expect(page.getByTestId("audit-row")).toHaveCount(1);
    await expect(page.getByTestId("audit-row")).toHaveAttribute("data-action", "policy.rolled_back");

    await page.getByTestId("audit-action").selectOption("round.");
    await page.getByTestId("audit-apply").click();
    await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-action", /^round\./);
    const actions = await page.getByTestId("audit-row").evaluateAll((els) => els.map((e) => e.getAttribute("data-action") ?? ""));
    expect(actions.length).toBeGreaterThan(2);
    expect(actions.every((a) => a.startsWith("round."))).toBe(true);
    const api = await lead.ok("GET", `/api/v1/projects/${projectId}/audit?action=round.&limit=200`);
    expect(actions).toEqual(api.entries.slice(0, 25).map((e: { action: string }) => e.action));

    // A date range in the future matches nothing.
    await page.getByTestId("audit-from").fill("2999-01-01");
    await page.getByTestId("audit-apply").click();
    await expect(page.getByTestId("audit-empty")).toContainText("No entries match");
    await page.getByTestId("audit-from").fill("");
    await page.getByTestId("audit-action").selectOption("round.");
    await page.getByTestId("audit-apply").click();
    await expect(page.getByTestId("audit-row").first()).toBeVisible();
    await screenshot(page, "lead-audit");
    await page.context().close();
  });

  test("members and tokens: change a role, create a token shown once, revoke it", async ({ browser }) => {
    const page = await leadPage(browser);
    await page.goto(`/projects/${projectId}/members`);
    const lab2 = page.locator(`[data-testid="member-row"][data-email="${LAB2}"]`);
    await expect(lab2).toHaveAttribute("data-role", "labeler");
    await lab2.getByTestId("member-role").selectOption("viewer");
    await expect(page.getByTestId("members-notice")).toContainText("is now viewer");
    await expect(lab2).toHaveAttribute("data-role", "viewer");
    await page.getByTestId("invite-email").fill("nobody-here@example.test");
    await page.getByTestId("invite-submit").click();
    await expect(page.getByTestId("invite-error")).toContainText("No account with this email");
    await page.getByTestId("invite-email").fill(LAB2);
    await page.getByTestId("invite-role").selectOption("labeler");
    await page.getByTestId("invite-submit").click();
    await expect(lab2).toHaveAttribute("data-role", "labeler");

    const name = `e2e robot ${Date.now()}`;
    await page.getByTestId("token-name").fill(name);
    await page.getByTestId("token-create").click();
    const token = (await page.getByTestId("token-value").textContent())?.trim() ?? "";
    expect(token).toMatch(/^crv_/);
    const me = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(200);
    const row = page.locator(`[data-testid="token-row"][data-name="${name}"]`);
    await row.getByTestId("token-revoke").click();
    await row.getByTestId("token-revoke-confirm").click();
    await expect(row).toHaveCount(0);
    expect((await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
    await page.context().close();
  });

  test("a labeller is refused on every lead page", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, LAB1);
    await page.goto(`/projects/${projectId}`);
    await expect(page.getByTestId("nav-datasets")).toHaveCount(0);
    for (const p of LEAD_PAGE_PATHS) {
      await page.goto(`/projects/${projectId}/${p}`);
      await expect(page.getByTestId("forbidden"), p).toContainText("Lead role required");
      await expect(page.getByTestId("dataset-versions")).toHaveCount(0);
    }
    await context.close();
  });
});
