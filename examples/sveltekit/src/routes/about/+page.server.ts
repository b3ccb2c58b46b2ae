import { shout } from '$lib/greet'

export function load() {
  return { title: shout('about us') }
}
