/**
 * Reading a dataset file for import: which format the request names, and the samples of a `jsonl` file or a
 * LeRobot `.tar`, read and validated in pages as the insert takes them. Creating the round that holds them is
 * the round lifecycle's business (server/rounds/import-dataset.ts).
 */
import { DATASET_FORMATS, type TDatasetFormat } from "../../contracts/datasets";
import type { TObservationSpace } from "../../contracts/spaces";
import { AppError } from "../errors";
import { jsonlPages, type JsonlCounts, type Spaces } from "./parse-dataset-file";
import type { ImportRows } from "./import-rows";
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
 * as pages of objects (`samples`: JSONL, and a `.tar` for a project with cameras), or as batches of insert JSON
 * prepared by a worker thread (`rows`: a `.tar`; import-rows.ts). `samples` and `episodes` are final once the
 * reading is done (a JSONL file's are counted as it is read).
 */
export type ImportSource = SampleSource | RowSource;

interface Source {
  readonly samples: number;
  readonly episodes: number;
  /** Lets go of what the import spooled (a `.tar`'s temporary files, its worker); called once the import is over, either way. */
  close: () => Promise<void>;
}

export interface SampleSource extends Source {
  kind: "samples";
  batches: () => AsyncIterable<DatasetSampleInput[]> | Iterable<DatasetSampleInput[]>;
}

export interface RowSource extends Source {
  kind: "rows";
  rows: ImportRows;
}

/**
 * The body of an import: JSONL as text (whole or in decoded pieces), a `.tar` as bytes or as the request's
 * chunks while they arrive (the route streams it: the upload is never held whole, server/datasets/parse-lerobot-tar.ts).
 */
export type ImportBody = Uint8Array | string | string[] | AsyncIterable<Uint8Array>;

/** Where a `.tar` import may spool its files (the server's DATA_DIR/tmp); the OS's temporary folder by default. */
export interface ImportOptions {
  spoolDir?: string;
}

const JSONL_PAGE = 5000;

export async function openImport(format: TDatasetFormat, body: ImportBody, spaces: Spaces & { observation?: TObservationSpace; envId?: string | null }, options: ImportOptions = {}): Promise<ImportSource> {
  if (format === "lerobot") {
    const bytes = body instanceof Uint8Array ? [body] : typeof body === "string" ? [new TextEncoder().encode(body)] : Array.isArray(body) ? [new TextEncoder().encode(body.join(""))] : body;
    const source = await openLeRobotTar({ body: bytes, spoolDir: options.spoolDir }, spaces);
    if (source.rows) {
      let rows: ImportRows;
      try {
        rows = await source.rows();
      } catch (err) {
        await source.dispose();
        throw err;
      }
      return {
        kind: "rows",
        samples: source.samples,
        get episodes() {
          return rows.summary?.episodes ?? 0;
        },
        rows,
        close: async () => {
          await rows.close();
          await source.dispose();
        },
      };
    }
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
  const counts: JsonlCounts = { samples: 0, episodes: 0 };
  const pages = jsonlPages(await jsonlText(body), spaces, counts, JSONL_PAGE);
  // The first page is read now, before the import reserves its round: an empty file, or a bad line among the
  // first JSONL_PAGE, is refused before anything is written; later lines are validated as they are staged.
  let first: IteratorResult<DatasetSampleInput[]> | null = await pages.next();
  return {
    kind: "samples",
    // Counted as the lines are read: final after batches().
    get samples() {
      return counts.samples;
    },
    get episodes() {
      return counts.episodes;
    },
    async *batches() {
      const page = first;
      first = null; // not kept for the rest of the import
      if (page && !page.done) yield page.value;
      yield* pages;
    },
    close: async () => {},
  };
}

/** A JSONL body as text: bytes decoded, chunks decoded piece by piece (pieces are what jsonlPages reads across). */
async function jsonlText(body: ImportBody): Promise<string | string[]> {
  if (typeof body === "string" || Array.isArray(body)) return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for await (const chunk of body) parts.push(decoder.decode(chunk, { stream: true }));
  parts.push(decoder.decode());
  return parts;
}
