// Server actions: posted by a form, and called from a 'use client' component.
import { test, expect } from 'cov-als-native/playwright'
import { calls, file, markerHits } from './coverage'

test('form post through a server action', async ({ page, covPeek }) => {
  await page.goto('/cart')
  await page.selectOption('#slug', 'socks')
  await page.fill('#quantity', '3')
  await page.click('#add')
  await expect(page.locator('#result')).toHaveText('added 3 × socks')
  const cov = await covPeek()
  const actions = file(cov, 'app/cart/actions.ts')
  expect(calls(actions, 'addToCart')).toBeGreaterThan(0)
  expect(calls(actions, 'getQuote')).toBe(0)
  expect(markerHits(cov, 'app/cart/actions.ts', 'add-ok')).toBeGreaterThan(0)
  expect(markerHits(cov, 'app/cart/actions.ts', 'add-invalid')).toBe(0)
  expect(calls(file(cov, 'lib/cart.ts'), 'parseQuantity')).toBeGreaterThan(0)
  expect(calls(file(cov, 'lib/cart.ts'), 'quote')).toBe(0)
})

test('a server action rejects a bad quantity', async ({ page, covPeek }) => {
  await page.goto('/cart')
  await page.fill('#quantity', 'lots')
  await page.click('#add')
  await expect(page.locator('#result')).toHaveText('invalid quantity')
  const cov = await covPeek()
  expect(markerHits(cov, 'lib/cart.ts', 'qty-invalid')).toBeGreaterThan(0)
  expect(markerHits(cov, 'app/cart/actions.ts', 'add-invalid')).toBeGreaterThan(0)
  expect(markerHits(cov, 'app/cart/actions.ts', 'add-ok')).toBe(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'getProduct')).toBe(0)
})

test('a client component calls a server action', async ({ page, covPeek }) => {
  await page.goto('/cart')
  await page.fill('#quote-qty', '12')
  await page.click('#quote')
  await expect(page.locator('#quote-result')).toHaveText('$97.20 (saved $10.80)')
  const cov = await covPeek()
  const actions = file(cov, 'app/cart/actions.ts')
  expect(calls(actions, 'getQuote')).toBeGreaterThan(0)
  expect(calls(actions, 'addToCart')).toBe(0)
  expect(markerHits(cov, 'app/cart/actions.ts', 'quote-discount')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/cart.ts', 'bulk-discount')).toBeGreaterThan(0)
  // The client component also ran on the server, to render the page (SSR).
  expect(calls(file(cov, 'app/cart/quote-button.tsx'), 'QuoteButton')).toBeGreaterThan(0)
})
