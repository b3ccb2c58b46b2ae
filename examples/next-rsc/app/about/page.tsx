import { plural } from '@/lib/format'

// Static: prerendered by `next build`, served as HTML at run time. Its code
// never runs in the server, so no test's report counts it.
export const dynamic = 'force-static'

export default function AboutPage() {
  return <p id="about">A shop of {plural(3, 'product')}, prerendered at build time.</p>
}
