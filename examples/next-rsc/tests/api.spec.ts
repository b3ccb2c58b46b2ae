// A route handler, called with Playwright's request fixture (no browser).
import { test, expect } from 'cov-als-native/playwright'
import { calls, file, markerHits } from './coverage'

test.describe('api', () => {
  test('stock of a product', async ({ request, covTestId, covPeek }) => {
    expect(covTestId).toBe('api.spec.ts › api › stock of a product')
    const res = await request.get('/api/stock/shoes')
    expect(res.status()).toBe(200)
    expect(await res.json()).toEqual({ slug: 'shoes', stock: 4, label: 'only 4 left' })
    const cov = await covPeek()
    expect(calls(file(cov, 'app/api/stock/[slug]/route.ts'), 'GET')).toBeGreaterThan(0)
    expect(markerHits(cov, 'app/api/stock/[slug]/route.ts', 'stock-404')).toBe(0)
    expect(calls(file(cov, 'lib/format.ts'), 'stockLabel')).toBeGreaterThan(0)
    // No page, no layout: a route handler renders no React.
    expect(calls(file(cov, 'app/layout.tsx'), 'RootLayout')).toBe(0)
    expect(calls(file(cov, 'app/products/[slug]/page.tsx'), 'ProductPage')).toBe(0)
  })

  test('stock of an unknown product is a 404', async ({ request, covPeek }) => {
    const res = await request.get('/api/stock/unicorn')
    expect(res.status()).toBe(404)
    expect(await res.json()).toEqual({ error: 'no product unicorn' })
    const cov = await covPeek()
    expect(markerHits(cov, 'app/api/stock/[slug]/route.ts', 'stock-404')).toBeGreaterThan(0)
    expect(calls(file(cov, 'lib/format.ts'), 'stockLabel')).toBe(0)
  })
})
