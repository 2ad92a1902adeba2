/** Bytes in and out of `.tar` archives for the dataset import/export tests. */
import tar from "tar-stream";

/** All of a web stream (an export's body), as one buffer. */
export async function readBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Uint8Array(Buffer.concat(chunks));
    chunks.push(value);
  }
}

/** A `.tar` of `files`, written with tar-stream (as `tar -cf` would). */
export async function packTar(files: Record<string, Uint8Array>): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const [name, bytes] of Object.entries(files)) pack.entry({ name }, Buffer.from(bytes));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
