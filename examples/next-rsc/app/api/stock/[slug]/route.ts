import { getProduct } from '@/lib/catalog'
import { stockLabel } from '@/lib/format'

export const dynamic = 'force-dynamic'

// A route handler: no layout, no React, just the data layer.
export async function GET(_request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params
  const product = await getProduct(slug)
  if (!product) {
    // cov:stock-404
    return Response.json({ error: `no product ${slug}` }, { status: 404 })
  }
  return Response.json({ slug, stock: product.stock, label: stockLabel(product.stock) })
}
