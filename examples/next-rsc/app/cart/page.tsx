import { addToCart } from './actions'
import { QuoteButton } from './quote-button'

export const dynamic = 'force-dynamic'

type Props = { searchParams: Promise<{ added?: string; qty?: string; error?: string }> }

export default async function CartPage({ searchParams }: Props) {
  const { added, qty, error } = await searchParams
  let message = ''
  if (error) message = error
  else if (added) message = `added ${qty} × ${added}`
  return (
    <>
      <h1>Cart</h1>
      <p id="result">{message}</p>
      {/* A server action as the form's action: posted with or without JavaScript. */}
      <form action={addToCart}>
        <select id="slug" name="slug" defaultValue="shoes">
          <option value="shoes">Shoes</option>
          <option value="hat">Hat</option>
          <option value="socks">Socks</option>
        </select>{' '}
        <input id="quantity" name="quantity" defaultValue="1" />{' '}
        <button id="add">Add to cart</button>
      </form>
      <QuoteButton slug="socks" />
    </>
  )
}
