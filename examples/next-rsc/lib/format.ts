// Formatting helpers used by several pages, the route handler and an action.
export function formatPrice(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`
}

export function tierOf(cents: number): 'premium' | 'standard' {
  if (cents >= 10000) {
    // cov:tier-premium
    return 'premium'
  }
  // cov:tier-standard
  return 'standard'
}

export function stockLabel(stock: number): string {
  if (stock === 0) {
    // cov:stock-out
    return 'sold out'
  }
  return stock < 5 ? `only ${stock} left` : 'in stock'
}

export function plural(n: number, word: string): string {
  return n === 1 ? `${n} ${word}` : `${n} ${word}s`
}
