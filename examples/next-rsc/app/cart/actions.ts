'use server'
// Server actions: addToCart is posted by the cart form, getQuote is called
// from the QuoteButton client component.
import { redirect } from 'next/navigation'
import { getProduct } from '@/lib/catalog'
import { parseQuantity, quote } from '@/lib/cart'
import { formatPrice } from '@/lib/format'

export async function addToCart(formData: FormData): Promise<void> {
  const quantity = parseQuantity(formData.get('quantity'))
  if (quantity === null) {
    // cov:add-invalid
    redirect('/cart?error=invalid+quantity')
  }
  const product = await getProduct(String(formData.get('slug') ?? ''))
  if (!product) {
    redirect('/cart?error=unknown+product')
  }
  // cov:add-ok
  redirect(`/cart?added=${product.slug}&qty=${quantity}`)
}

export async function getQuote(slug: string, quantity: number): Promise<string> {
  const product = await getProduct(slug)
  if (!product) return 'unknown product'
  const q = quote(product.price, quantity)
  if (q.discount > 0) {
    // cov:quote-discount
    return `${formatPrice(q.total)} (saved ${formatPrice(q.discount)})`
  }
  return formatPrice(q.total)
}
