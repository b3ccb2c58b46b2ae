import { Suspense } from 'react'
import { Await, data, useLoaderData, type LoaderFunctionArgs } from 'react-router'
import { getProduct, getReviews } from '../lib/catalog'

export async function loader({ params }: LoaderFunctionArgs) {
  const product = getProduct(params.slug ?? '')
  if (!product) {
    // cov:product-missing
    throw data('no such product', { status: 404 })
  }
  // Not awaited: the page streams, the reviews arrive later in the same response.
  const reviews = product.premium ? getReviews(product.slug) : null
  return { product, reviews }
}

export default function Product() {
  const { product, reviews } = useLoaderData<typeof loader>()
  return (
    <article>
      <h2 id="name">{product.name}</h2>
      <p id="price">${product.price}</p>
      {reviews ? (
        <Suspense fallback={<p id="reviews-loading">loading reviews</p>}>
          <Await resolve={reviews}>{(list) => <Reviews list={list} />}</Await>
        </Suspense>
      ) : (
        <p id="no-reviews">no reviews</p>
      )}
    </article>
  )
}

function Reviews({ list }: { list: string[] }) {
  return <ul id="reviews">{list.map((r) => <li key={r}>{r}</li>)}</ul>
}
