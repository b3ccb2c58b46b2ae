// The fake data layer shared by the pages, the route handler and the server
// actions. Every call awaits a timer, like a database would.
import { delay } from './delay'

export type Product = { slug: string; name: string; price: number; stock: number }
export type Review = { author: string; stars: number; text: string }

const PRODUCTS: Product[] = [
  { slug: 'shoes', name: 'Shoes', price: 12000, stock: 4 },
  { slug: 'hat', name: 'Hat', price: 2500, stock: 0 },
  { slug: 'socks', name: 'Socks', price: 900, stock: 40 },
]

const REVIEWS: Record<string, Review[]> = {
  shoes: [
    { author: 'ana', stars: 5, text: 'Light and warm' },
    { author: 'bo', stars: 4, text: 'Run a bit small' },
  ],
}

function byName(a: Product, b: Product): number {
  return a.name.localeCompare(b.name)
}

function byPrice(a: Product, b: Product): number {
  return a.price - b.price
}

export async function listProducts(sort: string): Promise<Product[]> {
  await delay(5)
  const copy = [...PRODUCTS]
  if (sort === 'price') {
    // cov:sort-price
    copy.sort(byPrice)
  } else {
    // cov:sort-name
    copy.sort(byName)
  }
  return copy
}

export async function getProduct(slug: string): Promise<Product | null> {
  await delay(5)
  return PRODUCTS.find((p) => p.slug === slug) ?? null
}

export async function searchProducts(query: string): Promise<Product[]> {
  await delay(5)
  const q = query.trim().toLowerCase()
  return PRODUCTS.filter((p) => p.name.toLowerCase().includes(q))
}

// Slow on purpose: the product page streams it in through <Suspense>.
export async function getReviews(slug: string): Promise<Review[]> {
  await delay(60)
  return REVIEWS[slug] ?? []
}
