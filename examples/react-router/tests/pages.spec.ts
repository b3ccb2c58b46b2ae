// Loaders: each test checks, in its OWN report (covPeek), the code its pages
// ran on the server, and that code only other tests run is not counted.
import { test, expect } from 'cov-als-native/playwright'
import { browserCoverage, hydrated, calls, file, ifBranch, markerHits } from './coverage'

test('home lists products by name', async ({ page, covPeek }) => {
  await page.goto('/')
  await hydrated(page)
  await expect(page.locator('#products li')).toHaveText(['Hat', 'Shoes', 'Socks'])
  const cov = await covPeek()
  expect(calls(file(cov, 'app/routes/home.tsx'), 'loader')).toBe(1)
  expect(ifBranch(cov, 'app/lib/catalog.ts', 'sort-branch')).toEqual([0, 1])
  expect(calls(file(cov, 'app/lib/catalog.ts'), 'byPrice')).toBe(0)
  expect(calls(file(cov, 'app/routes/product.tsx'), 'loader')).toBe(0)
  // The browser hydrated the same route: its component ran there too.
  expect(calls(file(await browserCoverage(page), 'app/routes/home.tsx'), 'Home')).toBeGreaterThan(0)
})

test('home sorted by price', async ({ page, covPeek }) => {
  await page.goto('/?sort=price')
  await hydrated(page)
  await expect(page.locator('#products li')).toHaveText(['Socks', 'Hat', 'Shoes'])
  const cov = await covPeek()
  expect(ifBranch(cov, 'app/lib/catalog.ts', 'sort-branch')).toEqual([1, 0])
  expect(calls(file(cov, 'app/lib/catalog.ts'), 'byPrice')).toBeGreaterThan(0)
})

test('premium product streams its reviews', async ({ page, covPeek }) => {
  await page.goto('/products/shoes')
  await hydrated(page)
  await expect(page.locator('#reviews li')).toHaveText(['comfy', 'light'])
  const cov = await covPeek()
  // Nested routes: the layout's loader and the product's, in one document request.
  expect(calls(file(cov, 'app/routes/products.tsx'), 'loader')).toBe(1)
  expect(calls(file(cov, 'app/routes/product.tsx'), 'loader')).toBe(1)
  expect(calls(file(cov, 'app/lib/catalog.ts'), 'getReviews')).toBe(1)
  expect(markerHits(cov, 'app/routes/product.tsx', 'product-missing')).toBe(0)
  expect(calls(file(cov, 'app/routes/home.tsx'), 'loader')).toBe(0)
})

test('missing product is a 404', async ({ page, covPeek }) => {
  const response = await page.goto('/products/nope')
  await hydrated(page)
  expect(response?.status()).toBe(404)
  await expect(page.locator('#error')).toHaveText('error 404')
  const cov = await covPeek()
  expect(markerHits(cov, 'app/routes/product.tsx', 'product-missing')).toBe(1)
  expect(calls(file(cov, 'app/lib/catalog.ts'), 'getReviews')).toBe(0)
  expect(calls(file(cov, 'app/root.tsx'), 'ErrorBoundary')).toBeGreaterThan(0)
})

test('client-side navigation from home to a product', async ({ page, covPeek }) => {
  await page.goto('/')
  await hydrated(page)
  await expect(page.locator('#products li')).toHaveCount(3)
  await page.click('text=Socks')
  await expect(page.locator('#no-reviews')).toBeVisible()
  const cov = await covPeek()
  // The product's loaders ran for the client's data request, not a document.
  expect(calls(file(cov, 'app/routes/product.tsx'), 'loader')).toBe(1)
  expect(calls(file(cov, 'app/lib/catalog.ts'), 'getReviews')).toBe(0)
  const browser = await browserCoverage(page)
  expect(calls(file(browser, 'app/routes/product.tsx'), 'Product')).toBeGreaterThan(0)
  expect(calls(file(browser, 'app/routes/product.tsx'), 'Reviews')).toBe(0)
})
