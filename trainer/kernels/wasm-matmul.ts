/**
 * Faster matrix products for the tfjs wasm backend.
 *
 * tfjs-backend-wasm 4.22 runs `BatchMatMul` / `_FusedMatMul` quickly only when neither operand is
 * transposed (XNNPACK's fully-connected path); with `transposeA` or `transposeB` it falls back to a slow
 * loop. Every dense layer's backward pass asks for exactly those transposed products
 * (`dy·Wᵀ` and `xᵀ·dy`), so training an MLP runs ~5× below what the hardware can do.
 *
 * The fix re-registers both kernels with a wrapper that materialises the transposed operand with the
 * backend's own `Transpose` kernel (a cheap memory copy) and then calls the stock kernel with
 * `transposeA = transposeB = false`. Only the public kernel registry API is used (`getKernel`,
 * `unregisterKernel`, `registerKernel`), so the stock kernels can be put back (`uninstall`) — the
 * benchmark measures both, and a test checks both give the same numbers.
 *
 * Browser-safe: no Node APIs; it only touches the kernel registry of the given tfjs instance.
 */
import * as tf from "@tensorflow/tfjs";

type KernelConfig = tf.KernelConfig;
type TensorInfo = tf.TensorInfo;

/** The stock kernels we replaced, so they can be restored. */
const saved = new Map<string, KernelConfig>();

const PATCHED = ["BatchMatMul", "_FusedMatMul"] as const;

/** Whether the wrapper kernels are currently registered for `wasm`. */
export function isWasmMatMulFixInstalled(): boolean {
  return saved.size > 0;
}

/**
 * Replaces the wasm `BatchMatMul` and `_FusedMatMul` kernels with the transpose-first wrappers.
 * Idempotent. Returns false (and changes nothing) when the wasm kernels are not registered, e.g. when
 * `@tensorflow/tfjs-backend-wasm` was never imported.
 */
export function installWasmMatMulFix(): boolean {
  if (saved.size > 0) return true;
  const transpose = tf.getKernel("Transpose", "wasm");
  if (transpose === undefined) return false;
  const originals = PATCHED.map((name) => tf.getKernel(name, "wasm"));
  if (originals.some((k) => k === undefined)) return false;
  for (const original of originals as KernelConfig[]) {
    saved.set(original.kernelName, original);
    tf.unregisterKernel(original.kernelName, "wasm");
    tf.registerKernel({ ...original, kernelFunc: transposeFirst(original, transpose) });
  }
  return true;
}

/** Puts the stock kernels back. Idempotent. */
export function uninstallWasmMatMulFix(): void {
  for (const [name, original] of saved) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  saved.clear();
}

/** Swaps the last two axes of `x` with the backend's Transpose kernel; the caller disposes the result. */
function swapInner(transpose: KernelConfig, x: TensorInfo, backend: tf.KernelBackend): TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  const out = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } });
  return out as TensorInfo;
}

function transposeFirst(original: KernelConfig, transpose: KernelConfig): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const a = inputs["a"] as TensorInfo;
    const b = inputs["b"] as TensorInfo;
    const transposeA = Boolean(attrs?.["transposeA"]);
    const transposeB = Boolean(attrs?.["transposeB"]);
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const temporaries: TensorInfo[] = [];
    const a2 = transposeA ? swapInner(transpose, a, backend) : a;
    if (transposeA) temporaries.push(a2);
    const b2 = transposeB ? swapInner(transpose, b, backend) : b;
    if (transposeB) temporaries.push(b2);
    try {
      return original.kernelFunc({
        inputs: { ...inputs, a: a2, b: b2 },
        backend: args.backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}
