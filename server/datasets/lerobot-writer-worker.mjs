/**
 * Worker thread of the LeRobot export (export-dataset-lerobot.ts): receives sample pages, appends each to
 * the data file (lerobot-data-writer.mjs), acknowledges it; on `finish` closes the files and answers the
 * summary. Any error is answered (`{type: "error"}`); the export then ends the worker. Messages:
 * lerobot-writer-protocol.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LeRobotDataWriter } from "./lerobot-data-writer.mjs";

const port = parentPort;
if (!port) throw new Error("lerobot-writer-worker must run in a worker thread");
const errorReply = (/** @type {unknown} */ err) => ({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });

try {
  const writer = new LeRobotDataWriter(workerData);
  port.on("message", (/** @type {{type: "page", page: any} | {type: "finish"}} */ req) => {
    try {
      if (req.type === "page") {
        writer.writePage(req.page);
        port.postMessage({ type: "ack" });
      } else {
        port.postMessage({ type: "done", summary: writer.finish() });
      }
    } catch (err) {
      port.postMessage(errorReply(err));
    }
  });
  port.postMessage({ type: "ready" });
} catch (err) {
  port.postMessage(errorReply(err));
}
