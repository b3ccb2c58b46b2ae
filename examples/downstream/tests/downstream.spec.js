// @ts-check
const { test, expect } = require('cov-als-native/playwright')

const { API, API_WORKERS } = require('../settings')

test('home lists the products', async ({ page }) => {
  await page.goto('/')
  await expect(page.locator('#products li')).toHaveCount(3)
})

test('a product page', async ({ page }) => {
  await page.goto('/product/shoes')
  await expect(page.locator('#price')).toHaveText('50')
})

test('a missing product', async ({ page }) => {
  await page.goto('/product/unicorn')
  await expect(page.locator('#missing')).toHaveText('No product unicorn')
})

test('a bulk quote from the browser', async ({ page }) => {
  await page.goto('/')
  await page.click('#quote')
  await expect(page.locator('#quote-result')).toHaveText('bulk 540')
})

test('a retail quote through the request fixture', async ({ request }) => {
  const res = await request.get('/quote?id=socks&qty=2')
  expect(await res.json()).toEqual({ id: 'socks', qty: 2, total: 10, kind: 'retail' })
})

test('compare calls the API once per product, over the cluster', async ({ page }) => {
  await page.goto('/compare?ids=shoes,socks,hat,shoes,socks,hat')
  await expect(page.locator('#compare tr')).toHaveCount(6)
  const workers = (await page.locator('#workers').textContent()).split(',')
  // Fresh connections are spread round-robin over the API's workers.
  expect(workers.length).toBe(API_WORKERS)
})

test('the API directly through the request fixture', async ({ request }) => {
  const res = await request.get(`${API}/api/products/hat`)
  expect((await res.json()).price).toBe(20)
})
