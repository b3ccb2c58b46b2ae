// The page's client JS: the quote button asks the frontend, which asks the API.
document.getElementById('quote')?.addEventListener('click', async () => {
  const res = await fetch('/quote?id=shoes&qty=12')
  const quote = await res.json()
  document.getElementById('quote-result').textContent = `${quote.kind} ${quote.total}`
})
