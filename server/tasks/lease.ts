/** How long a claimed task stays reserved for its labeller without a heartbeat. */
export const LEASE_MS = 120_000;
