/**
 * Messages between the training worker and its PNG decoder threads (trainer/decode-pool.ts ⇄
 * trainer/decode-worker.mjs). Request: one PNG's bytes (transferred when the reader owns them). Reply: the
 * decoded pixels with their layout (the pixel buffer transferred back), or the decoder's error message; the
 * pool checks depth and channels and names the frame, exactly as the inline decoder does.
 */
export interface DecodeRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
}

export type DecodeReply =
  | { readonly id: number; readonly ok: true; readonly data: Uint8Array | Uint16Array; readonly depth: number; readonly channels: number }
  | { readonly id: number; readonly ok: false; readonly message: string };
