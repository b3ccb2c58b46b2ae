// Cart rules used by the server actions.
export type Quote = { total: number; discount: number }

export function parseQuantity(raw: unknown): number | null {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 99) {
    // cov:qty-invalid
    return null
  }
  return n
}

export function quote(unitPrice: number, quantity: number): Quote {
  let discount = 0
  if (quantity >= 10) {
    // cov:bulk-discount
    discount = Math.round(unitPrice * quantity * 0.1)
  }
  return { total: unitPrice * quantity - discount, discount }
}
