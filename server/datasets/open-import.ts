/**
 * Reading a dataset file for import: which format the request names, and the samples of a `jsonl` file or a
 * LeRobot `.tar`, read and validated in batches as the insert takes them (by a worker thread: import-rows.ts).
 * Creating the round that holds them is the round lifecycle's business (server/rounds/import-dataset.ts).
 */
import { DATASET_FORMATS, type TDatasetFormat } from "../../contracts/datasets";
import type { TObservationSpace } from "../../contracts/spaces";
import { AppError } from "../errors";
import type { Spaces } from "./parse-dataset-file";
import { startImportRows, type ImportRows } from "./import-rows";
import { openLeRobotTar } from "./parse-lerobot-tar";
import type { DatasetSampleInput } from "./write-version";

export function parseFormat(value: string | null): TDatasetFormat {
  const format = value ?? "jsonl";
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new AppError("VALIDATION", `Unknown dataset format "${format}"; use ${DATASET_FORMATS.join(" or ")}`, { fieldErrors: { format: [`must be ${DATASET_FORMATS.join(" or ")}`] } });
  }
  return format as TDatasetFormat;
}

/**
 * The samples of an import and how to read them for the insert (rows and lines are validated as they are read):
 * as batches of insert JSON prepared by a worker thread (`rows`: JSONL, and a `.tar`; import-rows.ts), or as
 * pages of objects read in this thread (`samples`: a `.tar` for a project with cameras, whose images are stored
 * as frames here). `samples` and `episodes` are final once the reading is done (a JSONL file's are counted as it
 * is read).
 */
export type ImportSource = SampleSource | RowSource;

interface Source {
  readonly samples: number;
  readonly episodes: number;
  /** Lets go of what the import holds (its worker, a `.tar`'s temporary files); called once the import is over, either way. */
  close: () => Promise<void>;
}

export interface SampleSource extends Source {
  kind: "samples";
  batches: () => AsyncIterable<DatasetSampleInput[]>;
}

export interface RowSource extends Source {
  kind: "rows";
  rows: ImportRows;
}

/**
 * The body of an import: JSONL as bytes, text or the request's chunks (gathered, then moved to the worker), a
 * `.tar` as bytes or as the request's chunks while they arrive (the route streams it: the upload is never held
 * whole, server/datasets/parse-lerobot-tar.ts).
 */
export type ImportBody = Uint8Array | string | AsyncIterable<Uint8Array>;

/** Where a `.tar` import may spool its files (the server's DATA_DIR/tmp); the OS's temporary folder by default. */
export interface ImportOptions {
  spoolDir?: string;
}

export async function openImport(format: TDatasetFormat, body: ImportBody, spaces: Spaces & { observation?: TObservationSpace; envId?: string | null }, options: ImportOptions = {}): Promise<ImportSource> {
  const projectSpaces = { observationSpace: spaces.observationSpace, actionSpace: spaces.actionSpace };
  if (format === "jsonl") {
    const blocks = await inBlocks(body);
    return rowSource(await startImportRows({ format: "jsonl", blocks, spaces: projectSpaces }, blocks.map((b) => b.buffer as ArrayBuffer)), 0, async () => {});
  }
  const source = await openLeRobotTar({ body: typeof body === "string" ? [new TextEncoder().encode(body)] : body instanceof Uint8Array ? [body] : body, spoolDir: options.spoolDir }, spaces);
  if (!source.rows) {
    return {
      kind: "samples",
      samples: source.samples,
      // Counted as the rows are read (the rows are validated while they are staged): final after batches().
      get episodes() {
        return source.episodes;
      },
      batches: source.pages,
      close: source.dispose,
    };
  }
  let rows: ImportRows;
  try {
    rows = await source.rows();
  } catch (err) {
    await source.dispose();
    throw err;
  }
  return rowSource(rows, source.samples, source.dispose);
}

/** The samples and episodes are the worker's once it has read every row; before, `declared` samples (a `.tar`'s Parquet metadata). */
function rowSource(rows: ImportRows, declared: number, dispose: () => Promise<void>): RowSource {
  return {
    kind: "rows",
    get samples() {
      return rows.summary?.samples ?? declared;
    },
    get episodes() {
      return rows.summary?.episodes ?? 0;
    },
    rows,
    close: async () => {
      await rows.close();
      await dispose();
    },
  };
}

/** A JSONL body is gathered into blocks of this size, each on an ArrayBuffer of its own. */
const BLOCK_BYTES = 1 << 20;

/**
 * A JSONL body as blocks that the worker can take over (moved, not copied): the request's chunks are copied
 * into them as they arrive (the route's limit applies while they do) and let go at once, so the server holds the
 * body about once, never its chunks and a joined copy together.
 */
async function inBlocks(body: ImportBody): Promise<Uint8Array[]> {
  if (typeof body === "string") return [new TextEncoder().encode(body)];
  if (body instanceof Uint8Array) return [body.slice()];
  const blocks: Uint8Array[] = [];
  let block = new Uint8Array(BLOCK_BYTES);
  let used = 0;
  for await (const chunk of body) {
    for (let at = 0; at < chunk.byteLength; ) {
      if (used === BLOCK_BYTES) {
        blocks.push(block);
        block = new Uint8Array(BLOCK_BYTES);
        used = 0;
      }
      const n = Math.min(BLOCK_BYTES - used, chunk.byteLength - at);
      block.set(chunk.subarray(at, at + n), used);
      used += n;
      at += n;
    }
  }
  blocks.push(used === BLOCK_BYTES ? block : block.slice(0, used));
  return blocks;
}
