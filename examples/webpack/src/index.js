// Entry point: the CSS is extracted to main.HASH.css, the logo emitted as
// images/logo.HASH.svg; both are listed in dist/manifest.json.
import './style.css'
import logoUrl from './images/logo.svg'
import { greeting } from './greeting'

const img = document.createElement('img')
img.src = logoUrl
img.alt = 'logo'
const h1 = document.createElement('h1')
h1.textContent = greeting('cleanroom')
document.body.append(img, h1)
fetch(`${process.env.API_BASE_URL}/ping`)
