// @ts-check
// A listed server that does not answer: a warning naming it, or with
// covStrict a failure; the servers that answered still count.
const { test, expect } = require('cov-als-native/playwright')

const { FRONTEND, API, DEAD_URL } = require('../settings')

test.describe('a listed server that does not answer', () => {
  test.use({ covServerURL: [FRONTEND, API, DEAD_URL] })

  test('is a warning naming it', async ({ page }) => {
    await page.goto('/product/hat')
    await expect(page.locator('#price')).toHaveText('20')
  })

  test.describe('with covStrict', () => {
    test.use({ covStrict: true })
    test('is a failure', async ({ page }) => {
      test.fail()
      await page.goto('/product/socks')
      await expect(page.locator('#price')).toHaveText('5')
    })
  })
})
