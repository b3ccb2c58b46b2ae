import { Suspense } from 'react'
import { notFound } from 'next/navigation'
import { getProduct } from '@/lib/catalog'
import { formatPrice, stockLabel, tierOf } from '@/lib/format'
import { Reviews } from './reviews'

export const dynamic = 'force-dynamic'

type Props = { params: Promise<{ slug: string }> }

export default async function ProductPage({ params }: Props) {
  const { slug } = await params
  const product = await getProduct(slug)
  if (!product) {
    // cov:product-missing
    notFound()
  }
  const tier = tierOf(product.price)
  return (
    <article>
      <h1 id="name">{product.name}</h1>
      <p id="price">
        {tier} {formatPrice(product.price)}
      </p>
      <p id="stock">{stockLabel(product.stock)}</p>
      {tier === 'premium' ? <PremiumBadge /> : null}
      {/* The shell is sent first; the reviews stream in when their data is there. */}
      <Suspense fallback={<p id="reviews-loading">Loading reviews…</p>}>
        <Reviews slug={slug} />
      </Suspense>
    </article>
  )
}

function PremiumBadge() {
  return <p id="badge">Free shipping</p>
}
