import Link from 'next/link'
import { listProducts } from '@/lib/catalog'
import { formatPrice } from '@/lib/format'

// Rendered per request (it reads searchParams anyway).
export const dynamic = 'force-dynamic'

type Props = { searchParams: Promise<{ sort?: string }> }

export default async function HomePage({ searchParams }: Props) {
  const { sort = 'name' } = await searchParams
  const products = await listProducts(sort)
  return (
    <>
      <h1>Products</h1>
      <p id="sort">sorted by {sort === 'price' ? 'price' : 'name'}</p>
      <ul id="products">
        {products.map((p) => (
          <li key={p.slug}>
            {/* no prefetch: a prefetch would render other pages in this test's name */}
            <Link prefetch={false} href={`/products/${p.slug}`}>
              {p.name}
            </Link>{' '}
            {formatPrice(p.price)}
          </li>
        ))}
      </ul>
    </>
  )
}
