// Worker-thread entry: registers tsx's loader in this thread, then runs the TypeScript LeRobot data writer.
import { register } from "tsx/esm/api";

register();
await import("./lerobot-writer-worker.ts");
