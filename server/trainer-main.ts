/**
 * `npm run trainer`: a job worker process (e.g. on a GPU machine) taking collect/aggregate/train/evaluate
 * jobs from the same database as the web process. Needs DATABASE_URL (the embedded database is private to
 * its web process). Start the web process with IN_PROCESS_JOBS=0 to leave all jobs to such workers.
 */
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { ConfigError, parseWorkerConfig, type WorkerConfig } from "./config";
import { RoundRunner } from "./rounds/round-runner";
import { startRealtimeRelay, stopRealtimeRelay } from "./realtime/start-relay";

let config: WorkerConfig;
try {
  config = parseWorkerConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
const database = await openDatabase({ url: config.databaseUrl, poolSize: config.poolSize });
await migrateDatabase(database.db);
// The jobs' events (round status, training progress, policy published) reach the web nodes' sockets.
const relay = await startRealtimeRelay(database, { listen: false });
const runner = new RoundRunner(database.db, config.jobLeaseMs ? { leaseMs: config.jobLeaseMs } : {});
runner.start();
console.log(`[trainer] ${runner.workerId} taking jobs from PostgreSQL`);
const stop = async () => {
  await runner.stop();
  await stopRealtimeRelay(relay);
  await database.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
