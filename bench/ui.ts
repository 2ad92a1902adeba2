/**
 * `npm run bench:ui` — the labelling UI in Debian's Chromium (Playwright, the flags of playwright.config.ts)
 * against the real server on a fresh embedded (PGlite) database:
 *
 * 1. A scripted keyboard labeller labels every task of a CartPole round (BENCH_UI_TASKS, default 150) with
 *    one key each. Latency = key press (the event's timeStamp) → the first frame after the next state was
 *    drawn, as the page itself records it (`window.__correctiveLabelTimings`, useTaskQueue). Labels/min =
 *    tasks ÷ (first key press → every label stored on the server).
 * 2. Ride-along at 1×: rides over CartPole rollouts whose every state is a task (selection `all`, dt 0.02 s,
 *    so up to 50 selected states per second of replay); labelled states per second of replay, from the
 *    page's own ride records (`window.__correctiveRides`), checked against the labels stored.
 *
 * Reference, measured in the same browser in the same run: key press → first frame after it on an empty
 * page (the floor any "next state on screen" latency stands on).
 * Goals: median ≤ 50 ms, p95 ≤ 150 ms, ≥ 60 labels/min, ride-along ≥ 10 labelled states/s at 1×.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_LAUNCH_OPTIONS } from "../e2e/chromium";
import { ApiClient, waitFor } from "../tests/helpers/api-client";
import { ROOT, startServer } from "../tests/helpers/server-process";
import { API, PAGES, withQuery } from "../contracts/routes";
import { saveResults } from "./lib/results";
import { rssMiB, summarize } from "./lib/stats";

const TASKS = Number(process.env.BENCH_UI_TASKS ?? 150);
/** Then the same labeller at a fast human's pace: this long looking at each state before the key. */
const PACED_TASKS = Number(process.env.BENCH_UI_PACED_TASKS ?? 60);
const THINK_MS = Number(process.env.BENCH_UI_THINK_MS ?? 700);
const RIDES = Number(process.env.BENCH_UI_RIDES ?? 4);
const PASSWORD = "corrective"; // the demo seed's password (embedded database, demo mode)
const LEAD = "lead@corrective.local";
const LABELER = "labeler1@corrective.local";
const GOALS = { medianMs: 50, p95Ms: 150, labelsPerMin: 60, rideStatesPerSec: 10 };

interface LabelTiming {
  drawn: number;
  painted: number;
  taskId: string;
  prefetched: boolean;
}
interface RideStats {
  rolloutId: string;
  tasks: number;
  labelled: number;
  replaySeconds: number;
  speed: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function login(base: string, email: string): Promise<ApiClient> {
  const res = await new ApiClient(base).call("POST", API.login, { email, password: PASSWORD });
  if (res.status !== 201) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return new ApiClient(base, res.body.data.token);
}

/** A CartPole project in round 1 `labeling` (policy v1 from scripted demonstrations), with the labeller. */
async function labelingProject(lead: ApiClient, name: string, settings: Record<string, unknown>): Promise<{ id: string; tasks: number }> {
  const project = await lead.ok("POST", API.projects, { name, envId: "CartPole-v1", settings });
  await lead.ok("POST", API.members(project.id), { email: LABELER, role: "labeler" });
  await lead.ok("POST", API.rounds(project.id), { scriptedDemonstrations: 2 });
  const status = async (i: number) => {
    const r = await lead.ok("GET", API.round(project.id, i));
    if (r.status === "failed") throw new Error(`round ${i} failed: ${r.error}`);
    return r;
  };
  await waitFor("round 0 published", async () => (await status(0)).status === "published", 300_000);
  await lead.ok("POST", API.rounds(project.id), {});
  const r1 = await waitFor("round 1 labelling", async () => ((await status(1)).status === "labeling" ? status(1) : null), 300_000);
  return { id: project.id, tasks: r1.progress.tasksTotal };
}

const labelsStored = async (lead: ApiClient, projectId: string): Promise<number> => (await lead.ok("GET", API.round(projectId, 1))).progress.labels;

async function signedInPage(browser: Browser, base: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, baseURL: base });
  const page = await context.newPage();
  await page.goto(PAGES.signIn);
  await page.getByLabel("Email").fill(LABELER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/projects$/);
  return page;
}

/** Key press → first frame after it, on a page that does nothing else (same measurement as the labeller's). */
async function referenceFrameLatency(browser: Browser, n: number): Promise<number[]> {
  const page = await browser.newPage();
  await page.setContent("<body><p>reference</p></body>");
  await page.evaluate(() => {
    const w = window as unknown as { __ref: number[] };
    w.__ref = [];
    window.addEventListener("keydown", (e) => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => setTimeout(() => w.__ref.push(performance.now() - t0), 0));
    });
  });
  for (let i = 0; i < n; i++) {
    await page.keyboard.press("1");
    await page.waitForFunction((k) => (window as unknown as { __ref: number[] }).__ref.length > k, i, { polling: "raf" });
  }
  const out = await page.evaluate(() => (window as unknown as { __ref: number[] }).__ref);
  await page.close();
  return out;
}

async function keyboardLabeller(browser: Browser, base: string, lead: ApiClient, projectId: string, tasks: number, thinkMs: number) {
  const page = await signedInPage(browser, base);
  const storedBefore = await labelsStored(lead, projectId);
  await page.goto(PAGES.label(projectId));
  await page.getByTestId("labeler").waitFor();
  const current = () => page.getByTestId("labeler").getAttribute("data-task-id", { timeout: 30_000 });
  const t0 = performance.now();
  const seen = new Set<string>();
  for (let i = 0; i < tasks; i++) {
    const before = await current();
    if (!before) throw new Error("no task on screen");
    seen.add(before);
    if (thinkMs > 0) await new Promise((r) => setTimeout(r, thinkMs));
    await page.keyboard.press(i % 2 === 0 ? "1" : "2");
    if (i === tasks - 1) break;
    // The next state: another task id on the labeller (polled every frame, so the driver adds ≤ 1 frame).
    await page.waitForFunction((prev) => {
      const id = document.querySelector('[data-testid="labeler"]')?.getAttribute("data-task-id");
      return Boolean(id) && id !== prev;
    }, before, { polling: "raf", timeout: 30_000 });
  }
  const uiSeconds = (performance.now() - t0) / 1000;
  await waitFor("every label stored", async () => (await labelsStored(lead, projectId)) >= storedBefore + tasks, 60_000, 50);
  const storedSeconds = (performance.now() - t0) / 1000;
  const stored = (await labelsStored(lead, projectId)) - storedBefore;
  const timings = (await page.evaluate(() => (window as unknown as { __correctiveLabelTimings?: LabelTiming[] }).__correctiveLabelTimings ?? [])) as LabelTiming[];
  await page.goto("about:blank"); // pagehide releases the tasks it still held
  await page.context().close();
  return { labelled: seen.size, stored, uiSeconds, storedSeconds, timings };
}

async function rideAlong(browser: Browser, base: string, lead: ApiClient, projectId: string, rides: number) {
  const page = await signedInPage(browser, base);
  await page.goto(withQuery(PAGES.label(projectId), { mode: "ride" }));
  await page.locator('[data-testid="ride-along"][data-phase="riding"]').waitFor({ timeout: 30_000 });
  // The page starts riding at 0.5×; switch to 1× now. The first ride (partly at 0.5×) is not measured.
  // Each next ride is started by Space once the previous one finished, so no ride is left half-done.
  await page.getByTestId("ride-speed").selectOption("1");
  await page.getByLabel("Next rollout automatically").uncheck();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const records = () => page.evaluate(() => (window as unknown as { __correctiveRides?: RideStats[] }).__correctiveRides ?? []) as Promise<RideStats[]>;
  for (let i = 0; i <= rides; i++) {
    await waitFor(`ride ${i + 1}`, async () => (await records()).length > i, 120_000, 50);
    if (i === rides) break;
    await page.locator('[data-testid="ride-along"][data-phase="finished"]').waitFor();
    await page.keyboard.press("Space");
    await page.locator('[data-testid="ride-along"][data-phase="riding"]').waitFor({ timeout: 30_000 });
  }
  const all = await records();
  // The outbox may still be sending: the banner goes once nothing is pending (then the page may go).
  const ended = performance.now();
  await page.getByTestId("offline-banner").waitFor({ state: "detached", timeout: 120_000 });
  const drainSeconds = (performance.now() - ended) / 1000;
  await page.context().close();
  const total = all.reduce((s, r) => s + r.labelled, 0);
  await waitFor("ride labels stored", async () => (await labelsStored(lead, projectId)) >= total, 60_000, 100);
  const stored = await labelsStored(lead, projectId);
  return { measured: all.slice(1).filter((r) => r.speed === 1), all, stored, drainSeconds };
}

// The build the server runs, rebuilt if the sources are newer (as `npm start` would).
const built = spawnSync(process.execPath, ["-e", "import('./scripts/start.mjs').then((m) => m.buildIfNeeded())"], { cwd: ROOT, stdio: "inherit" });
if (built.status !== 0) throw new Error("next build failed");

const server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-ui-")) });
const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
try {
  const lead = await login(server.url, LEAD);
  console.log(`[bench:ui] setting up a ${TASKS}-task CartPole round and a ride-along round…`);
  const kb = await labelingProject(lead, "bench ui keyboard", { statesPerRound: TASKS + PACED_TASKS, selection: "uniform", labelsPerState: 1, rolloutEpisodes: 6, evalEpisodes: 3, epochs: 10, autoAdvance: false });
  const rp = await labelingProject(lead, "bench ui ride-along", { statesPerRound: 1000, selection: "all", labelsPerState: 1, rolloutEpisodes: 6, evalEpisodes: 3, epochs: 10, autoAdvance: false });
  console.log(`[bench:ui] keyboard round: ${kb.tasks} tasks; ride-along round: ${rp.tasks} tasks`);

  const reference = summarize(await referenceFrameLatency(browser, 60));
  console.log(`[bench:ui] reference key → frame on an empty page: median ${round1(reference.p50)} ms, p95 ${round1(reference.p95)} ms`);

  const flatTasks = Math.min(TASKS, kb.tasks);
  const k = await keyboardLabeller(browser, server.url, lead, kb.id, flatTasks, 0);
  // The first page released what it still held when it left (pagehide); keep clear of a few in case.
  const p = await keyboardLabeller(browser, server.url, lead, kb.id, Math.max(1, kb.tasks - flatTasks - 4), THINK_MS);
  const report = (name: string, x: typeof k) => {
    const painted = summarize(x.timings.map((t) => t.painted));
    const drawn = summarize(x.timings.map((t) => t.drawn));
    const notPrefetched = x.timings.filter((t) => !t.prefetched).length;
    const perMin = (x.labelled / x.storedSeconds) * 60;
    console.log(`[bench:ui] ${name}: ${x.labelled} labels, ${x.stored} stored, ${round1(perMin)} labels/min; key → next state painted median ${round1(painted.p50)} ms, p95 ${round1(painted.p95)} ms (${notPrefetched} not prefetched)`);
    if (x.stored !== x.labelled) throw new Error(`${name}: ${x.labelled} labelled but ${x.stored} stored`);
    return { painted, drawn, notPrefetched, perMin };
  };
  const flat = report("keyboard, flat out", k);
  const paced = report(`keyboard, ${THINK_MS} ms per state`, p);

  const r = await rideAlong(browser, server.url, lead, rp.id, RIDES);
  const rLabelled = r.measured.reduce((s, x) => s + x.labelled, 0);
  const rTasks = r.measured.reduce((s, x) => s + x.tasks, 0);
  const rSeconds = r.measured.reduce((s, x) => s + x.replaySeconds, 0);
  const ridePerSec = rLabelled / Math.max(1e-9, rSeconds);
  const rideTotal = r.all.reduce((s, x) => s + x.labelled, 0);
  console.log(`[bench:ui] ride-along 1×: ${rLabelled}/${rTasks} states labelled in ${round1(rSeconds)} s of replay → ${round1(ridePerSec)} /s; ${r.stored} stored of ${rideTotal} given`);

  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const latencyRows = (who: string, m: typeof flat, n: number) => [
    { labeller: who, measure: "key → next state painted (median)", value: round1(m.painted.p50), unit: "ms", goal: `≤ ${GOALS.medianMs}`, result: verdict(m.painted.p50 <= GOALS.medianMs), reference: round1(reference.p50), n: m.painted.n },
    { labeller: who, measure: "key → next state painted (p95)", value: round1(m.painted.p95), unit: "ms", goal: `≤ ${GOALS.p95Ms}`, result: verdict(m.painted.p95 <= GOALS.p95Ms), reference: round1(reference.p95), n: m.painted.n },
    { labeller: who, measure: "key → next state drawn (median)", value: round1(m.drawn.p50), unit: "ms", goal: "", result: "", reference: null, n: m.drawn.n },
    { labeller: who, measure: "next states not prefetched", value: m.notPrefetched, unit: "of n", goal: "", result: "", reference: null, n: m.painted.n },
    { labeller: who, measure: "labels stored per minute", value: round1(m.perMin), unit: "labels/min", goal: `≥ ${GOALS.labelsPerMin}`, result: verdict(m.perMin >= GOALS.labelsPerMin), reference: null, n },
  ];
  const rows = [
    ...latencyRows(`keyboard, ${THINK_MS} ms per state`, paced, p.stored),
    ...latencyRows("keyboard, flat out", flat, k.stored),
    { labeller: "ride-along at 1×", measure: "labelled states per second of replay", value: round1(ridePerSec), unit: "states/s", goal: `≥ ${GOALS.rideStatesPerSec}`, result: verdict(ridePerSec >= GOALS.rideStatesPerSec), reference: null, n: rLabelled },
    { labeller: "ride-along at 1×", measure: "outbox drained after the last ride", value: round1(r.drainSeconds), unit: "s", goal: "", result: "", reference: null, n: rideTotal },
  ];
  if (r.stored !== rideTotal) throw new Error(`ride-along: ${rideTotal} labelled but ${r.stored} stored`);
  const browserVersion = browser.version();
  console.log(
    saveResults("ui", {
      title: "Labelling UI in Chromium: key → next state, labels per minute, ride-along states per second",
      rows,
      notes: [
        `Chromium ${browserVersion} (Debian, headless, flags of playwright.config.ts) driven by Playwright; the real server (npm start) on a fresh PGlite data dir, both on this machine.`,
        `Keyboard: one scripted labeller labels a CartPole round with one key per state (1/2): first ${k.labelled} states flat out (the next key as soon as the next state is on screen), then the remaining ${p.labelled} looking ${THINK_MS} ms at each state (a fast human). The latency goals hold for both: the page holds ~3 s of states ahead at the labeller's measured pace (3 at a person's pace, up to 100 flat out) and refills them in batched claims (POST …/tasks/claim) before they run out.`,
        "Latency: the page's own measure (window.__correctiveLabelTimings) from the key event's timeStamp to the first frame after the next state was drawn (requestAnimationFrame + a task); 'not prefetched' = the next state had to be claimed from the server after the key.",
        `Labels/min: labels ÷ (first key press → the last label stored on the server): flat out ${round1(k.storedSeconds)} s (the last state on screen after ${round1(k.uiSeconds)} s), paced ${round1(p.storedSeconds)} s. All ${k.stored + p.stored} labels stored exactly once.`,
        `Ride-along: ${r.measured.length} rides at 1× (the first ride, partly at 0.5×, not counted), CartPole rollouts with every state selected (dt 0.02 s → ≤ 50 states/s), default 200 ms reaction compensation (the ride ends 200 ms after its last state); ${rLabelled} of ${rTasks} states of the measured rides labelled; ${r.stored} ride labels stored of ${rideTotal} given (every ride).`,
        `Reference: key press → first frame after it on an empty page in the same browser (${reference.n} presses), the floor under the latency rows.`,
        `Server RSS at the end: ${(await rssMiB(server.proc.pid)) ?? "?"} MiB.`,
      ],
      extra: { chromium: browserVersion, reference, thinkMs: THINK_MS, flatOut: { ...flat, labelled: k.labelled, uiSeconds: k.uiSeconds, storedSeconds: k.storedSeconds }, paced: { ...paced, labelled: p.labelled, uiSeconds: p.uiSeconds, storedSeconds: p.storedSeconds }, rides: r.all, rideDrainSeconds: r.drainSeconds, goals: GOALS },
    }),
  );
} finally {
  await browser.close();
  await server.stop();
}
process.exit(0);
