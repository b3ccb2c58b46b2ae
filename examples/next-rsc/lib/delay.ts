// A stand-in for I/O latency: every data-layer call awaits a real timer, so a
// request's work is split over many turns of the event loop while other
// tests' requests run in between.
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
