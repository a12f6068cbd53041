#!/usr/bin/env bash
# Refresh the JavaScript the published site serves itself (MathJax, RequireJS, the Jupyter widget
# manager) from the npm registry, at the versions below, and rewrite MANIFEST.txt with checksums.
# Maintainers only: readers and CI use the committed copies and need neither npm nor a network.
#   bash book/vendor/refresh.sh        (needs node/npm)
set -euo pipefail
MATHJAX=3.2.2
REQUIREJS=2.3.8
HTML_MANAGER=1.0.15   # @jupyter-widgets/html-manager, the embedder for ipywidgets 8

here="$(cd "$(dirname "$0")" && pwd)"
static="$here/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "mathjax@$MATHJAX" "requirejs@$REQUIREJS" "@jupyter-widgets/html-manager@$HTML_MANAGER" >/dev/null
for tgz in *.tgz; do mkdir "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done

rm -rf "$static" && mkdir -p "$static"/{mathjax/output/chtml/fonts,requirejs,html-manager}
# MathJax: the single-file TeX component with every extension, plus the CommonHTML web fonts.
cp "mathjax-$MATHJAX/package/es5/tex-chtml-full.js" "$static/mathjax/"
cp -r "mathjax-$MATHJAX/package/es5/output/chtml/fonts/woff-v2" "$static/mathjax/output/chtml/fonts/"
cp "mathjax-$MATHJAX/package/LICENSE" "$static/mathjax/LICENSE.txt"
# RequireJS, which the AMD build of the widget manager needs.
cp "requirejs-$REQUIREJS/package/require.js" "$static/requirejs/"
# The widget manager and the icon fonts its CSS loads relative to itself (modern formats only).
hm="jupyter-widgets-html-manager-$HTML_MANAGER/package"
cp "$hm/dist/embed-amd.js" "$static/html-manager/"
cp "$hm"/dist/*.woff2 "$hm"/dist/*.woff "$hm"/dist/*.ttf "$static/html-manager/"
echo "BSD-3-Clause, (c) Project Jupyter Contributors: see package.json of @jupyter-widgets/html-manager@$HTML_MANAGER" > "$static/html-manager/LICENSE.txt"

cd "$static"
{
  echo "# Served from the built site under _static/; refreshed by book/vendor/refresh.sh"
  echo "# mathjax $MATHJAX, requirejs $REQUIREJS, @jupyter-widgets/html-manager $HTML_MANAGER (npm)"
  find . -type f ! -name '*.txt' | LC_ALL=C sort | xargs sha256sum
} > "$here/MANIFEST.txt"
echo "vendored $(find . -type f | wc -l) files, $(du -sh . | cut -f1)"
