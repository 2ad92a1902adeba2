// Entry of the trainer worker thread when the trainer runs from TypeScript sources (under tsx or
// vitest): registers tsx's loader in this thread, then loads the real worker module.
import { register } from "tsx/esm/api";

register();
await import("./train-worker.ts");
