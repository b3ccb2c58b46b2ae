import { type RouteConfig, index, route } from '@react-router/dev/routes'

export default [
  index('routes/home.tsx'),
  // Nested: the products layout (its own loader) around one product.
  route('products', 'routes/products.tsx', [route(':slug', 'routes/product.tsx')]),
  route('cart', 'routes/cart.tsx'),
] satisfies RouteConfig
