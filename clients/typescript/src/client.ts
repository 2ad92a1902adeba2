/**
 * The DAgger loop against a Corrective server from TypeScript (Node ≥ 20 or a browser): every request and
 * response shape is the server's own, imported from contracts/ — this package holds no copy of any.
 */
import { io, type Socket } from "socket.io-client";
import type { z } from "zod";
import type { TEvaluationResult, TPolicySummary } from "../../../contracts/policies";
import type { TLoginResult } from "../../../contracts/auth";
import type { TProjectDetail } from "../../../contracts/projects";
import { REALTIME_PATH, type ClientToServerEvents, type ProjectEvent, type ServerToClientEvents } from "../../../contracts/realtime";
import { FRAME_BATCH_MIME, MAX_BATCH, ROUND_STATUSES, type TClaimedTasks, type TExternalRollout, type TLabelResult, type ZBatchLabel, type TPostEvaluation, type TRound, type TRoundStatus, type TUploadedFrames, type TUploadedRollouts } from "../../../contracts/rounds";
import { API } from "../../../contracts/routes";
import type { ZCreateProject, ZProjectSettings } from "../../../contracts/settings";
import { actionProblem, cameraKeys, isImageSpace, STATE_KEY, stateDim, type TDictSpace, type TImageSpace, type TObservationSpace, type TSpace } from "../../../contracts/spaces";
import { Policy } from "../../../trainer/policy/index";
import { mulberry32 } from "../../../trainer/random";
import { chunkBySteps, frameId, imageFrameId, rolloutId, runEpisode, type Action, type Actor, type DictObservation, type Episode, type GymEnv, type Observation } from "./collect";
import { AuthenticationError, FrameError, RoundFailedError, RoundStateError, SpaceError, WaitTimeoutError } from "./errors";
import { Http, sleep } from "./http";
import { encodePng, isImage } from "./png";

/** One label to submit: `action`, or `cantTell: true`; `id` (a UUID) is generated when missing. */
export type LabelInput = Omit<z.input<typeof ZBatchLabel>, "id"> & { id?: string };
/** Create-project input as the API takes it (unset settings take their defaults). */
export type CreateProjectInput = { name: string; description?: string; observationSpace: TSpace | TObservationSpace; actionSpace: TSpace; settings?: Partial<z.input<typeof ZProjectSettings>> };

/** Request sizes: well under the server's 32 MiB bodies and 1,000 frames a batch. */
const MAX_STEPS_PER_REQUEST = 20_000;
const MAX_FRAMES_PER_REQUEST = 500;
const MAX_FRAME_BYTES_PER_REQUEST = 16 * 1024 * 1024;

export type ConnectOptions = ({ url: string; token: string } | { url: string; email: string; password: string }) & { retries?: number; fetch?: typeof fetch; realtime?: boolean };

/** A client for the server at `url`, by API token or by email and password (which makes a token). */
export async function connect(opts: ConnectOptions): Promise<CorrectiveClient> {
  const http = new Http({ url: opts.url, retries: opts.retries, fetch: opts.fetch, ...("token" in opts ? { token: opts.token } : {}) });
  if (!("token" in opts)) {
    if (!opts.email || !opts.password) throw new AuthenticationError("connect() needs a token, or an email and a password", "UNAUTHENTICATED");
    const login = await http.json<TLoginResult>("POST", API.login, { email: opts.email, password: opts.password }, { retry: false });
    http.token = login.token;
  }
  return new CorrectiveClient(http, opts.realtime ?? true);
}

export class CorrectiveClient {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;

  constructor(
    readonly http: Http,
    private readonly realtime = true,
  ) {}

  get token(): string | undefined {
    return this.http.token;
  }

  async createProject(input: CreateProjectInput): Promise<Project> {
    const body: z.input<typeof ZCreateProject> = {
      name: input.name,
      description: input.description ?? "",
      // A Space is readonly data and the schema's input type is mutable; the server validates the JSON either way.
      external: { observationSpace: input.observationSpace as TObservationSpace, actionSpace: input.actionSpace },
      settings: input.settings ?? {},
    };
    const created = await this.http.json<{ id: string }>("POST", API.projects, body);
    return this.project(created.id);
  }

  async project(id: string): Promise<Project> {
    return new Project(this, await this.http.json<TProjectDetail>("GET", API.project(id)));
  }

  async addMember(projectId: string, email: string, role: "lead" | "labeler" | "viewer" = "labeler"): Promise<void> {
    await this.http.json("POST", API.members(projectId), { email, role });
  }

  /** The project's event stream (socket.io, authenticated by the token), or null where it cannot connect. */
  async events(projectId: string, onEvent: (e: ProjectEvent) => void): Promise<(() => void) | null> {
    if (!this.realtime || !this.http.token) return null;
    this.socket ??= io(this.http.url, { path: REALTIME_PATH, auth: { token: this.http.token }, transports: ["websocket"], reconnectionAttempts: 3 });
    const socket = this.socket;
    const joined = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      socket.emit("project:join", { projectId, view: "client" }, (res) => (clearTimeout(timer), resolve(res.ok)));
    });
    if (!joined) return null;
    const handler = (e: ProjectEvent) => e.projectId === projectId && onEvent(e);
    socket.on("project:event", handler);
    return () => socket.off("project:event", handler);
  }

  /** Closes the realtime connection (requests need nothing closed). */
  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

/** A downloaded policy version, run by the trainer's browser-safe forward pass (no tfjs). */
export class RemotePolicy implements Actor {
  readonly policy: Policy;
  constructor(
    readonly version: number,
    readonly blob: Uint8Array,
  ) {
    this.policy = Policy.fromBlob(blob);
  }

  /** A vector, or for an image policy a Dict `{ state, <camera>: H×W×C pixels }` (flat or nested). */
  act(observation: ArrayLike<number> | Readonly<Record<string, unknown>>, options: { deterministic?: boolean; rng?: () => number } = {}): Action {
    return this.policy.act(observation, { deterministic: options.deterministic ?? true, ...(options.rng ? { rng: options.rng } : {}) }).action;
  }
}

export interface CollectOptions<O = number[]> {
  episodes: number;
  seed: number;
  /** With a policy: DAgger β-mixing (the expert acts with probability β). Without one: demonstrations. */
  expert?: (observation: O) => Action;
  /** Defaults to the round's β (the project's schedule) when an expert is given. */
  beta?: number;
  intervene?: (observation: O, proposed: Action | null) => Action | null | undefined;
  maxSteps?: number;
  /** Upload `env.render()` frames (default: when the env has `render`). */
  frames?: boolean;
  deterministic?: boolean;
  round?: Round;
}

export class Project {
  readonly id: string;
  readonly name: string;
  /** A vector space, or a `Dict` of cameras and `state` (contracts/spaces.ts). */
  readonly observationSpace: TObservationSpace | null;
  readonly actionSpace: TSpace | null;

  constructor(
    readonly client: CorrectiveClient,
    readonly data: TProjectDetail,
  ) {
    this.id = data.id;
    this.name = data.name;
    const external = (data.config as { external?: { observationSpace: TObservationSpace; actionSpace: TSpace } } | null)?.external;
    this.observationSpace = external?.observationSpace ?? null;
    this.actionSpace = external?.actionSpace ?? null;
  }

  private get http() {
    return this.client.http;
  }

  private async download(path: string, fallbackVersion: number): Promise<RemotePolicy> {
    const res = await this.http.request("GET", path, { accept: "application/octet-stream" });
    return new RemotePolicy(Number(res.headers.get("x-policy-version") ?? fallbackVersion), new Uint8Array(await res.arrayBuffer()));
  }

  /** The most recently published policy (what the next round rolls out). */
  latestPolicy(): Promise<RemotePolicy> {
    return this.download(API.latestPolicy(this.id), 0);
  }

  /** Any trained version, published or not. */
  policy(version: number): Promise<RemotePolicy> {
    return this.download(API.policy(this.id, version), version);
  }

  policies(): Promise<TPolicySummary[]> {
    return this.http.json<TPolicySummary[]>("GET", API.policies(this.id));
  }

  /** Starts the next round; with `resume`, a round still collecting (e.g. after a crash) is returned instead. */
  async startRound(opts: { resume?: boolean } = {}): Promise<Round> {
    if (opts.resume) {
      const current = await this.currentRound();
      if (current?.status === "collecting") return current;
    }
    return new Round(this, await this.http.json<TRound>("POST", API.rounds(this.id), {}));
  }

  async round(index: number): Promise<Round> {
    return new Round(this, await this.http.json<TRound>("GET", API.round(this.id, index)));
  }

  async currentRound(): Promise<Round | null> {
    const rounds = await this.http.json<TRound[]>("GET", API.rounds(this.id));
    const last = rounds.reduce<TRound | null>((a, r) => (a === null || r.index > a.index ? r : a), null);
    return last ? new Round(this, last) : null;
  }

  /** Runs episodes (seeds `seed`, `seed+1`, …) in a Gymnasium-shaped env for the current round; see CollectOptions. */
  /** Camera envs: `collect<DictObservation>(…)` types the steps' observations as Dicts. */
  async collect<O = number[]>(env: GymEnv<unknown>, policy: Actor | null, opts: CollectOptions<O>): Promise<Episode<O>[]> {
    const round = opts.round ?? (await this.currentRound());
    const index = round?.status === "collecting" ? round.index : null;
    const beta = opts.beta ?? (opts.expert && policy && round ? round.beta : 0);
    const rng = mulberry32(opts.seed);
    let render = opts.frames ?? typeof env.render === "function";
    const out: Episode<O>[] = [];
    for (let i = 0; i < opts.episodes; i++) {
      const seed = opts.seed + i;
      const ep = await runEpisode(env, policy, {
        seed,
        id: await rolloutId(this.id, index, seed),
        beta,
        rng,
        render,
        ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
        ...(opts.expert ? { expert: opts.expert } : {}),
        ...(opts.intervene ? { intervene: opts.intervene } : {}),
        ...(opts.deterministic === undefined ? {} : { deterministic: opts.deterministic }),
      });
      if (render && ep.steps.every((s) => s.frame === null)) render = false;
      out.push(ep);
    }
    return out;
  }

  /** Runs `policy` deterministically on seeded episodes and posts them for its version (learning curve, publish-if-better). */
  async evaluate(env: GymEnv<unknown>, policy: RemotePolicy, opts: { episodes?: number; seed?: number; maxSteps?: number; returnRange?: [number, number] } = {}): Promise<TEvaluationResult> {
    const episodes: TPostEvaluation["episodes"] = [];
    for (let i = 0; i < (opts.episodes ?? 10); i++) {
      const ep = await runEpisode(env, policy, { seed: (opts.seed ?? 100_000) + i, id: crypto.randomUUID(), ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }) });
      episodes.push({ return: ep.totalReturn, length: ep.steps.length, ...(ep.success === null ? {} : { success: ep.success }) });
    }
    return this.postEvaluation(policy.version, { episodes, ...(opts.returnRange ? { returnRange: opts.returnRange } : {}) });
  }

  postEvaluation(version: number, body: TPostEvaluation): Promise<TEvaluationResult> {
    return this.http.json<TEvaluationResult>("POST", API.policyEvaluations(this.id, version), body);
  }

  /**
   * Leases up to `count` (1–100) tasks of the labelling round at once, each with its state and replay context,
   * skipping the task ids in `exclude` (those you already hold). None leased: `waiting` > 0 means others hold
   * tasks you may label (ask again shortly), 0 that nothing is left for you.
   */
  claimTasks(count = 20, exclude: string[] = []): Promise<TClaimedTasks> {
    return this.http.json<TClaimedTasks>("POST", API.claimTasks(this.id), { count, exclude });
  }

  /**
   * Submits labels, 100 per request, each answered on its own (`status` 201 stored, 200 already stored, 4xx
   * refused with `error`), in the order given. Labels without an `id` get a random UUID before the first
   * request, so a retried request (a lost answer) stores each label once.
   */
  async submitLabels(labels: LabelInput[]): Promise<TLabelResult[]> {
    const withIds = labels.map((l) => ({ ...l, id: l.id ?? crypto.randomUUID() }));
    const out: TLabelResult[] = [];
    for (let i = 0; i < withIds.length; i += MAX_BATCH) {
      out.push(...(await this.http.json<{ results: TLabelResult[] }>("POST", API.labels, { labels: withIds.slice(i, i + MAX_BATCH) })).results);
    }
    return out;
  }
}

const rank = (s: TRoundStatus) => (s === "failed" ? -1 : ROUND_STATUSES.indexOf(s));

export class Round {
  data: TRound;

  constructor(
    readonly project: Project,
    data: TRound,
  ) {
    this.data = data;
  }

  get index() {
    return this.data.index;
  }
  get status() {
    return this.data.status;
  }
  /** The project's β for this round: the share of steps a given expert should act (clients mix it in). */
  get beta() {
    return this.data.beta;
  }

  private get http() {
    return this.project.client.http;
  }

  async refresh(): Promise<Round> {
    this.data = await this.http.json<TRound>("GET", API.round(this.project.id, this.index));
    return this;
  }

  /** Ends collecting (round 0 → training; later rounds → labelling) or labelling. */
  async close(): Promise<Round> {
    this.data = await this.http.json<TRound>("POST", API.closeRound(this.project.id, this.index), {});
    return this;
  }

  /**
   * Resolves when the round reaches `status` or a later one: pushed over socket.io, with polling as the
   * fallback (and every few seconds regardless, so a missed event costs seconds, not the timeout).
   */
  async waitFor(status: Exclude<TRoundStatus, "failed">, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<Round> {
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    let wake: (() => void) | null = null;
    const stop = await this.project.client.events(this.project.id, (e) => {
      if (e.type === "round:status" && e.roundIndex === this.index) wake?.();
    });
    const pollMs = opts.pollMs ?? (stop ? 5000 : 500);
    try {
      for (;;) {
        await this.refresh();
        if (this.status === "failed") throw new RoundFailedError(`round ${this.index} failed: ${this.data.error ?? "unknown error"}`, "ROUND_FAILED");
        if (rank(this.status) >= rank(status)) return this;
        const left = deadline - Date.now();
        if (left <= 0) throw new WaitTimeoutError(`round ${this.index} is still ${this.status} (waiting for ${status})`, "TIMEOUT");
        await Promise.race([sleep(Math.min(pollMs, left)), new Promise<void>((r) => (wake = r))]);
      }
    } finally {
      stop?.();
    }
  }

  /** The policy this round trained (once it is `evaluating` or later). */
  async resultPolicy(): Promise<RemotePolicy> {
    if (!this.data.resultPolicyId) await this.refresh();
    const found = (await this.project.policies()).find((p) => p.id === this.data.resultPolicyId);
    if (!found) throw new RoundStateError(`round ${this.index} has not trained a policy yet (it is ${this.status})`, "CONFLICT");
    return this.project.policy(found.version);
  }

  /**
   * Uploads episodes: demonstrations in round 0, rollouts later (frames first, as PNG, in batches). Safe to call
   * again after a crash or timeout: ids already stored are reported as duplicates and not stored twice.
   * With a `Dict` observation space every step is checked first (SpaceError naming
   * `episodes.<e>.steps.<t>.observation.<key>`), each camera image goes up as a PNG frame, and the observation as
   * `{ state, <camera>: frame id }`.
   */
  async uploadRollouts(episodes: Episode<Observation>[], onProgress?: (counts: { rollouts: number; duplicates: number; of: number }) => void): Promise<{ rollouts: number; duplicates: number; frames: number; steps: number }> {
    this.check(episodes);
    const steps = episodes.reduce((n, e) => n + e.steps.length, 0);
    let stored = 0;
    let duplicates = 0;
    const frames = await this.uploadFrames(episodes, this.index !== 0);
    const observation = (ep: Episode<Observation>, t: number) => observationJson(this.project.observationSpace, ep.steps[t]!.observation, (cam) => frames.get(`${ep.id}/${t}/${cam}`) as string);
    if (this.index === 0) {
      for (const chunk of chunkBySteps(episodes, MAX_STEPS_PER_REQUEST)) {
        const body = { source: "expert" as const, episodes: chunk.map((ep) => ({ id: ep.id, steps: ep.steps.map((s, t) => ({ observation: observation(ep, t), action: s.action, ...(s.state ? { state: s.state } : {}) })) })) };
        const res = await this.http.json<{ rolloutIds: string[]; duplicates: number }>("POST", API.demonstrations(this.project.id), body);
        stored += res.rolloutIds.length;
        duplicates += res.duplicates;
        onProgress?.({ rollouts: stored, duplicates, of: episodes.length });
      }
      return { rollouts: stored, duplicates, frames: frames.size, steps };
    }
    for (const chunk of chunkBySteps(episodes, MAX_STEPS_PER_REQUEST)) {
      const rollouts: TExternalRollout[] = chunk.map((ep) => ({
        id: ep.id,
        ...(ep.seed === null ? {} : { seed: ep.seed }),
        steps: ep.steps.map((s, t) => ({
          observation: observation(ep, t),
          ...(s.state ? { state: s.state } : {}),
          ...(s.policyAction === null ? {} : { policyAction: s.policyAction }),
          ...(s.reward === null ? {} : { reward: s.reward }),
          ...(frames.has(`${ep.id}/${t}`) ? { frameId: frames.get(`${ep.id}/${t}`) as string } : {}),
          ...(s.intervention ? { intervention: { action: s.action } } : {}),
        })),
      }));
      const res = await this.http.json<TUploadedRollouts>("POST", API.rollouts(this.project.id), { rollouts });
      stored += res.rollouts.length;
      duplicates += res.rollouts.filter((r) => r.duplicate).length;
      onProgress?.({ rollouts: stored, duplicates, of: episodes.length });
    }
    return { rollouts: stored, duplicates, frames: frames.size, steps };
  }

  private check(episodes: Episode<Observation>[]): void {
    const { observationSpace: obs, actionSpace: act } = this.project;
    const refuse = (field: string, problem: string) => new SpaceError(`${field}: ${problem}`, "UNPROCESSABLE", null, { [field]: [problem] });
    episodes.forEach((ep, e) =>
      ep.steps.forEach((s, t) => {
        const field = `episodes.${e}.steps.${t}.observation`;
        if (obs?.type === "dict") {
          const problem = dictObservationProblem(obs, s.observation);
          if (problem) throw refuse(problem[0] ? `${field}.${problem[0]}` : field, problem[1]);
        } else if (!Array.isArray(s.observation)) throw refuse(field, "must be an array of numbers (this project's observations have no images)");
        else {
          const dim = obs ? stateDim(obs) : s.observation.length;
          if (s.observation.length !== dim) throw refuse(field, `must have ${dim} elements, got ${s.observation.length}`);
        }
        const problem = act && (this.index === 0 || s.intervention) ? actionProblem(act, s.action) : null;
        if (problem) throw refuse(`episodes.${e}.steps.${t}.action`, problem);
      }),
    );
  }

  /**
   * PNG-encodes every step's camera images (Dict observations) and, with `people`, its `render()` frame, and uploads
   * them in batches; returns `<episode>/<t>/<camera>` and `<episode>/<t>` → frame id.
   */
  private async uploadFrames(episodes: Episode<Observation>[], people: boolean): Promise<Map<string, string>> {
    const space = this.project.observationSpace;
    const ids = new Map<string, string>();
    let batch: Uint8Array[] = [];
    let size = 0;
    const flush = async () => {
      if (!batch.length) return;
      const body = new Uint8Array(size);
      let at = 0;
      for (const r of batch) {
        body.set(r, at);
        at += r.length;
      }
      await this.http.request("POST", API.frames(this.project.id), { body, contentType: FRAME_BATCH_MIME }).then((r) => r.json() as Promise<{ data: TUploadedFrames }>);
      [batch, size] = [[], 0];
    };
    const add = async (key: string, id: string, data: Uint8Array) => {
      const record = new Uint8Array(20 + data.length);
      record.set(id.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16)), 0);
      new DataView(record.buffer).setUint32(16, data.length);
      record.set(data, 20);
      if (batch.length && (batch.length >= MAX_FRAMES_PER_REQUEST || size + record.length > MAX_FRAME_BYTES_PER_REQUEST)) await flush();
      batch.push(record);
      size += record.length;
      ids.set(key, id);
    };
    for (const ep of episodes) {
      for (const [t, s] of ep.steps.entries()) {
        if (space?.type === "dict" && !Array.isArray(s.observation)) {
          // Lossless PNG (the server refuses JPEG here): the stored pixels are the ones the policy saw.
          for (const cam of cameraKeys(space)) {
            const [height, width, channels] = (space.spaces[cam] as TImageSpace).shape;
            await add(`${ep.id}/${t}/${cam}`, await imageFrameId(ep.id, t, cam), await encodePng({ data: (s.observation as DictObservation)[cam] as ArrayLike<number>, width, height, channels }));
          }
        }
        if (s.frame === null || !people) continue;
        const data = s.frame instanceof Uint8Array ? s.frame : await encodePng(s.frame);
        if (!isImage(data)) throw new FrameError(`episode ${ep.id} step ${t}: a frame must be PNG or JPEG bytes, or an RGB image`, "UNPROCESSABLE");
        await add(`${ep.id}/${t}`, await frameId(ep.id, t), data);
      }
    }
    await flush();
    return ids;
  }
}

/**
 * What is wrong with a step's Dict observation against the space, as `[key, problem]` (key "" for the whole
 * observation), or null: every key of the space present, `state` of the state's length, each camera exactly
 * `H·W·C` integer pixels 0–255. Keys the space does not have are not sent, so they are not checked.
 */
export function dictObservationProblem(space: TDictSpace, obs: Observation): [string, string] | null {
  if (Array.isArray(obs)) return ["", `must be a Dict with keys ${Object.keys(space.spaces).sort().join(", ")}`];
  const dict = obs as DictObservation;
  for (const [key, sub] of Object.entries(space.spaces)) {
    const v = dict[key];
    if (v === undefined) return [key, "is missing"];
    if (!isImageSpace(sub)) {
      if (v.length !== sub.shape[0]) return [key, `must have ${sub.shape[0]} elements, got ${v.length}`];
      const bad = Array.from(v).findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) return [`${key}.${bad}`, "must be a finite number"];
      continue;
    }
    const [h, w, c] = sub.shape;
    if (v.length !== h * w * c) return [key, `has ${v.length} pixel values; the space says ${h}×${w}×${c} = ${h * w * c}`];
    if (!(v instanceof Uint8Array) && v.some((x: number) => !Number.isInteger(x) || x < 0 || x > 255)) return [key, "must hold integer pixels 0–255 (uint8)"];
  }
  return null;
}

/** A step's observation as the API takes it: the vector, or the state and each camera's frame id. */
function observationJson(space: TObservationSpace | null, obs: Observation, frameOf: (camera: string) => string): number[] | Record<string, string | number[]> {
  if (Array.isArray(obs) || space?.type !== "dict") return obs as number[];
  const state = (obs as DictObservation)[STATE_KEY];
  return { ...(state === undefined ? {} : { [STATE_KEY]: Array.from(state) }), ...Object.fromEntries(cameraKeys(space).map((cam) => [cam, frameOf(cam)])) };
}
