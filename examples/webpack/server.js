// The web process of Dockerfile.example's app-procfile stage and of the
// Procfile: `cleanroom start -- node server.js` builds only when the inputs
// changed, verifies, then execs this (as a container's PID 1 it starts this
// as its child instead, and stays PID 1 to forward signals and reap). It
// serves the verified files of dist/ and, at /, a page that links the
// entry's hashed names from dist/manifest.json. PORT is the port (Aptible sets it), 3000 by default.
const http = require('http')
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, 'dist')
const types = { '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.json': 'application/json' }
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json')))

const page = `<!doctype html>
<link rel="stylesheet" href="${manifest['main.css']}">
<script defer src="${manifest['main.js']}"></script>
`

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' })
    return res.end(page)
  }
  // path.join normalises ../ away; only files under dist/ are served.
  const file = path.join(root, path.normalize(url.pathname))
  fs.readFile(file, (err, data) => {
    if (err || !file.startsWith(root + path.sep)) {
      res.writeHead(404)
      return res.end('not found\n')
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' })
    res.end(data)
  })
}).listen(Number(process.env.PORT) || 3000, () => {
  console.log(`serving dist/ on port ${Number(process.env.PORT) || 3000}`)
})
