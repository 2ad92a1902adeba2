/** Messages between the LeRobot export and its writer worker (lerobot-writer-worker.ts). */
import type { DataWriterSummary } from "./lerobot-data-writer.mjs";
import type { SamplePage } from "./sample-pages";

export type WriterRequest = { type: "page"; page: SamplePage } | { type: "finish" };

export type WriterReply = { type: "ready" } | { type: "ack" } | { type: "done"; summary: DataWriterSummary } | { type: "error"; message: string };
