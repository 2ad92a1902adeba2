// Worker-thread entry: registers tsx's loader in this thread, then runs the TypeScript simulation worker.
import { register } from "tsx/esm/api";

register();
await import("./sim-worker.ts");
