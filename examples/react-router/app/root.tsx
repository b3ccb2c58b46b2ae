import { Links, Meta, Outlet, Scripts, ScrollRestoration, Link } from 'react-router'
import { useEffect, type ReactNode } from 'react'

export function Layout({ children }: { children: ReactNode }) {
  // Tests wait for this before they interact: the page is hydrated.
  useEffect(() => {
    document.body.dataset.hydrated = 'yes'
  }, [])
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        {/* No /favicon.ico request: it would render the 404 page inside whichever test it races with. */}
        <link rel="icon" href="data:," />
        <Meta />
        <Links />
      </head>
      <body>
        <nav>
          <Link to="/">home</Link> <Link to="/products">products</Link> <Link to="/cart">cart</Link>
        </nav>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

export function ErrorBoundary({ error }: { error: unknown }) {
  const status = typeof error === 'object' && error !== null && 'status' in error ? (error as { status: number }).status : 500
  return <h1 id="error">error {status}</h1>
}
