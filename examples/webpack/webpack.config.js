// The webpack example cleanroom builds in tests/e2e/t-webpack.sh: a JS
// entry importing CSS (extracted by mini-css-extract-plugin) that refers
// to an image (an asset module), every output named by its content hash,
// and dist/manifest.json written by webpack-manifest-plugin, which
// cleanroom checks entry by entry (--manifest webpack, from the preset).
const path = require('path')
const webpack = require('webpack')
const MiniCssExtractPlugin = require('mini-css-extract-plugin')
const { WebpackManifestPlugin } = require('webpack-manifest-plugin')

module.exports = {
  entry: { main: './src/index.js' },
  output: {
    path: path.resolve(__dirname, 'dist'),
    filename: '[name].[contenthash].js',
    assetModuleFilename: 'images/[name].[contenthash][ext]',
    publicPath: '/',
    // Leave nothing of a previous build behind: the lock lists exactly
    // this build's files.
    clean: { keep: /^cleanroom\.lock$/ },
  },
  module: {
    rules: [
      { test: /\.css$/, use: [MiniCssExtractPlugin.loader, 'css-loader'] },
      { test: /\.(svg|png)$/, type: 'asset/resource' },
    ],
  },
  plugins: [
    // process.env.API_BASE_URL in the sources becomes the build's value
    // (from cleanroom's environment: an env file, env.set, --set), or
    // '/api'. Whatever is inlined is in the output, where cleanroom's
    // secret scan looks.
    new webpack.EnvironmentPlugin({ API_BASE_URL: '/api' }),
    new MiniCssExtractPlugin({ filename: '[name].[contenthash].css' }),
    new WebpackManifestPlugin({ fileName: 'manifest.json' }),
  ],
  // webpack 5 keeps no cache in production mode; said here so that
  // turning on cache: { type: 'filesystem' } is a visible change. That
  // cache goes to node_modules/.cache/webpack, which the preset makes
  // writable.
  cache: false,
}
