import { getReviews } from '@/lib/catalog'
import { plural } from '@/lib/format'

// An async server component rendered inside <Suspense>: it resumes after a
// timer, long after the page shell has been streamed, still in its test.
export async function Reviews({ slug }: { slug: string }) {
  const reviews = await getReviews(slug)
  // cov:if-no-reviews
  if (reviews.length === 0) {
    return <p id="reviews">No reviews yet</p>
  }
  return (
    <section id="reviews">
      <h2>{plural(reviews.length, 'review')}</h2>
      <ul>
        {reviews.map((r) => (
          <li key={r.author}>
            {r.author}: {'★'.repeat(r.stars)} {r.text}
          </li>
        ))}
      </ul>
    </section>
  )
}
