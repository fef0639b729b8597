#!/usr/bin/env bash
# make-manifest-fixtures.sh [OUTDIR]: produce the output trees under
# tests/fixtures/manifests/ that the manifest unit tests verify. Run by hand,
# never by `make check`: the committed trees are what the tests read, and
# rebuilding them needs the network (npm registry, Debian archive).
#
# Real builds, each from the same small sources (a CSS file that references
# an image and a font by relative url(), a JS entry that imports the CSS and
# the image, a second module loaded with a dynamic import()):
#   django/          Django 3.2 from Debian's python3-django,
#                    ManifestStaticFilesStorage, `collectstatic --noinput`
#   vite/            Vite 8 from npm, build.manifest: true (dist/)
#   webpack/         webpack 5 + webpack-manifest-plugin, publicPath /static/,
#                    [contenthash] names (md4, 20 hex digits)
#   webpack-assets/  webpack 5 + webpack-assets-manifest with integrity and
#                    entrypoints, publicPath auto
#   webpack-xxhash/  webpack 5 + webpack-manifest-plugin, hashFunction
#                    xxhash64 (16 hex digits)
#   sprockets/       Sprockets 3.7 from Debian's ruby-sprockets, through
#                    Sprockets::Manifest#compile (with its .gz siblings)
# Written by this script, following the formats exactly (no framework run):
#   sprockets4/      Sprockets 4.x names: SHA-256 of config.assets.version
#                    ("1.0", as Rails generates it) followed by the raw digest
#   propshaft/       Propshaft 1.x .manifest.json with integrity; digests are
#                    SHA-1 of the content and config.assets.version ("1"),
#                    8 hex digits (propshaft >= 0.9)
#   propshaft0/      Propshaft 0.x flat .manifest.json
#
# Needs: apt-get install python3-django ruby-sprockets (as root), node >= 20
# and npm with the registry reachable. /usr/bin/python3 is used on purpose:
# a pyenv python3 first on PATH does not see Debian's packages.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/tests/fixtures/manifests}
readonly PY=/usr/bin/python3
readonly VITE_VERSION=8.4.0
readonly WEBPACK_PKGS="webpack@5.113.0 webpack-cli@7.3.1 \
webpack-manifest-plugin@6.0.1 webpack-assets-manifest@6.5.2 \
mini-css-extract-plugin@2.10.2 css-loader@7.1.5"

tmp=$(mktemp -d /tmp/cleanroom-mf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

die() {
	echo "make-manifest-fixtures: $*" >&2
	exit 1
}

$PY -c 'import django' 2>/dev/null ||
	die "Debian's python3-django is missing (apt-get install -y python3-django)"
ruby -e 'require "sprockets"' 2>/dev/null ||
	die "Debian's ruby-sprockets is missing (apt-get install -y ruby-sprockets)"
command -v npm >/dev/null || die "npm is missing"

# ---- Shared sources -------------------------------------------------------
src=$tmp/src
mkdir -p "$src"
# A real 24x24 PNG (a gradient), made with zlib so that it is valid and
# deterministic.
$PY - "$src/logo.png" <<'EOF'
import struct, sys, zlib
w = h = 24
raw = b"".join(b"\0" + b"".join(bytes((x * 10, y * 10, 128))
                                  for x in range(w)) for y in range(h))
def chunk(t, d):
    c = struct.pack(">I", len(d)) + t + d
    return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = (b"\x89PNG\r\n\x1a\n" +
       chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
       chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
EOF
# Not a real font: its bytes only have to be stable; no tool here parses it.
printf 'wOF2\0\1\0\0cleanroom fixture font bytes\n' >"$src/font.woff2"
cat >"$src/app.css" <<'EOF'
@font-face {
  font-family: "Fixture";
  src: url("font.woff2") format("woff2");
}
body {
  font-family: "Fixture", sans-serif;
  background: url("logo.png") no-repeat;
}
EOF
cat >"$src/lazy.js" <<'EOF'
export function lazy() {
  return "loaded later";
}
EOF
cat >"$src/main.js" <<'EOF'
import "./app.css";
import logo from "./logo.png";

const img = document.createElement("img");
img.src = logo;
document.body.appendChild(img);
import("./lazy.js").then((m) => console.log(m.lazy()));
EOF

# Replaces a fixture directory only after the build succeeded.
install_tree() { # NAME DIR
	rm -rf "${out:?}/$1"
	mkdir -p "$out"
	cp -a "$2" "$out/$1"
	echo "wrote $out/$1 ($(du -sk "$out/$1" | cut -f1) KiB)"
}

# ---- Django ---------------------------------------------------------------
dj=$tmp/django
mkdir -p "$dj/site/static/css" "$dj/site/static/img" "$dj/site/static/fonts"
cp "$src/logo.png" "$dj/site/static/img/"
cp "$src/font.woff2" "$dj/site/static/fonts/"
# url()s relative to the CSS file, which Django rewrites to hashed names.
sed -e 's#url("font.woff2")#url("../fonts/font.woff2")#' \
	-e 's#url("logo.png")#url("../img/logo.png")#' \
	"$src/app.css" >"$dj/site/static/css/app.css"
cp "$src/lazy.js" "$dj/site/static/lazy.js"
cat >"$dj/settings.py" <<'EOF'
import os
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "fixture-not-secret"
DEBUG = False
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")
STATICFILES_DIRS = [os.path.join(BASE_DIR, "site", "static")]
STATICFILES_STORAGE = \
    "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
EOF
(cd "$dj" && PYTHONDONTWRITEBYTECODE=1 DJANGO_SETTINGS_MODULE=settings \
	PYTHONPATH=. $PY -m django collectstatic --noinput >/dev/null)
echo "django $($PY -c 'import django; print(django.__version__)')"
install_tree django "$dj/staticfiles"

# ---- Sprockets 3 (real) ---------------------------------------------------
sp=$tmp/sprockets
mkdir -p "$sp/assets"
cp "$src/logo.png" "$src/font.woff2" "$src/app.css" "$sp/assets/"
printf '//= require lazy\nconsole.log("application");\n' \
	>"$sp/assets/application.js"
cp "$src/lazy.js" "$sp/assets/lazy.js"
(cd "$sp" && ruby -e '
require "sprockets"
env = Sprockets::Environment.new(Dir.pwd)
env.append_path "assets"
# Sprockets names a new manifest .sprockets-manifest-<random hex>.json; a
# fixed name of that form keeps the fixture stable from run to run.
dir = File.join(Dir.pwd, "public/assets")
manifest = Sprockets::Manifest.new(env, dir, File.join(dir,
  ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json"))
manifest.compile("application.js", "app.css", "logo.png", "font.woff2")
puts "sprockets #{Sprockets::VERSION}"
')
install_tree sprockets "$sp/public/assets"

# ---- Sprockets 4 and Propshaft (written here) ------------------------------
# Ruby's Digest computes the names the way those versions do; the layout
# follows Sprockets 4.x lib/sprockets/manifest.rb and asset.rb (etag) and
# Propshaft lib/propshaft/manifest.rb and asset.rb (digest).
s4=$tmp/sprockets4
p1=$tmp/propshaft
p0=$tmp/propshaft0
mkdir -p "$s4" "$p1/img" "$p0/img"
ruby - "$src" "$s4" "$p1" "$p0" <<'EOF'
require "digest"
require "base64"
require "json"
src, s4, p1, p0 = ARGV
files = { "logo.png" => "logo.png", "font.woff2" => "font.woff2",
          "app.css" => "app.css", "lazy.js" => "lazy.js" }
version = "1.0"
data = { "files" => {}, "assets" => {} }
files.each do |logical, name|
  bytes = File.binread(File.join(src, name))
  raw = Digest::SHA256.digest(bytes)
  etag = Digest::SHA256.hexdigest(version + raw)
  digested = logical.sub(/\.(\w+)$/) { |ext| "-#{etag}#{ext}" }
  File.binwrite(File.join(s4, digested), bytes)
  data["files"][digested] = {
    "logical_path" => logical, "mtime" => "2024-01-02T03:04:05+00:00",
    "size" => bytes.bytesize, "digest" => raw.unpack1("H*"),
    "integrity" => "sha256-#{Base64.strict_encode64(raw)}" }
  data["assets"][logical] = digested
end
File.write(File.join(s4, ".sprockets-manifest-" + "0123456789abcdef" * 2 +
                     ".json"), JSON.generate(data))

pversion = "1"
m1 = {}
m0 = {}
{ "img/logo.png" => "logo.png", "img/font.woff2" => "font.woff2",
  "lazy.js" => "lazy.js" }.each do |logical, name|
  bytes = File.binread(File.join(src, name))
  digest = Digest::SHA1.hexdigest(bytes + pversion)[0, 8]
  digested = logical.sub(/\.(\w+(\.map)?)$/) { |ext| "-#{digest}#{ext}" }
  [p1, p0].each { |d| File.binwrite(File.join(d, digested), bytes) }
  m1[logical] = { "digested_path" => digested,
                  "integrity" => "sha384-" + Base64.strict_encode64(
                    Digest::SHA384.digest(bytes)) }
  m0[logical] = digested
end
File.write(File.join(p1, ".manifest.json"), JSON.generate(m1))
File.write(File.join(p0, ".manifest.json"), JSON.generate(m0))
EOF
install_tree sprockets4 "$s4"
install_tree propshaft "$p1"
install_tree propshaft0 "$p0"

# ---- Vite -----------------------------------------------------------------
vi=$tmp/vite
mkdir -p "$vi/src"
cp "$src/app.css" "$src/logo.png" "$src/font.woff2" "$src/main.js" \
	"$src/lazy.js" "$vi/src/"
cat >"$vi/index.html" <<'EOF'
<!doctype html>
<html>
  <head><title>fixture</title></head>
  <body><script type="module" src="/src/main.js"></script></body>
</html>
EOF
cat >"$vi/package.json" <<'EOF'
{ "name": "vite-fixture", "private": true, "type": "module" }
EOF
cat >"$vi/vite.config.js" <<'EOF'
import { defineConfig } from "vite";

export default defineConfig({
  // Every asset becomes a file: the fixture should show assets[].
  build: { manifest: true, assetsInlineLimit: 0 },
});
EOF
(cd "$vi" && npm install --no-audit --no-fund --silent "vite@$VITE_VERSION" &&
	NODE_ENV=production node_modules/.bin/vite build --logLevel warn)
echo "vite $(node -p 'require(process.argv[1]).version' \
	"$vi/node_modules/vite/package.json")"
install_tree vite "$vi/dist"

# ---- webpack --------------------------------------------------------------
wp=$tmp/webpack
mkdir -p "$wp/src"
cp "$src/app.css" "$src/logo.png" "$src/font.woff2" "$src/main.js" \
	"$src/lazy.js" "$wp/src/"
echo '{ "name": "webpack-fixture", "private": true }' >"$wp/package.json"
# One config, three builds: the manifest plugin and the hash function come
# from the environment.
cat >"$wp/webpack.config.js" <<'EOF'
const path = require("path");
const MiniCssExtractPlugin = require("mini-css-extract-plugin");
const { WebpackManifestPlugin } = require("webpack-manifest-plugin");
const { WebpackAssetsManifest } = require("webpack-assets-manifest");

const kind = process.env.FIXTURE;
const plugins = [
  new MiniCssExtractPlugin({ filename: "[name].[contenthash].css" }),
];
if (kind === "assets") {
  plugins.push(new WebpackAssetsManifest({
    output: "assets-manifest.json", integrity: true, entrypoints: true,
  }));
} else {
  plugins.push(new WebpackManifestPlugin({}));
}
module.exports = {
  mode: "production",
  entry: { main: "./src/main.js" },
  output: {
    path: path.resolve(__dirname, "dist"),
    filename: "[name].[contenthash].js",
    chunkFilename: "[name].[contenthash].js",
    assetModuleFilename: "[name].[contenthash][ext]",
    publicPath: kind === "assets" ? "auto" : "/static/",
    hashFunction: kind === "xxhash" ? "xxhash64" : "md4",
    clean: true,
  },
  module: {
    rules: [
      { test: /\.css$/, use: [MiniCssExtractPlugin.loader, "css-loader"] },
      { test: /\.(png|woff2)$/, type: "asset/resource" },
    ],
  },
  plugins,
};
EOF
# shellcheck disable=SC2086
(cd "$wp" && npm install --no-audit --no-fund --silent $WEBPACK_PKGS)
echo "webpack $(node -p 'require(process.argv[1]).version' \
	"$wp/node_modules/webpack/package.json")"
for kind in plain assets xxhash; do
	(cd "$wp" && FIXTURE=$kind node_modules/.bin/webpack --no-stats)
	case $kind in
	plain) install_tree webpack "$wp/dist" ;;
	assets) install_tree webpack-assets "$wp/dist" ;;
	xxhash) install_tree webpack-xxhash "$wp/dist" ;;
	esac
done
