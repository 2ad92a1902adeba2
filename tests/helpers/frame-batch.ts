/**
 * A frame batch body (`application/vnd.corrective.frames`, server/rollouts/frames.ts `parseFrameBatch`): per frame a
 * 16-byte id, a 4-byte big-endian length, then the image bytes.
 */
export function frameBatch(records: { id: string; bytes: Uint8Array }[]): Uint8Array {
  return Buffer.concat(
    records.map(({ id, bytes }) => {
      const head = Buffer.alloc(20);
      Buffer.from(id.replace(/-/g, ""), "hex").copy(head);
      head.writeUInt32BE(bytes.length, 16);
      return Buffer.concat([head, bytes]);
    }),
  );
}
