/**
 * The switches of `npm run bench:api` (bench/api.ts), read by the layers they measure — the HTTP edge
 * (server/http/bench-metrics.ts) and the services (e.g. the token cache in server/auth/api-tokens.ts) — so they
 * live above both. Off unless the server runs with CORRECTIVE_BENCH_METRICS=1.
 */
export const benchMetricsEnabled = () => process.env.CORRECTIVE_BENCH_METRICS === "1";

/**
 * A measured fix switched off, for bench:api's before/after rows in one run: CORRECTIVE_BENCH_OFF lists them
 * (e.g. `token-cache`). Honoured only with bench metrics on; a normal server always runs with every fix.
 */
export const benchOff = (fix: string) => benchMetricsEnabled() && (process.env.CORRECTIVE_BENCH_OFF ?? "").split(",").includes(fix);
