#!/usr/bin/env bash
# Vendor the operator console's browser assets from the npm registry into backoffice/console/static/vendor:
# htmx (page fragments without a build step), Apache ECharts (charts) and Swagger UI (/docs without a CDN).
# Versions and sha256 sums are pinned here; the files are not committed (ECharts alone is 1 MB, Swagger UI
# 1.5 MB) and a closed-network deployment ships them in its package. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=backoffice/console/static/vendor
mkdir -p "$dest"
# package@version  file-in-package  local-name (sums in static/vendor.sha256)
assets=(
  "htmx.org@2.0.11 package/dist/htmx.min.js htmx.min.js"
  "echarts@5.6.0 package/dist/echarts.min.js echarts.min.js"
  "swagger-ui-dist@5.35.0 package/swagger-ui-bundle.js swagger-ui-bundle.js"
  "swagger-ui-dist@5.35.0 package/swagger-ui.css swagger-ui.css"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for line in "${assets[@]}"; do
  read -r spec inner name <<<"$line"
  [ -s "$dest/$name" ] && continue
  pkg_dir="$work/${spec//[@\/]/_}"
  if [ ! -d "$pkg_dir" ]; then
    mkdir -p "$pkg_dir"
    (cd "$pkg_dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  fi
  cp "$pkg_dir/$inner" "$dest/$name"
done
(cd "$dest" && sha256sum -c --quiet ../vendor.sha256)
echo "console assets in $dest"
