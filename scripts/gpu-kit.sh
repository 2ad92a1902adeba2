#!/usr/bin/env bash
# Builds .gpu-kit/: everything scripts/gpu-check.sh needs on a GPU machine that has no Node.js and no
# network (docs/TRAINER.md, "GPU check"). Run it here, on a machine with this checkout's node_modules:
#
#   scripts/gpu-kit.sh            # → .gpu-kit/ (≈ 35 MB), gitignored; carry it to the GPU machine
#
# The kit:
#   node.xz              this machine's `node` binary, xz-compressed (the GPU machine has no Node.js)
#   trainer.mjs          bench/trainer.ts bundled with esbuild (tfjs, the trainer and the envs inside)
#   node_modules.tar.xz  what the bundle cannot contain: the `webgpu` package's linux-x64 Dawn binary and
#                        the wasm backend's .wasm files (read from disk by trainer/backend.ts)
#   debs/*.deb           the Vulkan loader (libvulkan1), which Dawn opens at run time; fetched with
#                        `apt-get download` when missing (the GPU machine may lack it)
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=.gpu-kit
rm -rf "$KIT"
mkdir -p "$KIT/debs"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

echo "gpu-kit: node $(node -v)"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$KIT/node.xz"

# One ESM file; Node-only CJS code inside tfjs needs a real `require`, and the wasm backend's
# emscripten loader `__dirname`.
npx esbuild bench/trainer.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$KIT/trainer.mjs" --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __kitRequire } from 'node:module'; import { fileURLToPath as __kitPath } from 'node:url'; import { dirname as __kitDir } from 'node:path'; const require = __kitRequire(import.meta.url); const __filename = __kitPath(import.meta.url); const __dirname = __kitDir(__filename);"

mkdir -p "$stage/node_modules/webgpu/dist/linux-x64" "$stage/node_modules/@tensorflow/tfjs-backend-wasm/dist"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$stage/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$stage/node_modules/webgpu/dist/linux-x64/"
wasm=node_modules/@tensorflow/tfjs-backend-wasm
cp "$wasm/package.json" "$stage/node_modules/@tensorflow/tfjs-backend-wasm/"
cp "$wasm/dist/tf-backend-wasm.node.js" "$wasm"/dist/*.wasm "$stage/node_modules/@tensorflow/tfjs-backend-wasm/dist/"
tar -C "$stage" -cf - node_modules | xz -T0 -6 > "$KIT/node_modules.tar.xz"

if ! ls "$KIT"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd "$KIT/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "gpu-kit: could not fetch libvulkan1 (the GPU machine must then have libvulkan.so.1)"
fi
du -sh "$KIT"/* "$KIT"/debs/* 2>/dev/null || true
echo "gpu-kit: done → $KIT (carry it to the GPU machine; then run scripts/gpu-check.sh there)"
