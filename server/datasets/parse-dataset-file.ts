/**
 * Parsing and validating an imported `jsonl` dataset against a project's spaces (LeRobot `.tar`s:
 * parse-lerobot-tar.ts).
 * Read in pages as the import stages them (open-import.ts): the first bad line stops the import with a 422
 * naming the file and line, and the import deletes what it staged (server/rounds/import-dataset.ts: nothing
 * was visible). Parsing gives way to other requests every few milliseconds (server/batching/cooperative.ts).
 */
import type { ZodError } from "zod";
import { SAMPLE_LIMITS, SOURCE_RE, ZJsonlSample, type TJsonlSample } from "../../contracts/datasets";
import { actionProblem, type TSpace } from "../../contracts/spaces";
import { createYielder } from "../batching/cooperative";
import { AppError } from "../errors";
import type { DatasetSampleInput } from "./write-version";

export const MAX_IMPORT_SAMPLES = 1_000_000;

export interface Spaces {
  observationSpace: TSpace;
  actionSpace: TSpace;
}

/** A 422 naming where the problem is: `line 17: action: …` / `data/chunk-000/episode_000002.jsonl line 5: …`. */
export function badLine(where: string, problem: string): AppError {
  return new AppError("UNPROCESSABLE", `${where}: ${problem}`, { fieldErrors: { [where]: [problem] } });
}

const zodProblem = (err: ZodError) => {
  const issue = err.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}` : "invalid";
};

export function checkSample(spaces: Spaces, where: string, observation: number[], action: number | number[]): void {
  const dim = spaces.observationSpace.type === "box" ? spaces.observationSpace.shape[0] : 1;
  if (observation.length !== dim) throw badLine(where, `observation must have ${dim} elements, got ${observation.length}`);
  const problem = actionProblem(spaces.actionSpace, action);
  if (problem) throw badLine(where, `action ${problem}`);
}

function parseLine(where: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badLine(where, "not valid JSON");
  }
}

/** Finite numbers only, 1 to `max` of them. */
export function isVector(v: unknown, max: number): v is number[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > max) return false;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number" || !Number.isFinite(x)) return false;
  }
  return true;
}

/** Absent, or a safe integer ≥ 0 (an index). */
export const isCount = (v: unknown) => v === undefined || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0);

const JSONL_KEYS = new Set(["observation", "action", "source", "version", "episode_index", "frame_index", "state_id"]);

/**
 * ZJsonlSample's result for a line that plainly satisfies it, checked without zod; null sends the line to zod,
 * which decides and words the problem (as for a `.tar`'s rows: parse-lerobot-tar.ts `plainRow` — zod's parse
 * is most of what a line's validation allocates).
 */
function plainJsonlSample(v: unknown): TJsonlSample | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  for (const k in o) if (!JSONL_KEYS.has(k)) return null;
  const { observation, action, source, version, episode_index, frame_index, state_id } = o;
  if (!isVector(observation, SAMPLE_LIMITS.observation)) return null;
  if (!(typeof action === "number" ? Number.isFinite(action) : isVector(action, SAMPLE_LIMITS.action))) return null;
  if (source !== undefined && !(typeof source === "string" && source.length <= SAMPLE_LIMITS.sourceLength && SOURCE_RE.test(source))) return null;
  if (!isCount(version) || !isCount(episode_index) || !isCount(frame_index)) return null;
  if (state_id !== undefined && state_id !== null && typeof state_id !== "string") return null;
  return { ...(o as TJsonlSample), source: (source as string | undefined) ?? "import", episode_index: (episode_index as number | undefined) ?? 0, frame_index: (frame_index as number | undefined) ?? 0 };
}

/**
 * The lines of a text given whole or as pieces pulled one at a time (the import's worker decodes the body a
 * piece at a time: server/datasets/import-rows-worker.ts), without `\n` / `\r\n`: no 23 MB `split` or `join`
 * in one go, and a piece is no longer referenced once its lines are read, so the text already parsed can be
 * collected.
 */
function* lines(pieces: string | Iterable<string>): Generator<string> {
  let carry = ""; // the start of a line that runs on into the next piece
  for (const text of typeof pieces === "string" ? [pieces] : pieces) {
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      const line = carry + text.slice(start, end);
      carry = "";
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
      start = end + 1;
    }
    carry += text.slice(start);
  }
  yield carry.endsWith("\r") ? carry.slice(0, -1) : carry;
}

/**
 * The samples of a `jsonl` file in pages of at most `pageSize`, validated line by line as they are read: at
 * most one page of samples exists as objects at a time (a 100k-sample file parsed whole grew the server's
 * RSS by ~150 MiB, bench:export). Distinct episodes and samples are counted into `counts` as the pages go;
 * the first bad line throws.
 */
export async function* jsonlPages(text: string | Iterable<string>, spaces: Spaces, counts: JsonlCounts, pageSize: number): AsyncGenerator<DatasetSampleInput[]> {
  const episodes = new Set<string>();
  const maybeYield = createYielder();
  let page: DatasetSampleInput[] = [];
  let i = -1;
  for (const raw of lines(text)) {
    i++;
    await maybeYield();
    if (raw.trim() === "") continue;
    const where = `line ${i + 1}`;
    const json = parseLine(where, raw);
    let s = plainJsonlSample(json);
    if (!s) {
      const parsed = ZJsonlSample.safeParse(json);
      if (!parsed.success) throw badLine(where, zodProblem(parsed.error));
      s = parsed.data;
    }
    checkSample(spaces, where, s.observation, s.action);
    if (counts.samples >= MAX_IMPORT_SAMPLES) throw badLine(where, `more than ${MAX_IMPORT_SAMPLES} samples`);
    episodes.add(`${s.version ?? 0}:${s.episode_index}`);
    counts.episodes = episodes.size;
    counts.samples++;
    page.push({ stateId: null, observation: s.observation, action: s.action, source: s.source, episode: s.episode_index, frameIndex: s.frame_index });
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (counts.samples === 0) throw badLine("line 1", "the file has no samples");
  if (page.length > 0) yield page;
}

/** What {@link jsonlPages} has read so far (all of it once the pages are done). */
export interface JsonlCounts {
  samples: number;
  episodes: number;
}
