import { Outlet, useLoaderData } from 'react-router'
import { listProducts } from '../lib/catalog'

// The layout route: its loader runs for every product page too.
export async function loader() {
  return { count: listProducts(null).length }
}

export default function Products() {
  const { count } = useLoaderData<typeof loader>()
  return (
    <section>
      <p id="count">{count} products</p>
      <Outlet />
    </section>
  )
}
