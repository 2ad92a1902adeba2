/**
 * The custom server overwrites this header with the TCP peer address on every request before Next.js sees
 * it, so handlers can trust it (a client-sent value never survives).
 */
export const CLIENT_IP_HEADER = "x-corrective-client-ip";
