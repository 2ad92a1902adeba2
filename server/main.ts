/**
 * The one Node process: Next.js (App Router) and socket.io on the same port, the database (embedded PGlite
 * or PostgreSQL), migrations at start-up, and the demo seed. `npm start` (via scripts/start.mjs) or
 * `npm run dev` (`--dev`) run this file.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { openDatabase, type Database } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { ConfigError, parseConfig, publicHostOf, type Config } from "./config";
import { configureHeapGrowth } from "./heap-growth";
import { setContext, type AppContext } from "./context";
import { startBlobStore } from "./blobs/start-blob-store";
import { discardStaleImports } from "./datasets/discard-import";
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from "./demo/seed-demo";
import { warmUpDemo } from "./demo/warm-up-demo";
import { CLIENT_IP_HEADER, clientAddress, trustedProxyMatcher } from "./limits/client-ip";
import { BASE_HEADERS, drainRequest, serveFastPath } from "./http/fast-path";
import { onClientError, refuseMethod } from "./http/method-guard";
import { trustedOrigins } from "./http/same-origin";
import { RoundRunner } from "./rounds/round-runner";
import { attachRealtime } from "./http/attach-realtime";
import { startRealtimeRelay, stopRealtimeRelay } from "./realtime/start-relay";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SHUTDOWN_GRACE_MS = 10_000;
const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

function readVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  const dev = process.argv.includes("--dev");
  let config: Config;
  try {
    config = parseConfig(process.env, { dev });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  configureHeapGrowth(config.heapGrowingPercent);
  // next-auth reads these from the environment in places that do not receive options. Its public origin comes
  // from configuration (NEXTAUTH_URL, else http://localhost:PORT) — never from a client's X-Forwarded-Host,
  // unless AUTH_TRUST_HOST=1 says a proxy in front sets it (and NEXTAUTH_URL is unset).
  const configuredUrl = process.env.NEXTAUTH_URL;
  process.env.NEXTAUTH_SECRET = config.authSecret;
  if (config.trustHost) process.env.AUTH_TRUST_HOST = "1";
  else {
    delete process.env.AUTH_TRUST_HOST;
    process.env.NEXTAUTH_URL = config.authUrl;
  }
  if (config.authSecretSource === "file") console.log(`[auth] NEXTAUTH_SECRET unset: signing sessions with the generated secret in ${config.dataDir}`);

  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl, poolSize: config.poolSize } : { dataDir: config.dataDir, poolSize: config.poolSize },
  );
  await migrateDatabase(database.db);
  const discarded = await discardStaleImports(database.db);
  if (discarded) console.log(`[import] discarded ${discarded} dataset import(s) interrupted by a stop`);
  console.log(`[db] ${database.engine === "pglite" ? `embedded PGlite at ${config.dataDir}` : "PostgreSQL"}; migrations applied`);
  // Frames and images live in the blob store (server/blobs/); frames from before it move out in the background.
  const blobMove = new AbortController();
  const blobStart = await startBlobStore(database.db, config.dataDir, { log: (line) => console.log(line), signal: blobMove.signal });
  console.log(`[blobs] ${blobStart.store.describe}`);
  const demoProjectId = config.demo ? await announceDemo(database) : undefined;

  const ctx: AppContext = { config, database, version: readVersion(), startedAt: new Date() };
  setContext(ctx);

  const app = next({ dev, dir: root, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();

  // Served over https (NEXTAUTH_URL names it; behind a TLS-terminating proxy too): browsers are told to keep to it.
  const hsts = new URL(config.authUrl).protocol === "https:";
  const isTrustedProxy = trustedProxyMatcher(config.limits.trustedProxies);
  const server = http.createServer((req, res) => {
    // Overwrite, never trust, the client-ip header: the TCP peer, or what a configured trusted proxy forwarded.
    req.headers[CLIENT_IP_HEADER] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], isTrustedProxy);
    if (hsts) res.setHeader("strict-transport-security", STRICT_TRANSPORT_SECURITY);
    // A handler that answers before the whole body has arrived (413 from a route reading a body without a
    // length) stops reading it. Read the rest and drop it (capped), so the client can finish sending and then read
    // the answer — closing instead cut it off mid-upload (EPIPE) — and the keep-alive connection stays usable.
    res.once("finish", () => {
      if (req.complete) return;
      req.removeAllListeners("readable");
      void drainRequest(req);
    });
    if (refuseMethod(req, res, BASE_HEADERS)) return;
    if (serveFastPath(req, res, ctx)) return;
    void handle(req, res);
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => onClientError(err, socket, BASE_HEADERS));
  // On PostgreSQL, events and presence cross processes (other web nodes, `npm run trainer` workers).
  const relay = await startRealtimeRelay(database, { listen: true });
  const io = attachRealtime(server, ctx, { relay });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  if (config.port === 0 && !configuredUrl) {
    // PORT=0 (tests): the public origin is known only now.
    const url = new URL(config.authUrl);
    url.port = String(port);
    config.authUrl = url.origin;
    if (!config.trustHost) process.env.NEXTAUTH_URL = config.authUrl;
  }
  console.log(`Corrective ${ctx.version} listening on http://${publicHostOf(config.host)}:${port} (${dev ? "development" : "production"}, db: ${database.engine}, bound to ${config.host})`);
  ctx.origins = trustedOrigins(config, port);

  // Training and simulation jobs run here unless this node is web-only (then `npm run trainer` elsewhere).
  const runner = config.inProcessJobs ? new RoundRunner(database.db, config.jobLeaseMs ? { leaseMs: config.jobLeaseMs } : {}) : undefined;
  runner?.start();
  const warmUp = new AbortController();
  if (demoProjectId && config.demoWarmUp) {
    warmUpDemo(database.db, demoProjectId, { signal: warmUp.signal, log: (line) => console.log(line) }).catch((err: unknown) => {
      // Another process got there first (CONFLICT), or the database went away: the demo is then a lead's to run.
      console.warn(`[demo] warm-up stopped: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  installShutdown(server, {
    // Upgraded (websocket) connections are not HTTP requests: `server.close` would wait for them forever,
    // so they are closed as draining starts (clients reconnect to whichever node is up).
    closeSockets: () => {
      io.disconnectSockets(true);
      io.engine.close(); // also transports that never joined a namespace
    },
    closeRest: async () => {
      warmUp.abort();
      blobMove.abort();
      await runner?.stop();
      await blobStart.legacyMove;
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await stopRealtimeRelay(relay);
      await database.close();
    },
  });
}

async function announceDemo(database: Database): Promise<string> {
  const seeded = await seedDemo(database.db);
  console.log(`[demo] ${seeded.created ? "created" : "found"} the demo project. Sign in with password "${DEMO_PASSWORD}" as:`);
  for (const u of DEMO_USERS) console.log(`[demo]   ${u.email.padEnd(28)} ${u.isAdmin ? "site admin" : u.role}`);
  return seeded.projectId;
}

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded), close sockets and the database. */
function installShutdown(server: http.Server, { closeSockets, closeRest }: { closeSockets: () => void; closeRest: () => Promise<void> }): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[shutdown] ${signal}: draining`);
    const force = setTimeout(() => {
      console.error("[shutdown] grace period over; closing remaining connections");
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      closeRest()
        .then(() => {
          console.log("[shutdown] done");
          process.exit(0);
        })
        .catch((err) => {
          console.error("[shutdown] error while closing", err);
          process.exit(1);
        });
    });
    server.closeIdleConnections();
    closeSockets();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err) => {
  console.error(`Corrective failed to start: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.DEBUG_STARTUP) console.error(err);
  process.exit(1);
});
