/**
 * Worker thread of the LeRobot export (export-dataset-lerobot.ts): receives sample pages, appends each to
 * the data file (lerobot-data-writer.ts), acknowledges it; on `finish` closes the files and answers the
 * summary. Any error is answered once and ends the worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LeRobotDataWriter, type DataWriterOptions } from "./lerobot-data-writer";
import type { WriterReply, WriterRequest } from "./lerobot-writer-protocol";

const port = parentPort;
if (!port) throw new Error("lerobot-writer-worker must run in a worker thread");
const reply = (r: WriterReply) => port.postMessage(r);

try {
  const writer = new LeRobotDataWriter(workerData as DataWriterOptions);
  port.on("message", (req: WriterRequest) => {
    try {
      if (req.type === "page") {
        writer.writePage(req.page);
        reply({ type: "ack" });
      } else {
        reply({ type: "done", summary: writer.finish() });
      }
    } catch (err) {
      reply({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  reply({ type: "ready" });
} catch (err) {
  reply({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
