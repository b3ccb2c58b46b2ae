export type Quantity = { ok: true; value: number } | { ok: false; reason: string }

export function parseQuantity(raw: unknown): Quantity {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) {
    // cov:qty-invalid
    return { ok: false, reason: 'invalid quantity' }
  }
  return { ok: true, value: n }
}

/** Shared by the server (the action) and the browser (the live quote). */
export function quote(price: number, quantity: number): number {
  if (quantity >= 10) {
    // cov:bulk-discount
    return Math.round(price * quantity * 90) / 100
  }
  return price * quantity
}
