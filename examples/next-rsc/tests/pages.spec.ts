// Server components: each test checks, in its OWN report (covPeek), that the
// code its pages ran is counted and that code only other tests run is not.
// Counts can be > 1 here: the desktop and mobile runs of a test share an id.
import { test, expect } from 'cov-als-native/playwright'
import { calls, file, ifBranch, markerHits } from './coverage'

test('home lists products by name', async ({ page, covPeek }) => {
  await page.goto('/')
  await expect(page.locator('#products li')).toHaveText([/^Hat/, /^Shoes/, /^Socks/])
  const cov = await covPeek()
  expect(calls(file(cov, 'app/page.tsx'), 'HomePage')).toBeGreaterThan(0)
  expect(calls(file(cov, 'app/layout.tsx'), 'RootLayout')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/catalog.ts', 'sort-name')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/catalog.ts', 'sort-price')).toBe(0)
  // lib/format.ts is shared: the home page formats prices but has no tiers.
  expect(calls(file(cov, 'lib/format.ts'), 'formatPrice')).toBeGreaterThan(0)
  expect(calls(file(cov, 'lib/format.ts'), 'tierOf')).toBe(0)
  expect(calls(file(cov, 'app/products/[slug]/page.tsx'), 'ProductPage')).toBe(0)
})

test('home sorted by price', async ({ page, covPeek }) => {
  await page.goto('/?sort=price')
  await expect(page.locator('#sort')).toHaveText('sorted by price')
  await expect(page.locator('#products li').first()).toHaveText(/^Socks/)
  const cov = await covPeek()
  expect(markerHits(cov, 'lib/catalog.ts', 'sort-price')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/catalog.ts', 'sort-name')).toBe(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'byPrice')).toBeGreaterThan(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'byName')).toBe(0)
})

test('premium product streams its reviews', async ({ page, covPeek }) => {
  await page.goto('/products/shoes')
  await expect(page.locator('#price')).toHaveText('premium $120.00')
  await expect(page.locator('#badge')).toHaveText('Free shipping')
  // Streamed in through <Suspense> after a timer.
  await expect(page.locator('#reviews h2')).toHaveText('2 reviews')
  const cov = await covPeek()
  const product = file(cov, 'app/products/[slug]/page.tsx')
  expect(calls(product, 'ProductPage')).toBeGreaterThan(0)
  expect(calls(product, 'PremiumBadge')).toBeGreaterThan(0)
  expect(markerHits(cov, 'app/products/[slug]/page.tsx', 'product-missing')).toBe(0)
  expect(calls(file(cov, 'app/products/[slug]/reviews.tsx'), 'Reviews')).toBeGreaterThan(0)
  // The "no reviews" branch was not taken (only its else).
  const [noReviews, someReviews] = ifBranch(cov, 'app/products/[slug]/reviews.tsx', 'if-no-reviews')
  expect(noReviews).toBe(0)
  expect(someReviews).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/format.ts', 'tier-premium')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/format.ts', 'tier-standard')).toBe(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'getReviews')).toBeGreaterThan(0)
  expect(calls(file(cov, 'app/page.tsx'), 'HomePage')).toBe(0)
})

test('standard product without reviews', async ({ page, covPeek }) => {
  await page.goto('/products/socks')
  await expect(page.locator('#price')).toHaveText('standard $9.00')
  await expect(page.locator('#reviews')).toHaveText('No reviews yet')
  const cov = await covPeek()
  expect(calls(file(cov, 'app/products/[slug]/page.tsx'), 'PremiumBadge')).toBe(0)
  const [noReviews, someReviews] = ifBranch(cov, 'app/products/[slug]/reviews.tsx', 'if-no-reviews')
  expect(noReviews).toBeGreaterThan(0)
  expect(someReviews).toBe(0)
  expect(markerHits(cov, 'lib/format.ts', 'tier-standard')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/format.ts', 'tier-premium')).toBe(0)
  expect(calls(file(cov, 'lib/format.ts'), 'plural')).toBe(0)
})

test('missing product is a 404', async ({ page, covPeek }) => {
  const res = await page.goto('/products/unicorn')
  expect(res?.status()).toBe(404)
  await expect(page.locator('#missing')).toHaveText('No such product')
  const cov = await covPeek()
  expect(markerHits(cov, 'app/products/[slug]/page.tsx', 'product-missing')).toBeGreaterThan(0)
  expect(calls(file(cov, 'app/products/[slug]/not-found.tsx'), 'ProductNotFound')).toBeGreaterThan(0)
  expect(calls(file(cov, 'app/products/[slug]/reviews.tsx'), 'Reviews')).toBe(0)
  expect(calls(file(cov, 'lib/format.ts'), 'tierOf')).toBe(0)
})

test('client-side navigation from home to a product', async ({ page, covPeek }) => {
  await page.goto('/')
  // next/link: the product page comes as an RSC payload fetched by the
  // browser, with the test's header too.
  await page.getByRole('link', { name: 'Hat' }).click()
  await expect(page).toHaveURL(/\/products\/hat$/)
  await expect(page.locator('#stock')).toHaveText('sold out')
  const cov = await covPeek()
  expect(calls(file(cov, 'app/page.tsx'), 'HomePage')).toBeGreaterThan(0)
  expect(calls(file(cov, 'app/products/[slug]/page.tsx'), 'ProductPage')).toBeGreaterThan(0)
  expect(markerHits(cov, 'lib/format.ts', 'stock-out')).toBeGreaterThan(0)
  // Hat has no reviews and is not premium; search and cart are other tests'.
  expect(calls(file(cov, 'app/products/[slug]/page.tsx'), 'PremiumBadge')).toBe(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'searchProducts')).toBe(0)
  expect(calls(file(cov, 'app/cart/actions.ts'), 'addToCart')).toBe(0)
})

test('search finds a product', async ({ page, covPeek }) => {
  await page.goto('/search')
  await page.fill('#q', 'ha')
  await page.click('#go')
  await expect(page.locator('#results li')).toHaveText(['Hat $25.00'])
  const cov = await covPeek()
  // Both visits: the empty form first, then the results.
  expect(markerHits(cov, 'app/search/page.tsx', 'search-empty')).toBeGreaterThan(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'searchProducts')).toBeGreaterThan(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'getProduct')).toBe(0)
})

test('empty search shows a hint', async ({ page, covPeek }) => {
  await page.goto('/search?q=%20')
  await expect(page.locator('#hint')).toHaveText('Type a product name')
  const cov = await covPeek()
  expect(calls(file(cov, 'app/search/page.tsx'), 'EmptySearch')).toBeGreaterThan(0)
  expect(calls(file(cov, 'lib/catalog.ts'), 'searchProducts')).toBe(0)
})

test('the about page is prerendered at build time', async ({ page, covPeek }) => {
  await page.goto('/about')
  await expect(page.locator('#about')).toHaveText('A shop of 3 products, prerendered at build time.')
  // Served as HTML that `next build` wrote: its component never runs in the
  // server (its module may not even be loaded), and neither does the layout.
  const cov = await covPeek()
  const about = Object.entries(cov).find(([k]) => k.endsWith('/app/about/page.tsx'))?.[1]
  if (about) expect(calls(about, 'AboutPage')).toBe(0)
  expect(calls(file(cov, 'app/layout.tsx'), 'RootLayout')).toBe(0)
})
