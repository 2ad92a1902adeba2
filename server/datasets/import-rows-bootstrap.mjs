// Entry of the `.tar` import's row worker thread (import-rows.ts): registers tsx's loader in this thread, then
// loads the worker module from its TypeScript source (as the trainer's worker does: trainer/worker/bootstrap.mjs).
import { register } from "tsx/esm/api";

register();
await import("./import-rows-worker.ts");
