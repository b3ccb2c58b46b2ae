// Each test checks its OWN report (covPeek): the server code its page ran.
import path from 'node:path'
import { test, expect } from 'cov-als-native/playwright'

const APP = path.resolve(__dirname, '..')
type FileCoverage = {
  fnMap: Record<string, { name: string }>
  f: Record<string, number>
  branchMap: Record<string, { type: string }>
  b: Record<string, number[]>
}

function calls(cov: Record<string, FileCoverage>, rel: string, name: string): number {
  const fc = cov[path.join(APP, rel)]
  if (!fc) throw new Error(`no coverage for ${rel}; have ${Object.keys(cov).join(', ')}`)
  const ids = Object.keys(fc.fnMap).filter((k) => fc.fnMap[k].name === name)
  if (!ids.length) throw new Error(`no function ${name} in ${rel}`)
  return ids.reduce((n, k) => n + fc.f[k], 0)
}

function ifBranch(cov: Record<string, FileCoverage>, rel: string): number[] {
  const fc = cov[path.join(APP, rel)]
  const id = Object.keys(fc.branchMap).find((k) => fc.branchMap[k].type === 'if')
  return fc.b[id!]
}

test('greets by name', async ({ page, covPeek }) => {
  await page.goto('/?name=ada')
  await expect(page.locator('#greeting')).toHaveText('« hello ada »')
  const cov = await covPeek()
  expect(calls(cov, 'src/routes/+page.server.ts', 'load')).toBe(1)
  expect(ifBranch(cov, 'src/lib/greet.ts')).toEqual([1, 0])
  expect(calls(cov, 'src/lib/greet.ts', 'shout')).toBe(0)
  // The component's own function, rendered on the server (compiled .svelte, through its map).
  expect(calls(cov, 'src/routes/+page.svelte', 'decorate')).toBe(1)
  expect(calls(cov, 'src/routes/about/+page.server.ts', 'load')).toBe(0)
})

test('about shouts its title', async ({ page, covPeek }) => {
  await page.goto('/about')
  await expect(page.locator('#title')).toHaveText('ABOUT US')
  const cov = await covPeek()
  expect(calls(cov, 'src/routes/about/+page.server.ts', 'load')).toBe(1)
  expect(calls(cov, 'src/lib/greet.ts', 'shout')).toBe(1)
  expect(calls(cov, 'src/lib/greet.ts', 'greet')).toBe(0)
  expect(calls(cov, 'src/routes/+page.svelte', 'decorate')).toBe(0)
})
