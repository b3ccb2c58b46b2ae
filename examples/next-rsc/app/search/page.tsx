import { searchProducts } from '@/lib/catalog'
import { formatPrice } from '@/lib/format'

export const dynamic = 'force-dynamic'

type Props = { searchParams: Promise<{ q?: string }> }

export default async function SearchPage({ searchParams }: Props) {
  const { q = '' } = await searchParams
  if (q.trim() === '') {
    // cov:search-empty
    return <EmptySearch />
  }
  const results = await searchProducts(q)
  return (
    <>
      <SearchForm q={q} />
      {results.length > 0 ? (
        <ul id="results">
          {results.map((p) => (
            <li key={p.slug}>
              {p.name} {formatPrice(p.price)}
            </li>
          ))}
        </ul>
      ) : (
        <p id="results">nothing matches {q}</p>
      )}
    </>
  )
}

function EmptySearch() {
  return (
    <>
      <SearchForm q="" />
      <p id="hint">Type a product name</p>
    </>
  )
}

function SearchForm({ q }: { q: string }) {
  return (
    <form action="/search">
      <input id="q" name="q" defaultValue={q} />
      <button id="go">Search</button>
    </form>
  )
}
