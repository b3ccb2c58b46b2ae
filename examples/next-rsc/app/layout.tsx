import type { ReactNode } from 'react'

export const metadata = { title: 'cov-als-native: Next.js example shop' }

// A synchronous server component: it runs for every page request (not for
// the route handler, nor for the prerendered /about).
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <nav>
            <a href="/">Home</a> · <a href="/search">Search</a> · <a href="/cart">Cart</a> · <a href="/about">About</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
