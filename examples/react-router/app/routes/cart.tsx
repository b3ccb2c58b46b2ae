import { useState } from 'react'
import { Form, useActionData, type ActionFunctionArgs } from 'react-router'
import { getProduct } from '../lib/catalog'
import { parseQuantity, quote } from '../lib/cart'

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData()
  const product = getProduct(String(form.get('slug')))
  const quantity = parseQuantity(form.get('quantity'))
  if (!product || !quantity.ok) {
    // cov:add-invalid
    return { message: quantity.ok ? 'unknown product' : quantity.reason }
  }
  // cov:add-ok
  return { message: `added ${quantity.value} × ${product.slug}, total $${quote(product.price, quantity.value)}` }
}

export default function Cart() {
  const result = useActionData<typeof action>()
  return (
    <main>
      <Form method="post">
        <select id="slug" name="slug" defaultValue="shoes">
          <option value="shoes">shoes</option>
          <option value="socks">socks</option>
        </select>
        <input id="quantity" name="quantity" defaultValue="1" />
        <button id="add" type="submit">
          add
        </button>
      </Form>
      <p id="result">{result?.message}</p>
      <LiveQuote />
    </main>
  )
}

// Runs in the browser only: a live price while typing, no request.
function LiveQuote() {
  const [qty, setQty] = useState(1)
  function onChange(value: string) {
    // cov:live-change
    setQty(Number(value) || 0)
  }
  return (
    <p>
      <input id="live-qty" type="number" value={qty} onChange={(e) => onChange(e.target.value)} />
      <span id="live-total">${quote(9, qty)}</span>
    </p>
  )
}
