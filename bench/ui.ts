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
 * 3. Image states (issue 18): the same keyboard labeller on a CarTrackPixels-v0 round (64×64 RGB camera image plus
 *    speed; the canvas shows the image the policy saw) with a continuous steering label each — ← or →, then
 *    Enter — flat out (BENCH_UI_IMAGE_TASKS, default 120); the same page measure, from Enter's timeStamp to the
 *    first frame after the next state's image was drawn.
 *
 * Reference, measured in the same browser in the same run: key press → first frame after it on an empty
 * page (the floor any "next state on screen" latency stands on).
 * Goals: median ≤ 50 ms, p95 ≤ 150 ms, ≥ 60 labels/min (vector and image states), ride-along ≥ 10 labelled
 * states/s at 1×.
 *
 * `--only image` (or `keyboard`, `ride`, comma-separated) runs those scenarios and keeps the saved rows of the
 * others in ui.{json,md}, each saying which run produced it (bench/lib/ui-report.ts); `--out DIR` writes there
 * instead of bench/results/.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_LAUNCH_OPTIONS } from "../e2e/chromium";
import { ApiClient, waitFor } from "../tests/helpers/api-client";
import { ROOT, startServer } from "../tests/helpers/server-process";
import { API, PAGES, withQuery } from "../contracts/routes";
import { RESULTS_DIR, saveResults } from "./lib/results";
import { rssMiB, summarize } from "./lib/stats";
import { mergeUiReports, parseOnly, savedUiReports, UI_SCENARIOS, type UiReports, type UiScenario } from "./lib/ui-report";

const TASKS = Number(process.env.BENCH_UI_TASKS ?? 150);
/** Then the same labeller at a fast human's pace: this long looking at each state before the key. */
const PACED_TASKS = Number(process.env.BENCH_UI_PACED_TASKS ?? 60);
const THINK_MS = Number(process.env.BENCH_UI_THINK_MS ?? 700);
const RIDES = Number(process.env.BENCH_UI_RIDES ?? 4);
/** Image states: a camera env's round, labelled flat out with a continuous steering label each. */
const IMAGE_ENV = "CarTrackPixels-v0";
const IMAGE_TASKS = Number(process.env.BENCH_UI_IMAGE_TASKS ?? 120);
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

/** A project of `envId` in round 1 `labeling` (policy v1 from scripted demonstrations), with the labeller. */
async function labelingProject(lead: ApiClient, name: string, envId: string, settings: Record<string, unknown>, scriptedDemonstrations = 2): Promise<{ id: string; tasks: number }> {
  const project = await lead.ok("POST", API.projects, { name, envId, settings });
  await lead.ok("POST", API.members(project.id), { email: LABELER, role: "labeler" });
  await lead.ok("POST", API.rounds(project.id), { scriptedDemonstrations });
  const status = async (i: number) => {
    const r = await lead.ok("GET", API.round(project.id, i));
    if (r.status === "failed") throw new Error(`round ${i} failed: ${r.error}`);
    return r;
  };
  // A ConvNet policy (an image env) trains for minutes on a loaded 2-core box.
  await waitFor("round 0 published", async () => (await status(0)).status === "published", 900_000, 1000);
  await lead.ok("POST", API.rounds(project.id), {});
  const r1 = await waitFor("round 1 labelling", async () => ((await status(1)).status === "labeling" ? status(1) : null), 900_000, 1000);
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

/** The keys of the i-th label: first `before` (e.g. a nudge of a continuous action), then `submit`, the one timed. */
type LabelKeys = (i: number) => { before: readonly string[]; submit: string };
const discreteKeys: LabelKeys = (i) => ({ before: [], submit: i % 2 === 0 ? "1" : "2" });
/** A continuous steering label as a person gives it: nudge (← or →, 5 % each), then Enter. */
const steeringKeys: LabelKeys = (i) => ({ before: [i % 2 === 0 ? "ArrowLeft" : "ArrowRight"], submit: "Enter" });

async function keyboardLabeller(browser: Browser, base: string, lead: ApiClient, projectId: string, tasks: number, thinkMs: number, keys: LabelKeys = discreteKeys) {
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
    const k = keys(i);
    for (const key of k.before) await page.keyboard.press(key);
    await page.keyboard.press(k.submit);
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
  // The picture on the canvas is the state the labeller is on (EnvCanvas keys it by task).
  const onScreen = await current();
  const canvasKey = await page.getByTestId("state-canvas").getAttribute("data-key");
  if (canvasKey !== onScreen) throw new Error(`the canvas shows ${canvasKey}, the labeller is on ${onScreen}`);
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

const { values: args } = parseArgs({ options: { only: { type: "string" }, out: { type: "string" } } });
const ONLY = parseOnly(args.only);
const OUT_DIR = args.out ? path.resolve(args.out) : RESULTS_DIR;
const runs = (s: UiScenario) => ONLY.includes(s);

// The build the server runs, rebuilt if the sources are newer (as `npm start` would).
const built = spawnSync(process.execPath, ["-e", "import('./scripts/start.mjs').then((m) => m.buildIfNeeded())"], { cwd: ROOT, stdio: "inherit" });
if (built.status !== 0) throw new Error("next build failed");

const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
const server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-ui-")) });
const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
try {
  const lead = await login(server.url, LEAD);
  const browserVersion = browser.version();
  console.log(`[bench:ui] scenarios: ${ONLY.join(", ")}; setting up their rounds…`);
  const kb = runs("keyboard") ? await labelingProject(lead, "bench ui keyboard", "CartPole-v1", { statesPerRound: TASKS + PACED_TASKS, selection: "uniform", labelsPerState: 1, rolloutEpisodes: 6, evalEpisodes: 3, epochs: 10, autoAdvance: false }) : null;
  const rp = runs("ride") ? await labelingProject(lead, "bench ui ride-along", "CartPole-v1", { statesPerRound: 1000, selection: "all", labelsPerState: 1, rolloutEpisodes: 6, evalEpisodes: 3, epochs: 10, autoAdvance: false }) : null;
  // CarTrack episodes run up to 1,000 steps (50 s at dt 0.05): one demonstration trains the ConvNet policy v1
  // (what is measured is the page, not the policy), two rollouts hold the round's states.
  const ip = runs("image") ? await labelingProject(lead, "bench ui image states", IMAGE_ENV, { statesPerRound: IMAGE_TASKS + 4, selection: "uniform", labelsPerState: 1, rolloutEpisodes: 2, evalEpisodes: 1, epochs: 3, autoAdvance: false }, 1) : null;
  console.log(`[bench:ui] rounds ready:${kb ? ` keyboard ${kb.tasks} tasks;` : ""}${rp ? ` ride-along ${rp.tasks} tasks;` : ""}${ip ? ` image states ${ip.tasks} tasks;` : ""}`);

  const reference = summarize(await referenceFrameLatency(browser, 60));
  console.log(`[bench:ui] reference key → frame on an empty page: median ${round1(reference.p50)} ms, p95 ${round1(reference.p95)} ms`);
  const referenceNote = `Reference: key press → first frame after it on an empty page in the same browser (${reference.n} presses): median ${round1(reference.p50)} ms, p95 ${round1(reference.p95)} ms — the floor under the latency rows.`;
  const common = [
    `Chromium ${browserVersion} (Debian, headless, flags of playwright.config.ts) driven by Playwright; the real server (npm start) on a fresh PGlite data dir, both on this machine.`,
    "Latency: the page's own measure (window.__correctiveLabelTimings) from the key event's timeStamp to the first frame after the next state was drawn (requestAnimationFrame + a task); 'not prefetched' = the next state had to be claimed from the server after the key.",
  ];

  type Labelled = Awaited<ReturnType<typeof keyboardLabeller>>;
  const report = (name: string, x: Labelled) => {
    const painted = summarize(x.timings.map((t) => t.painted));
    const drawn = summarize(x.timings.map((t) => t.drawn));
    const notPrefetched = x.timings.filter((t) => !t.prefetched).length;
    const perMin = (x.labelled / x.storedSeconds) * 60;
    console.log(`[bench:ui] ${name}: ${x.labelled} labels, ${x.stored} stored, ${round1(perMin)} labels/min; key → next state painted median ${round1(painted.p50)} ms, p95 ${round1(painted.p95)} ms (${notPrefetched} not prefetched)`);
    if (x.stored !== x.labelled) throw new Error(`${name}: ${x.labelled} labelled but ${x.stored} stored`);
    return { painted, drawn, notPrefetched, perMin };
  };
  const latencyRows = (who: string, m: ReturnType<typeof report>, n: number) => [
    { labeller: who, measure: "key → next state painted (median)", value: round1(m.painted.p50), unit: "ms", goal: `≤ ${GOALS.medianMs}`, result: verdict(m.painted.p50 <= GOALS.medianMs), reference: round1(reference.p50), n: m.painted.n },
    { labeller: who, measure: "key → next state painted (p95)", value: round1(m.painted.p95), unit: "ms", goal: `≤ ${GOALS.p95Ms}`, result: verdict(m.painted.p95 <= GOALS.p95Ms), reference: round1(reference.p95), n: m.painted.n },
    { labeller: who, measure: "key → next state drawn (median)", value: round1(m.drawn.p50), unit: "ms", goal: "", result: "", reference: null, n: m.drawn.n },
    { labeller: who, measure: "next states not prefetched", value: m.notPrefetched, unit: "of n", goal: "", result: "", reference: null, n: m.painted.n },
    { labeller: who, measure: "labels stored per minute", value: round1(m.perMin), unit: "labels/min", goal: `≥ ${GOALS.labelsPerMin}`, result: verdict(m.perMin >= GOALS.labelsPerMin), reference: null, n },
  ];
  const stamp = () => ({ date: new Date().toISOString(), loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100 });
  const fresh: UiReports = {};

  if (kb) {
    const flatTasks = Math.min(TASKS, kb.tasks);
    const k = await keyboardLabeller(browser, server.url, lead, kb.id, flatTasks, 0);
    // The first page released what it still held when it left (pagehide); keep clear of a few in case.
    const p = await keyboardLabeller(browser, server.url, lead, kb.id, Math.max(1, kb.tasks - flatTasks - 4), THINK_MS);
    const flat = report("keyboard, flat out", k);
    const paced = report(`keyboard, ${THINK_MS} ms per state`, p);
    fresh.keyboard = {
      ...stamp(),
      rows: [...latencyRows(`keyboard, ${THINK_MS} ms per state`, paced, p.stored), ...latencyRows("keyboard, flat out", flat, k.stored)],
      notes: [
        `Keyboard: one scripted labeller labels a CartPole round with one key per state (1/2): first ${k.labelled} states flat out (the next key as soon as the next state is on screen), then the remaining ${p.labelled} looking ${THINK_MS} ms at each state (a fast human). The latency goals hold for both: the page holds ~3 s of states ahead at the labeller's measured pace (3 at a person's pace, up to 100 flat out) and refills them in batched claims (POST …/tasks/claim) before they run out.`,
        `Labels/min: labels ÷ (first key press → the last label stored on the server): flat out ${round1(k.storedSeconds)} s (the last state on screen after ${round1(k.uiSeconds)} s), paced ${round1(p.storedSeconds)} s. All ${k.stored + p.stored} labels stored exactly once.`,
      ],
      extra: { chromium: browserVersion, reference, thinkMs: THINK_MS, flatOut: { ...flat, labelled: k.labelled, uiSeconds: k.uiSeconds, storedSeconds: k.storedSeconds }, paced: { ...paced, labelled: p.labelled, uiSeconds: p.uiSeconds, storedSeconds: p.storedSeconds } },
    };
  }

  if (rp) {
    const r = await rideAlong(browser, server.url, lead, rp.id, RIDES);
    const rLabelled = r.measured.reduce((s, x) => s + x.labelled, 0);
    const rTasks = r.measured.reduce((s, x) => s + x.tasks, 0);
    const rSeconds = r.measured.reduce((s, x) => s + x.replaySeconds, 0);
    const ridePerSec = rLabelled / Math.max(1e-9, rSeconds);
    const rideTotal = r.all.reduce((s, x) => s + x.labelled, 0);
    console.log(`[bench:ui] ride-along 1×: ${rLabelled}/${rTasks} states labelled in ${round1(rSeconds)} s of replay → ${round1(ridePerSec)} /s; ${r.stored} stored of ${rideTotal} given`);
    if (r.stored !== rideTotal) throw new Error(`ride-along: ${rideTotal} labelled but ${r.stored} stored`);
    fresh.ride = {
      ...stamp(),
      rows: [
        { labeller: "ride-along at 1×", measure: "labelled states per second of replay", value: round1(ridePerSec), unit: "states/s", goal: `≥ ${GOALS.rideStatesPerSec}`, result: verdict(ridePerSec >= GOALS.rideStatesPerSec), reference: null, n: rLabelled },
        { labeller: "ride-along at 1×", measure: "outbox drained after the last ride", value: round1(r.drainSeconds), unit: "s", goal: "", result: "", reference: null, n: rideTotal },
      ],
      notes: [
        `Ride-along: ${r.measured.length} rides at 1× (the first ride, partly at 0.5×, not counted), CartPole rollouts with every state selected (dt 0.02 s → ≤ 50 states/s), default 200 ms reaction compensation (the ride ends 200 ms after its last state); ${rLabelled} of ${rTasks} states of the measured rides labelled; ${r.stored} ride labels stored of ${rideTotal} given (every ride).`,
      ],
      extra: { chromium: browserVersion, reference, rides: r.all, rideDrainSeconds: r.drainSeconds },
    };
  }

  if (ip) {
    const n = Math.min(IMAGE_TASKS, ip.tasks - 2);
    const x = await keyboardLabeller(browser, server.url, lead, ip.id, n, 0, steeringKeys);
    const who = `keyboard, ${IMAGE_ENV} image states, flat out`;
    const m = report(who, x);
    fresh.image = {
      ...stamp(),
      rows: latencyRows(who, m, x.stored),
      notes: [
        `Image states: one scripted labeller labels ${x.labelled} states of a ${IMAGE_ENV} round (observation: a 64×64 RGB egocentric image plus speed; the canvas shows the image the policy saw, rasterised from the state by the env's own rasteriser and drawn as 64×64 flat blocks) with a continuous steering label each — ← or → (a 5 % nudge), then Enter, timed from Enter's timeStamp — flat out (the next nudge as soon as the next state is on screen). 'Drawn' = the next state's image on the canvas (EnvCanvas' layout effect after the draw); 'painted' = the first frame after it. At the end the canvas must show the task the labeller is on (its data-key). Goal: median ≤ ${GOALS.medianMs} ms (issue 18), p95 ≤ ${GOALS.p95Ms} ms as for vector states.`,
        `Image states, labels/min: ${x.labelled} labels stored in ${round1(x.storedSeconds)} s (the last state on screen after ${round1(x.uiSeconds)} s).`,
      ],
      extra: { chromium: browserVersion, reference, env: IMAGE_ENV, flatOut: { ...m, labelled: x.labelled, uiSeconds: x.uiSeconds, storedSeconds: x.storedSeconds }, timings: x.timings },
    };
  }

  const savedFile = path.join(OUT_DIR, "ui.json");
  const saved = ONLY.length < UI_SCENARIOS.length && fs.existsSync(savedFile) ? savedUiReports(JSON.parse(fs.readFileSync(savedFile, "utf8"))) : {};
  const merged = mergeUiReports(fresh, saved);
  console.log(
    saveResults(
      "ui",
      {
        title: "Labelling UI in Chromium: key → next state (vector and image states), labels per minute, ride-along states per second",
        rows: merged.rows,
        columns: ["labeller", "measure", "value", "unit", "goal", "result", "reference", "n"].map((key) => ({ key })),
        notes: [...common, ...merged.notes, referenceNote, `Server RSS at the end of this run: ${(await rssMiB(server.proc.pid)) ?? "?"} MiB. This run: ${ONLY.join(", ")}.`],
        extra: { chromium: browserVersion, reference, goals: GOALS, thisRun: ONLY, byScenario: merged.byScenario },
      },
      { dir: OUT_DIR },
    ),
  );
} finally {
  await browser.close();
  await server.stop();
}
process.exit(0);
