/**
 * The CLI's commands: each names the options it takes, which of them are required, whether it needs a
 * token, and what it does against `/api/v1`. Paths come from `contracts/routes.ts`, like everywhere else.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { chunkBySteps } from "../clients/typescript/src/collect";
import type { TEvaluationResult } from "../contracts/policies";
import { API } from "../contracts/routes";
import { MAX_BATCH, ROUND_STATUSES, type TBatchLabel, type TClaimedTasks, type TExternalRollout, type TLabelResult, type TPostEvaluation, type TRound, type TRoundStatus, type TUploadedRollouts } from "../contracts/rounds";
import { DATASET_FORMATS, POLICY_FORMATS } from "../contracts/datasets";
import { PROJECT_ROLES, type TProjectSummary } from "../contracts/projects";
import { ApiClient, CliError } from "./http-client";

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  client: ApiClient;
  opts: OptionValues;
  /** Prints the result: JSON with `--json`, else the human text. */
  result: (data: unknown, human: string) => void;
  /** A line on stderr for people (never part of the machine output). */
  note: (line: string) => void;
  /** A progress line on stderr that replaces the previous one on a terminal. */
  progress: (line: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: string[];
  required: string[];
  auth: boolean;
  run: (ctx: CommandContext) => Promise<void>;
}

/** Options each command may take (besides the global --url, --token, --json, --help). All take a value. */
export const COMMAND_OPTIONS = ["email", "password", "name", "env", "description", "settings", "project", "role", "file", "source", "scripted-demos", "index", "wait", "timeout", "interval", "version", "out", "format", "external", "return-range", "count"] as const;

const str = (opts: OptionValues, name: string) => opts[name] as string;

function intOption(opts: OptionValues, name: string, min = 0): number | undefined {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || Number(raw) < min) throw new CliError(`--${name} must be an integer ≥ ${min}, got "${String(raw)}"`, 2);
  return Number(raw);
}

/** `--version N` or `--version latest`. */
function versionOption(opts: OptionValues): number | "latest" {
  return opts.version === "latest" ? "latest" : intOption(opts, "version")!;
}

function choiceOption<T extends string>(opts: OptionValues, name: string, choices: readonly T[]): T | undefined {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !(choices as readonly string[]).includes(raw)) throw new CliError(`--${name} must be one of ${choices.join(", ")}, got "${String(raw)}"`, 2);
  return raw as T;
}

function jsonOption(opts: OptionValues, name: string): unknown {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(String(raw));
  } catch (err) {
    throw new CliError(`--${name} is not valid JSON: ${(err as Error).message}`, 2);
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n");
}

/** One line describing a round: status, labelling and training progress, evaluation. */
export function describeRound(r: TRound): string {
  const parts = [`round ${r.index}: ${r.status}`];
  const p = r.progress;
  if (p.tasksTotal > 0) parts.push(`tasks ${p.tasksDone}/${p.tasksTotal}, ${p.labels} labels`);
  parts.push(`${p.rollouts} rollouts, ${p.states} states`);
  const t = p.training as { epoch?: number; epochs?: number; loss?: number; done?: boolean } | undefined;
  if (t?.epoch !== undefined && t.epochs !== undefined && !t.done) parts.push(`training epoch ${t.epoch}/${t.epochs}${t.loss !== undefined ? ` loss ${t.loss.toFixed(4)}` : ""}`);
  if (r.datasetVersion !== null) parts.push(`dataset v${r.datasetVersion}`);
  if (r.metrics) {
    const m = r.metrics;
    parts.push(`mean return ${m.meanReturn.toFixed(1)}${m.normalizedReturn !== null ? ` (normalised ${m.normalizedReturn.toFixed(3)})` : ""} over ${m.episodes} episodes`);
  }
  if (r.error) parts.push(`error: ${r.error}`);
  return parts.join(" · ");
}

/** Whether `current` is `target` or comes after it in the round's life (failed is never "after"). */
function reached(current: TRoundStatus, target: TRoundStatus): boolean {
  if (current === target) return true;
  if (current === "failed" || target === "failed") return false;
  return ROUND_STATUSES.indexOf(current) > ROUND_STATUSES.indexOf(target);
}

async function latestRoundIndex(client: ApiClient, projectId: string): Promise<number> {
  const rounds = (await client.request<TRound[]>("GET", API.rounds(projectId))) ?? [];
  const last = rounds.at(-1);
  if (!last) throw new CliError(`project ${projectId} has no rounds yet; start one with \`corrective round start --project ${projectId}\``);
  return last.index;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const COMMANDS: Command[] = [
  {
    name: "login",
    summary: "Log in with email and password; prints a new API token",
    usage: "--email EMAIL --password PASSWORD",
    options: ["email", "password"],
    required: ["email", "password"],
    auth: false,
    async run({ client, opts, result, note }) {
      const data = await client.request<{ token: string; expiresAt: string; user: { email: string; name: string } }>("POST", API.login, { email: str(opts, "email"), password: str(opts, "password") });
      note(`logged in as ${data!.user.name} <${data!.user.email}>; the token expires ${data!.expiresAt} (12 h; for a robot create one with \`token create\`); use it with --token or: export CORRECTIVE_TOKEN=<token>`);
      result(data, data!.token);
    },
  },
  {
    name: "token create",
    summary: "Create a named API token (for a robot, CI…); prints it once",
    usage: "--name NAME",
    options: ["name"],
    required: ["name"],
    auth: true,
    async run({ client, opts, result }) {
      const data = await client.request<{ token: string }>("POST", API.tokens, { name: str(opts, "name") });
      result(data, data!.token);
    },
  },
  {
    name: "projects list",
    summary: "List your projects",
    usage: "",
    options: [],
    required: [],
    auth: true,
    async run({ client, result }) {
      const data = (await client.request<TProjectSummary[]>("GET", API.projects)) ?? [];
      const rows = [["ID", "NAME", "ENV", "ROLE", "MEMBERS"], ...data.map((p) => [p.id, p.name, p.envId ?? "(external)", p.role, String(p.memberCount)])];
      result(data, data.length ? table(rows) : "no projects yet");
    },
  },
  {
    name: "project create",
    summary: "Create a project on a built-in environment, or an external one (your robot or simulator); prints its id",
    usage: `--name NAME (--env ENV_ID | --external '{"observationSpace":{…},"actionSpace":{…}}') [--description TEXT] [--settings JSON]`,
    options: ["name", "env", "external", "description", "settings"],
    required: ["name"],
    auth: true,
    async run({ client, opts, result, note }) {
      const settings = jsonOption(opts, "settings");
      const external = jsonOption(opts, "external");
      if ((opts.env === undefined) === (external === undefined)) throw new CliError("give either --env (a built-in environment) or --external (observation and action spaces)", 2);
      const body = {
        name: str(opts, "name"),
        ...(external === undefined ? { envId: str(opts, "env") } : { external }),
        ...(opts.description !== undefined ? { description: str(opts, "description") } : {}),
        ...(settings !== undefined ? { settings } : {}),
      };
      const data = await client.request<TProjectSummary>("POST", API.projects, body);
      note(`created project "${data!.name}" on ${data!.envId ?? "an external environment"}`);
      result(data, data!.id);
    },
  },
  {
    name: "members add",
    summary: "Give an existing account a role in a project",
    usage: `--project ID --email EMAIL --role ${PROJECT_ROLES.join("|")}`,
    options: ["project", "email", "role"],
    required: ["project", "email", "role"],
    auth: true,
    async run({ client, opts, result }) {
      const data = await client.request<{ email: string; role: string }>("POST", API.members(str(opts, "project")), { email: str(opts, "email"), role: str(opts, "role") });
      result(data, `${data!.email} is now ${data!.role}`);
    },
  },
  {
    name: "demos upload",
    summary: "Upload demonstration episodes from a JSON file: {\"episodes\":[{\"steps\":[{\"observation\":[…],\"action\":…}]}]}",
    usage: "--project ID --file demos.json [--source expert|teleop|takeover]",
    options: ["project", "file", "source"],
    required: ["project", "file"],
    auth: true,
    async run({ client, opts, result }) {
      const file = str(opts, "file");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      } catch (err) {
        throw new CliError(`cannot read ${file} as JSON: ${(err as Error).message}`, 2);
      }
      if (opts.source !== undefined) body = { ...body, source: str(opts, "source") };
      const data = await client.request<{ roundIndex: number; rolloutIds: string[]; steps: number }>("POST", API.demonstrations(str(opts, "project")), body);
      result(data, `uploaded ${data!.rolloutIds.length} episodes (${data!.steps} steps) to round ${data!.roundIndex}`);
    },
  },
  {
    name: "round start",
    summary: "Start the next round (round 0 can generate N scripted expert demonstrations)",
    usage: "--project ID [--scripted-demos N]",
    options: ["project", "scripted-demos"],
    required: ["project"],
    auth: true,
    async run({ client, opts, result }) {
      const demos = intOption(opts, "scripted-demos", 1);
      const data = await client.request<TRound>("POST", API.rounds(str(opts, "project")), demos === undefined ? {} : { scriptedDemonstrations: demos });
      result(data, describeRound(data!));
    },
  },
  {
    name: "round close",
    summary: "End the current phase of a round by hand (collecting or labeling)",
    usage: "--project ID --index N",
    options: ["project", "index"],
    required: ["project", "index"],
    auth: true,
    async run({ client, opts, result }) {
      const data = await client.request<TRound>("POST", API.closeRound(str(opts, "project"), intOption(opts, "index")!));
      result(data, describeRound(data!));
    },
  },
  {
    name: "round status",
    summary: "Show a round (the latest by default); --wait STATUS polls until it gets there",
    usage: `--project ID [--index N] [--wait ${ROUND_STATUSES.filter((s) => s !== "failed").join("|")}] [--timeout SECONDS] [--interval SECONDS]`,
    options: ["project", "index", "wait", "timeout", "interval"],
    required: ["project"],
    auth: true,
    async run({ client, opts, result, progress }) {
      const projectId = str(opts, "project");
      const index = intOption(opts, "index") ?? (await latestRoundIndex(client, projectId));
      const get = async () => (await client.request<TRound>("GET", API.round(projectId, index)))!;
      const target = opts.wait as string | undefined;
      if (target === undefined) {
        const round = await get();
        return result(round, describeRound(round));
      }
      if (!(ROUND_STATUSES as readonly string[]).includes(target)) throw new CliError(`--wait must be one of ${ROUND_STATUSES.join(", ")}`, 2);
      const timeoutMs = (intOption(opts, "timeout", 1) ?? 600) * 1000;
      const intervalMs = (intOption(opts, "interval", 1) ?? 1) * 1000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const round = await get();
        progress(describeRound(round));
        if (reached(round.status, target as TRoundStatus)) return result(round, describeRound(round));
        if (round.status === "failed") throw new CliError(`round ${index} failed${round.error ? `: ${round.error}` : ""}; retry it with POST ${API.retryRound(projectId, index)}`);
        if (Date.now() > deadline) throw new CliError(`round ${index} is still ${round.status} after ${timeoutMs / 1000} s (waiting for ${target})`);
        await sleep(intervalMs);
      }
    },
  },
  {
    name: "rollouts upload",
    summary: "Upload rollouts from a JSONL file (one {\"id\"?,\"seed\"?,\"steps\":[…]} per line) to the collecting round; safe to re-run",
    usage: "--project ID --file rollouts.jsonl",
    options: ["project", "file"],
    required: ["project", "file"],
    auth: true,
    async run({ client, opts, result, progress }) {
      const projectId = str(opts, "project");
      const rollouts = readJsonLines<TExternalRollout>(str(opts, "file")).map(({ value, line, text }) => ({ ...value, id: value.id ?? lineId(text, line) }));
      let stored = 0;
      let duplicates = 0;
      let roundIndex = -1;
      for (const batch of chunkBySteps(rollouts, 20_000)) {
        const data = (await client.request<TUploadedRollouts>("POST", API.rollouts(projectId), { rollouts: batch }))!;
        stored += data.rollouts.length;
        duplicates += data.rollouts.filter((r) => r.duplicate).length;
        roundIndex = data.roundIndex;
        progress(`uploaded ${stored}/${rollouts.length} rollouts`);
      }
      const steps = rollouts.reduce((n, r) => n + r.steps.length, 0);
      result({ roundIndex, rollouts: stored, duplicates, steps }, `uploaded ${stored} rollouts (${steps} steps) to round ${roundIndex}${duplicates ? `; ${duplicates} were already there` : ""}`);
    },
  },
  {
    name: "tasks claim",
    summary: "Lease up to N labelling tasks at once (each with its state and replay context); --out writes them as JSONL",
    usage: "--project ID [--count N (1-100, default 20)] [--out tasks.jsonl]",
    options: ["project", "count", "out"],
    required: ["project"],
    auth: true,
    async run({ client, opts, result }) {
      const count = intOption(opts, "count", 1) ?? 20;
      if (count > MAX_BATCH) throw new CliError(`--count must be at most ${MAX_BATCH}, got ${count}`, 2);
      const data = (await client.request<TClaimedTasks>("POST", API.claimTasks(str(opts, "project")), { count }))!;
      if (opts.out !== undefined) fs.writeFileSync(str(opts, "out"), data.tasks.map((t) => JSON.stringify(t)).join("\n") + (data.tasks.length ? "\n" : ""));
      const human = data.tasks.length
        ? table([["TASK", "STATE t", "OBSERVATION", "LEASE UNTIL"], ...data.tasks.map((t) => [t.task.id, String(t.state.t), JSON.stringify(t.state.observation), t.task.leaseExpiresAt])])
        : data.waiting > 0
          ? `no task free right now: ${data.waiting} you may label are held by others; ask again shortly`
          : "nothing left to label for you";
      result(data, opts.out !== undefined ? `leased ${data.tasks.length} tasks → ${str(opts, "out")}` : human);
    },
  },
  {
    name: "labels submit",
    summary: "Submit labels from a JSONL file (one {\"taskId\",\"action\"|\"cantTell\":true,\"id\"?,\"durationMs\"?} per line), 100 per request; safe to re-run",
    usage: "--file labels.jsonl",
    options: ["file"],
    required: ["file"],
    auth: true,
    async run({ client, opts, result, progress }) {
      // A line without an id gets one derived from its text, so re-running the same file stores each label once.
      const all = readJsonLines<Partial<TBatchLabel>>(str(opts, "file")).map(({ value, line, text }) => ({ ...value, id: value.id ?? lineId(text, line) }));
      const results: TLabelResult[] = [];
      for (let i = 0; i < all.length; i += MAX_BATCH) {
        const data = (await client.request<{ results: TLabelResult[] }>("POST", API.labels, { labels: all.slice(i, i + MAX_BATCH) }))!;
        results.push(...data.results);
        progress(`sent ${results.length}/${all.length} labels`);
      }
      const stored = results.filter((r) => r.status === 201).length;
      const duplicates = results.filter((r) => r.status === 200).length;
      const refused = results.filter((r) => r.status >= 400);
      result(
        { stored, duplicates, refused: refused.length, results },
        [`stored ${stored} labels${duplicates ? `; ${duplicates} were already there` : ""}${refused.length ? `; ${refused.length} refused:` : ""}`, ...refused.map((r) => `  task ${r.taskId} label ${r.id}: ${r.status} ${r.error?.message ?? ""}`)].join("\n"),
      );
      if (refused.length) throw new CliError(`${refused.length} of ${results.length} labels were refused`, 1);
    },
  },
  {
    name: "eval post",
    summary: "Post evaluation episodes a client ran with a policy version (JSONL: one {\"return\",\"length\",\"success\"?} per line)",
    usage: "--project ID --version N --file episodes.jsonl [--return-range MIN,MAX]",
    options: ["project", "version", "file", "return-range"],
    required: ["project", "version", "file"],
    auth: true,
    async run({ client, opts, result }) {
      const episodes = readJsonLines<TPostEvaluation["episodes"][number]>(str(opts, "file")).map((l) => l.value);
      const range = opts["return-range"] === undefined ? undefined : String(opts["return-range"]).split(",").map(Number);
      if (range && (range.length !== 2 || !range.every(Number.isFinite))) throw new CliError(`--return-range must be MIN,MAX, got "${String(opts["return-range"])}"`, 2);
      const body: TPostEvaluation = { episodes, ...(range ? { returnRange: range as [number, number] } : {}) };
      const version = intOption(opts, "version", 1)!;
      const data = (await client.request<TEvaluationResult>("POST", API.policyEvaluations(str(opts, "project"), version), body))!;
      const m = data.metrics;
      result(data, `v${version}: mean return ${m.meanReturn.toFixed(2)}${m.normalizedReturn !== null ? ` (normalised ${m.normalizedReturn.toFixed(3)})` : ""} over ${m.episodes} episodes${data.roundIndex !== null ? ` · round ${data.roundIndex}` : ""} · ${data.published ? "published" : `live policy stays v${data.currentVersion}`}`);
    },
  },
  {
    name: "export",
    summary: "Download a dataset version as JSONL or as a LeRobot v3.0 .tar (Parquet)",
    usage: `--project ID --version N|latest --out FILE [--format ${DATASET_FORMATS.join("|")}]`,
    options: ["project", "version", "out", "format"],
    required: ["project", "version", "out"],
    auth: true,
    async run({ client, opts, result }) {
      const version = versionOption(opts);
      const format = choiceOption(opts, "format", DATASET_FORMATS) ?? "jsonl";
      const out = str(opts, "out");
      const headers = await client.download(`${API.datasetExport(str(opts, "project"), version)}?format=${format}`, out);
      const samples = Number(headers.get("x-sample-count") ?? "NaN");
      const resolved = Number(headers.get("x-dataset-version") ?? version);
      const data = { file: out, version: resolved, format, samples: Number.isFinite(samples) ? samples : null, checksum: headers.get("x-checksum") };
      result(data, `wrote ${data.samples ?? "?"} samples of dataset v${resolved} to ${out} (${format})`);
    },
  },
  {
    name: "policy download",
    summary: "Download a policy version (the latest published by default) as an ONNX model or Corrective's blob (crpl); the format follows FILE's extension unless --format says",
    usage: `--project ID --out FILE [--version N|latest] [--format ${POLICY_FORMATS.join("|")}]`,
    options: ["project", "version", "out", "format"],
    required: ["project", "out"],
    auth: true,
    async run({ client, opts, result }) {
      const projectId = str(opts, "project");
      const version = opts.version === undefined ? "latest" : versionOption(opts);
      const out = str(opts, "out");
      const format = choiceOption(opts, "format", POLICY_FORMATS) ?? (out.endsWith(".crpl") ? "crpl" : "onnx");
      const path = version === "latest" ? API.latestPolicy(projectId) : `${API.project(projectId)}/policies/${version}`;
      const headers = await client.download(`${path}?format=${format}`, out);
      const data = { file: out, version: Number(headers.get("x-policy-version")), format, bytes: fs.statSync(out).size };
      result(data, `wrote policy v${data.version} to ${out} (${format}, ${data.bytes} bytes)`);
    },
  },
];

/** The non-empty lines of a JSONL file, parsed (a usage error names the first bad line). */
function readJsonLines<T>(file: string): { value: T; line: number; text: string }[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  const out: { value: T; line: number; text: string }[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    if (!raw.trim()) continue;
    try {
      out.push({ value: JSON.parse(raw) as T, line: i + 1, text: raw });
    } catch (err) {
      throw new CliError(`${file}:${i + 1} is not JSON: ${(err as Error).message}`, 2);
    }
  }
  if (!out.length) throw new CliError(`${file} holds no lines`, 2);
  return out;
}

/** A rollout id from its line number and content: uploading the same file again stores nothing twice. */
function lineId(text: string, line: number): string {
  const h = createHash("sha256").update(`${line}\n${text}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
