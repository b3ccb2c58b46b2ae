export function greet(name: string | null): string {
  if (name) {
    // cov:named
    return `hello ${name}`
  }
  // cov:anonymous
  return 'hello stranger'
}

export function shout(text: string): string {
  return text.toUpperCase()
}
