#!/usr/bin/env bash
# deps.sh installs what `make test` needs and is missing, and nothing else:
#   apt: chromium (its SwiftShader Vulkan driver is WebGPU's CPU adapter in
#        Chromium) and mesa-vulkan-drivers (lavapipe, Deno's CPU adapter);
#   npm: the dev dependencies pinned in package.json + package-lock.json
#        (playwright-core, deno), with `npm ci` when node_modules is missing
#        or older than the lock file.
# It is idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/lib/chromium/chromium ] || need+=(chromium)
# lavapipe's ICD manifest is the sign that mesa-vulkan-drivers is installed.
ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)

if [ ${#need[@]} -gt 0 ]; then
	echo "deps: apt-get install ${need[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# npm ci writes node_modules/.package-lock.json; when it is missing or older
# than package-lock.json (or a package we use is gone), the installed tree
# is stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
	[ ! -x node_modules/.bin/deno ] || [ ! -f node_modules/playwright-core/package.json ]; then
	echo "deps: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
