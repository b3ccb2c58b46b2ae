// Rendered when the product page calls notFound().
export default function ProductNotFound() {
  return <p id="missing">No such product</p>
}
