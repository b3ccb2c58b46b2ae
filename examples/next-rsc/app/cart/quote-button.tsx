'use client'
// A client component: rendered on the server too (SSR, counted in the test
// that loads the page), then hydrated; its click calls a server action.
import { useEffect, useState, useTransition } from 'react'
import { getQuote } from './actions'

export function QuoteButton({ slug }: { slug: string }) {
  const [hydrated, setHydrated] = useState(false)
  const [quantity, setQuantity] = useState(1)
  const [text, setText] = useState('')
  const [pending, startTransition] = useTransition()
  useEffect(() => setHydrated(true), [])

  // Runs in the browser only (a click): in the report's browser half.
  function onQuote() {
    // cov:quote-click
    startTransition(async () => {
      setText(await getQuote(slug, quantity))
    })
  }

  return (
    <div>
      <label>
        {slug} × <input id="quote-qty" type="number" value={quantity} onChange={(e) => setQuantity(Number(e.target.value))} />
      </label>{' '}
      <button id="quote" onClick={onQuote} disabled={!hydrated || pending}>
        Get a quote
      </button>{' '}
      <output id="quote-result">{text}</output>
    </div>
  )
}
