// Actions (a <Form> post, both branches) and a browser-only interaction.
import { test, expect } from 'cov-als-native/playwright'
import { browserCoverage, hydrated, calls, file, markerHits } from './coverage'

test('form action adds to the cart', async ({ page, covPeek }) => {
  await page.goto('/cart')
  await hydrated(page)
  await page.selectOption('#slug', 'socks')
  await page.fill('#quantity', '3')
  await page.click('#add')
  await expect(page.locator('#result')).toHaveText('added 3 × socks, total $27')
  const cov = await covPeek()
  expect(calls(file(cov, 'app/routes/cart.tsx'), 'action')).toBe(1)
  expect(markerHits(cov, 'app/routes/cart.tsx', 'add-ok')).toBe(1)
  expect(markerHits(cov, 'app/routes/cart.tsx', 'add-invalid')).toBe(0)
  // The action's total, and the server render of the live quote.
  expect(calls(file(cov, 'app/lib/cart.ts'), 'quote')).toBe(2)
})

test('form action rejects a bad quantity', async ({ page, covPeek }) => {
  await page.goto('/cart')
  await hydrated(page)
  await page.fill('#quantity', 'lots')
  await page.click('#add')
  await expect(page.locator('#result')).toHaveText('invalid quantity')
  const cov = await covPeek()
  expect(markerHits(cov, 'app/lib/cart.ts', 'qty-invalid')).toBe(1)
  expect(markerHits(cov, 'app/routes/cart.tsx', 'add-invalid')).toBe(1)
  expect(markerHits(cov, 'app/routes/cart.tsx', 'add-ok')).toBe(0)
  // Only the server render of the live quote.
  expect(calls(file(cov, 'app/lib/cart.ts'), 'quote')).toBe(1)
})

test('a live quote runs in the browser only', async ({ page, covPeek }) => {
  await page.goto('/cart')
  await hydrated(page)
  await page.fill('#live-qty', '12')
  await expect(page.locator('#live-total')).toHaveText('$97.2')
  const browser = await browserCoverage(page)
  expect(calls(file(browser, 'app/routes/cart.tsx'), 'onChange')).toBeGreaterThan(0)
  expect(markerHits(browser, 'app/lib/cart.ts', 'bulk-discount')).toBeGreaterThan(0)
  const cov = await covPeek()
  // The server rendered the page and ran no action; the discount was the browser's.
  expect(calls(file(cov, 'app/routes/cart.tsx'), 'action')).toBe(0)
  expect(calls(file(cov, 'app/routes/cart.tsx'), 'onChange')).toBe(0)
  expect(markerHits(cov, 'app/lib/cart.ts', 'bulk-discount')).toBe(0)
})
