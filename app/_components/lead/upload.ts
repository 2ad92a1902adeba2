/**
 * Uploads a file as the raw request body with progress (XMLHttpRequest: fetch has no upload progress),
 * answering like `api()`: `{ data }` on 2xx, else an `ApiError` with the server's code and message.
 */
import { ApiError } from "../api-client";

export function uploadFile<T>(path: string, file: Blob, contentType: string, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("content-type", contentType);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / Math.max(1, e.total));
    };
    xhr.onerror = () => reject(new ApiError(0, "NETWORK", "Could not reach the server"));
    xhr.onload = () => {
      type Envelope = { data?: T; error?: { code?: string; message?: string; fieldErrors?: Record<string, string[]> } };
      let body: Envelope | null;
      try {
        body = xhr.responseText ? (JSON.parse(xhr.responseText) as Envelope) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body?.data as T);
      reject(new ApiError(xhr.status, body?.error?.code ?? "HTTP", body?.error?.message ?? `Upload failed (${xhr.status})`, body?.error?.fieldErrors));
    };
    xhr.send(file);
  });
}
