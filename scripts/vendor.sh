#!/usr/bin/env bash
# Fetch the front-end files with npm and copy them into static/vendor (and the test-only axe-core into tests/).
# The intranet has no internet, so these files are committed; rerun this only to upgrade, then update VERSIONS.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=2.0.11
BOOTSTRAP=5.3.9
CHARTJS=4.6.1
AXE=4.14.1
ICONS=1.13.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX" "bootstrap@$BOOTSTRAP" "chart.js@$CHARTJS" "axe-core@$AXE" "bootstrap-icons@$ICONS" >/dev/null)
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
mkdir -p static/vendor/htmx static/vendor/bootstrap static/vendor/chartjs static/vendor/bootstrap-icons/fonts tests/browser/vendor
cp "$work/htmx.org-$HTMX/package/dist/htmx.min.js" static/vendor/htmx/
cp "$work/bootstrap-$BOOTSTRAP/package/dist/css/bootstrap.min.css" static/vendor/bootstrap/
cp "$work/bootstrap-$BOOTSTRAP/package/dist/js/bootstrap.bundle.min.js" static/vendor/bootstrap/
cp "$work/chart.js-$CHARTJS/package/dist/chart.umd.min.js" static/vendor/chartjs/
cp "$work/axe-core-$AXE/package/axe.min.js" tests/browser/vendor/
cp "$work/bootstrap-icons-$ICONS/package/font/bootstrap-icons.min.css" static/vendor/bootstrap-icons/
cp "$work/bootstrap-icons-$ICONS/package/font/fonts/bootstrap-icons.woff2" static/vendor/bootstrap-icons/fonts/
# Only the woff2 font is shipped (every supported browser reads it); drop the woff fallback from the CSS.
sed -i 's/,url("[^"]*bootstrap-icons.woff?[^"]*") format("woff")//' static/vendor/bootstrap-icons/bootstrap-icons.min.css
# Source maps are referenced by the minified files but not shipped; strip the comment so browsers don't 404 on them.
sed -i '/sourceMappingURL=/d' static/vendor/bootstrap/*.css static/vendor/bootstrap/*.js static/vendor/chartjs/*.js
cat > static/vendor/VERSIONS <<TXT
# Vendored front-end packages, fetched with npm by scripts/vendor.sh. Do not edit the files by hand.
htmx.org $HTMX      static/vendor/htmx/htmx.min.js
bootstrap $BOOTSTRAP     static/vendor/bootstrap/bootstrap.min.css, bootstrap.bundle.min.js
chart.js $CHARTJS      static/vendor/chartjs/chart.umd.min.js
bootstrap-icons $ICONS static/vendor/bootstrap-icons/bootstrap-icons.min.css, fonts/bootstrap-icons.woff2
axe-core $AXE     tests/browser/vendor/axe.min.js (test-only, never served)
TXT
echo "vendored: htmx $HTMX, bootstrap $BOOTSTRAP, chart.js $CHARTJS, bootstrap-icons $ICONS, axe-core $AXE"
