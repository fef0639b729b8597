export function greeting(name) {
  return `Built in a clean room: ${name}`
}
