import { Link, useLoaderData, type LoaderFunctionArgs } from 'react-router'
import { listProducts } from '../lib/catalog'

export async function loader({ request }: LoaderFunctionArgs) {
  const sort = new URL(request.url).searchParams.get('sort')
  return { products: listProducts(sort) }
}

export default function Home() {
  const { products } = useLoaderData<typeof loader>()
  return (
    <main>
      <h1>Shop</h1>
      <ul id="products">
        {products.map((p) => (
          <li key={p.slug}>
            <Link to={`/products/${p.slug}`}>{p.name}</Link>
          </li>
        ))}
      </ul>
    </main>
  )
}
