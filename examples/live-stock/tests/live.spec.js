'use strict'
// Each test's live traffic (WebSocket messages, socket.io over polling then
// WebSocket) counts for that test: the fixture's header reaches Chromium's
// WebSocket handshakes, and the server scopes each connection to it.
const { test, expect } = require('cov-als-native/playwright')

test('shoes: reserve three over the live WebSocket', async ({ page }) => {
  await page.goto('/product/shoes')
  await expect(page.locator('#stock')).toHaveText('5 in stock')
  for (const text of ['4 in stock', '3 in stock', 'only 2 left']) {
    await page.click('#reserve')
    await expect(page.locator('#stock')).toHaveText(text)
  }
})

test('scarf: reserve the last one, then it is sold out', async ({ page }) => {
  await page.goto('/product/scarf')
  await expect(page.locator('#stock')).toHaveText('only 1 left')
  await page.click('#reserve')
  await expect(page.locator('#stock')).toHaveText('sold out')
  await page.click('#reserve')
  await expect(page.locator('#stock')).toHaveText('scarf is sold out')
})

test('hat: wave over socket.io once it is upgraded to a WebSocket', async ({ page }) => {
  await page.goto('/product/hat')
  await expect(page.locator('#transport')).toHaveText('websocket')
  await page.click('#wave')
  await expect(page.locator('#waved')).toHaveText('you are the only one looking at hat')
})
