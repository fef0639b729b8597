// Entry point: imports CSS (emitted as dist/assets/index-HASH.css) and an
// SVG (emitted as dist/assets/logo-HASH.svg), so the manifest has an
// entry with css and assets lists.
import './style.css'
import logoUrl from './assets/logo.svg'
import { greeting } from './greeting.js'

const app = document.querySelector('#app')
const img = document.createElement('img')
img.src = logoUrl
img.alt = 'logo'
const h1 = document.createElement('h1')
h1.textContent = greeting(import.meta.env.VITE_APP_TITLE || 'cleanroom')
app.append(img, h1)
