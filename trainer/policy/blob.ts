/**
 * The policy blob: ONE binary object holding everything needed to run or warm-start a policy.
 *
 * ```
 * offset 0   "CRPL"                      magic (4 bytes)
 *        4   uint32 LE  format version   (1)
 *        8   uint32 LE  header length H  (bytes)
 *       12   UTF-8 JSON header           (PolicyBlobHeader, below)
 *   12+H..   zero padding to a multiple of 4
 *        W   weight bytes of every network, each starting on a 4-byte boundary;
 *            net i occupies [W + nets[i].byteOffset, … + nets[i].byteLength)
 * ```
 * Each network is a tfjs `Sequential` saved with `tf.io.withSaveHandler`: its `modelTopology` JSON and
 * `weightSpecs` are in the header, its float32 weights in the data section, so
 * `tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }))` loads it anywhere.
 *
 * Browser-safe (TextEncoder/DataView only).
 */
import { z } from "zod";
import type { NetArtifacts } from "./dense";
import { ZPolicySpec, type TPolicySpec } from "../../contracts/policy-spec";

export const POLICY_BLOB_MAGIC = "CRPL";
export const POLICY_BLOB_VERSION = 1;
export const POLICY_BLOB_MIME = "application/vnd.corrective.policy";

const ZWeightSpec = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(["float32", "int32", "bool", "string", "complex64"]),
});

export const ZPolicyBlobHeader = z.object({
  format: z.literal("corrective-policy"),
  spec: ZPolicySpec,
  /** One entry per network: ensemble member `member`, network `index` within it. */
  nets: z.array(
    z.object({
      member: z.number().int().min(0),
      index: z.number().int().min(0),
      modelTopology: z.unknown(),
      weightSpecs: z.array(ZWeightSpec),
      byteOffset: z.number().int().min(0),
      byteLength: z.number().int().min(0),
    }),
  ),
  /** Parameters outside the networks (e.g. the global raw log σ), per member. */
  extras: z.array(z.object({ member: z.number().int().min(0), name: z.string(), values: z.array(z.number()) })),
  /** Free-form provenance: created at, backend, dataset size, loss … */
  meta: z.record(z.string(), z.unknown()),
});
export type TPolicyBlobHeader = z.output<typeof ZPolicyBlobHeader>;

export interface DecodedPolicyBlob {
  readonly header: TPolicyBlobHeader;
  /** Artifacts of network `index` of ensemble member `member`. */
  net(member: number, index: number): NetArtifacts;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Packs a header (without byte offsets) and each network's artifacts into one blob. */
export function encodePolicyBlob(
  spec: TPolicySpec,
  nets: ReadonlyArray<{ member: number; index: number; artifacts: NetArtifacts }>,
  extras: TPolicyBlobHeader["extras"],
  meta: Record<string, unknown>,
): Uint8Array {
  let offset = 0;
  const entries = nets.map(({ member, index, artifacts }) => {
    const entry = {
      member,
      index,
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })),
      byteOffset: offset,
      byteLength: artifacts.weightData.byteLength,
    };
    offset = align4(offset + artifacts.weightData.byteLength);
    return entry;
  });
  const header: TPolicyBlobHeader = { format: "corrective-policy", spec, nets: entries, extras, meta };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(12 + headerBytes.byteLength);
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(POLICY_BLOB_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, POLICY_BLOB_VERSION, true);
  view.setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, 12);
  nets.forEach(({ artifacts }, i) => {
    out.set(new Uint8Array(artifacts.weightData), dataStart + (entries[i] as { byteOffset: number }).byteOffset);
  });
  return out;
}

/** Parses and validates a blob. @throws Error naming what is wrong (magic, version, header, sizes). */
export function decodePolicyBlob(blob: Uint8Array): DecodedPolicyBlob {
  if (blob.byteLength < 12) throw new Error("policy blob: too short");
  const magic = new TextDecoder().decode(blob.subarray(0, 4));
  if (magic !== POLICY_BLOB_MAGIC) throw new Error(`policy blob: bad magic ${JSON.stringify(magic)}`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const version = view.getUint32(4, true);
  if (version !== POLICY_BLOB_VERSION) throw new Error(`policy blob: unsupported version ${version}`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > blob.byteLength) throw new Error("policy blob: header runs past the end");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(blob.subarray(12, 12 + headerLength)));
  } catch {
    throw new Error("policy blob: header is not valid JSON");
  }
  const parsed = ZPolicyBlobHeader.safeParse(json);
  if (!parsed.success) {
    throw new Error(`policy blob: invalid header: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const header = parsed.data;
  const dataStart = align4(12 + headerLength);
  for (const n of header.nets) {
    if (dataStart + n.byteOffset + n.byteLength > blob.byteLength) throw new Error("policy blob: weights run past the end");
  }
  return {
    header,
    net(member: number, index: number): NetArtifacts {
      const n = header.nets.find((e) => e.member === member && e.index === index);
      if (n === undefined) throw new Error(`policy blob: no network ${index} for member ${member}`);
      const start = blob.byteOffset + dataStart + n.byteOffset;
      return {
        modelTopology: n.modelTopology,
        weightSpecs: n.weightSpecs,
        weightData: blob.buffer.slice(start, start + n.byteLength) as ArrayBuffer,
      };
    },
  };
}
