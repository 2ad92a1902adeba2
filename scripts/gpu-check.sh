#!/usr/bin/env bash
# One command, on a machine with an NVIDIA GPU: the trainer benchmark for the MLPs and the ConvNet
# (64×64×3, batch 64) on WebGPU and on wasm, samples/s for each, saved to bench/results/trainer-gpu.*.
#
#   scripts/gpu-check.sh
#
# With Node.js and node_modules present it runs `tsx bench/trainer.ts`. Without (the lent GPU machines
# have neither Node.js nor network) it runs from .gpu-kit/, built beforehand by scripts/gpu-kit.sh and
# carried along: a node binary, the bundled benchmark, the Dawn (`webgpu`) binary, the wasm files and
# the Vulkan loader. WebGPU runs over Vulkan (Dawn); on the H100 the adapter was
# "nvidia-h100-80gb-hbm3" — see docs/TRAINER.md. Set GPU_CHECK_KIT=1 to use the kit even where Node.js
# exists (that is how the kit path is tested without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=(--backends webgpu,wasm --no-retrain --out trainer-gpu)

command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "gpu-check: no nvidia-smi"

if [[ "${GPU_CHECK_KIT:-0}" != "1" ]] && command -v node >/dev/null 2>&1 && [[ -x node_modules/.bin/tsx ]]; then
  exec node_modules/.bin/tsx bench/trainer.ts "${ARGS[@]}"
fi

KIT=${GPU_KIT:-.gpu-kit}
[[ -f "$KIT/node.xz" && -f "$KIT/trainer.mjs" && -f "$KIT/node_modules.tar.xz" ]] || {
  echo "gpu-check: no Node.js here and no kit at $KIT — build it with scripts/gpu-kit.sh and carry it along" >&2
  exit 2
}
# Unpacked under bench/ so that the bundle writes its results to bench/results/ (../results from here).
RUN=bench/.gpu-run
rm -rf "$RUN"
mkdir -p "$RUN/sysroot"
xz -dc "$KIT/node.xz" > "$RUN/node"
chmod +x "$RUN/node"
xz -dc "$KIT/node_modules.tar.xz" | tar -C "$RUN" -xf -
cp "$KIT/trainer.mjs" "$RUN/trainer.mjs"

# The Vulkan loader, unless the system has one.
if ! (ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'); then
  for deb in "$KIT"/debs/*.deb; do
    [[ -f "$deb" ]] || continue
    if command -v dpkg-deb >/dev/null 2>&1; then
      dpkg-deb -x "$deb" "$RUN/sysroot"
    else
      (cd "$RUN/sysroot" && ar p "$OLDPWD/$deb" data.tar.xz | tar -xJf -)
    fi
  done
  export LD_LIBRARY_PATH="$PWD/$RUN/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# The NVIDIA Vulkan driver (ICD) lives in libGLX_nvidia.so.0; containers do not always register it.
if [[ -z "${VK_ICD_FILENAMES:-}" ]] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
  glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')
  [[ -z "$glx" ]] && glx=$(find /usr/lib /usr/lib64 /usr/local -name 'libGLX_nvidia.so.0' 2>/dev/null | head -1 || true)
  if [[ -n "$glx" ]]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" > "$RUN/nvidia_icd.json"
    export VK_ICD_FILENAMES="$PWD/$RUN/nvidia_icd.json"
    echo "gpu-check: registered the NVIDIA Vulkan ICD at $glx"
  fi
fi

echo "gpu-check: $("$RUN/node" -v), kit $KIT"
"$RUN/node" "$RUN/trainer.mjs" "${ARGS[@]}"
