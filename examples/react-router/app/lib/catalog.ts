export type Product = { slug: string; name: string; price: number; premium: boolean }

const PRODUCTS: Product[] = [
  { slug: 'shoes', name: 'Shoes', price: 50, premium: true },
  { slug: 'socks', name: 'Socks', price: 9, premium: false },
  { slug: 'hat', name: 'Hat', price: 20, premium: false },
]

export function listProducts(sort: string | null): Product[] {
  const list = [...PRODUCTS]
  // cov:sort-branch
  if (sort === 'price') {
    // cov:sort-price
    list.sort(byPrice)
  } else {
    // cov:sort-name
    list.sort((a, b) => a.name.localeCompare(b.name))
  }
  return list
}

function byPrice(a: Product, b: Product): number {
  return a.price - b.price
}

export function getProduct(slug: string): Product | undefined {
  return PRODUCTS.find((p) => p.slug === slug)
}

/** Reviews come late: the page streams them in after the product. */
export async function getReviews(slug: string): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 50))
  return slug === 'shoes' ? ['comfy', 'light'] : []
}
