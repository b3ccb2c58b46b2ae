import { greet } from '$lib/greet'

export function load({ url }: { url: URL }) {
  return { greeting: greet(url.searchParams.get('name')) }
}
