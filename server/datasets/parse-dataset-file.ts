/**
 * Parsing and validating an imported `jsonl` dataset against a project's spaces (LeRobot `.tar`s:
 * parse-lerobot-tar.ts).
 * All or nothing: the first bad line stops the import with a 422 naming the file and line, before anything
 * is written. Parsing gives way to other requests every few milliseconds (server/batching/cooperative.ts).
 */
import type { ZodError } from "zod";
import { ZJsonlSample } from "../../contracts/datasets";
import { actionProblem, type TSpace } from "../../contracts/spaces";
import { createYielder } from "../batching/cooperative";
import { AppError } from "../errors";
import type { DatasetSampleInput } from "./write-version";

export const MAX_IMPORT_SAMPLES = 1_000_000;

export interface ParsedDataset {
  samples: DatasetSampleInput[];
  episodes: number;
}

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

/** The lines of `text` (without `\n` / `\r\n`), one at a time: no 23 MB `split` in one go. */
function* lines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    yield text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
  }
}

export async function parseJsonl(text: string, spaces: Spaces): Promise<ParsedDataset> {
  const samples: DatasetSampleInput[] = [];
  const episodes = new Set<string>();
  const maybeYield = createYielder();
  let i = -1;
  for (const raw of lines(text)) {
    i++;
    await maybeYield();
    if (raw.trim() === "") continue;
    const where = `line ${i + 1}`;
    const parsed = ZJsonlSample.safeParse(parseLine(where, raw));
    if (!parsed.success) throw badLine(where, zodProblem(parsed.error));
    const s = parsed.data;
    checkSample(spaces, where, s.observation, s.action);
    if (samples.length >= MAX_IMPORT_SAMPLES) throw badLine(where, `more than ${MAX_IMPORT_SAMPLES} samples`);
    episodes.add(`${s.version ?? 0}:${s.episode_index}`);
    samples.push({ stateId: null, observation: s.observation, action: s.action, source: s.source, episode: s.episode_index, frameIndex: s.frame_index });
  }
  if (samples.length === 0) throw badLine("line 1", "the file has no samples");
  return { samples, episodes: episodes.size };
}

export function parseDataset(body: string, spaces: Spaces): Promise<ParsedDataset> {
  return parseJsonl(body, spaces);
}
