/* cov-als-native: who covers this line, on a file page of the merged html
 * report. Loads this page's data file (data-tests of this script tag, a
 * `covAlsLineTests({...})` call, so it works from file:// too), adds a column
 * with the number of tests per line, and on a click opens that line's tests:
 * filterable, each linked to its own report. The list is built only when
 * opened, at most LIMIT rows at a time. With `?test=<id>` in the URL (a
 * test's page links here so), the page is that test's view: the lines it ran
 * are marked with its hits, the lines only other tests ran are marked as
 * not run by it. */
;(function () {
  'use strict'
  var LIMIT = 200
  var HALVES = { 1: 'server', 2: 'browser', 3: 'server + browser' }
  var script = document.currentScript
  var data = null
  var panel = null

  window.covAlsLineTests = function (d) {
    data = d
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', addColumn)
    else addColumn()
  }

  function addColumn() {
    var counts = document.querySelector('table.coverage td.line-coverage')
    if (!counts || !data) return
    var lines = counts.querySelectorAll('.cline-any').length
    var byLine = {}
    data.lines.forEach(function (l) {
      byLine[l[0]] = l[1]
    })
    var cells = []
    for (var line = 1; line <= lines; line++) {
      var tests = byLine[line]
      var title = tests && tests.length + (tests.length === 1 ? ' test covers' : ' tests cover') + ' line ' + line
      cells.push(
        tests
          ? '<a class="cov-als-tests" href="#L' + line + '" data-line="' + line + '" title="' + title + '">' + tests.length + '</a>'
          : '<span class="cov-als-none">&nbsp;</span>',
      )
    }
    var td = document.createElement('td')
    td.className = 'line-tests quiet'
    td.innerHTML = cells.join('\n')
    counts.parentNode.insertBefore(td, counts.nextSibling)
    var viewed = viewedTest()
    if (viewed !== null) markTest(viewed, byLine, counts)
    td.addEventListener('click', function (e) {
      var a = e.target.closest && e.target.closest('a.cov-als-tests')
      if (!a) return
      e.preventDefault()
      open(Number(a.getAttribute('data-line')), byLine[a.getAttribute('data-line')])
    })
  }

  // The test named by `?test=` and its index in data.tests (-1: it ran nothing here), or null.
  function viewedTest() {
    var m = /[?&]test=([^&#]*)/.exec(window.location.search)
    if (!m) return null
    var id = decodeURIComponent(m[1].replace(/\+/g, ' '))
    for (var i = 0; i < data.tests.length; i++) if (data.tests[i][0] === id) return { id: id, index: i }
    return { id: id, index: -1 }
  }

  function markTest(viewed, byLine, counts) {
    var cells = counts.querySelectorAll('.cline-any')
    var ran = 0
    for (var i = 0; i < cells.length; i++) {
      var entries = byLine[i + 1] || []
      var mine = null
      for (var k = 0; k < entries.length; k++) if (entries[k][0] === viewed.index) mine = entries[k]
      var cell = cells[i]
      if (mine && mine[2] > 0) {
        cell.classList.add('cov-als-test-ran')
        cell.textContent = mine[5] + 'x'
        ran++
      } else if (cell.classList.contains('cline-yes')) {
        cell.classList.add('cov-als-test-not')
        cell.textContent = ''
      }
    }
    var note = el('p', 'cov-als-view')
    note.appendChild(document.createTextNode('As test '))
    note.appendChild(el('strong', 'cov-als-test-id', viewed.id))
    note.appendChild(
      document.createTextNode(
        ' ran it: ' +
          ran +
          (ran === 1 ? ' line' : ' lines') +
          ' marked with its hits; lines only other tests ran are marked red (source highlights: all tests). ',
      ),
    )
    var all = el('a', '', 'all tests')
    all.href = window.location.pathname
    note.appendChild(all)
    var h1 = document.querySelector('h1')
    if (h1 && h1.parentNode) h1.parentNode.insertBefore(note, h1.nextSibling)
  }

  function el(tag, className, text) {
    var e = document.createElement(tag)
    if (className) e.className = className
    if (text !== undefined) e.textContent = text
    return e
  }

  function describe(entry) {
    var parts = [HALVES[entry[1]] || '']
    if (entry[5] > 0) parts.push(entry[5] + 'x')
    if (entry[3] > 0) parts.push(entry[3] + (entry[3] === 1 ? ' branch arm' : ' branch arms'))
    if (entry[4] > 0) parts.push(entry[4] + (entry[4] === 1 ? ' function' : ' functions'))
    return parts.join(' · ')
  }

  function open(line, entries) {
    close()
    panel = el('div', 'cov-als-panel')
    panel.id = 'cov-als-panel'
    panel.setAttribute('role', 'dialog')
    var head = el('div', 'cov-als-head')
    var count = el('strong', 'cov-als-count', String(entries.length))
    head.appendChild(count)
    head.appendChild(document.createTextNode((entries.length === 1 ? ' test covers' : ' tests cover') + ' line ' + line))
    var shut = el('button', 'cov-als-close', '×')
    shut.type = 'button'
    shut.title = 'close (Esc)'
    shut.addEventListener('click', close)
    head.appendChild(shut)
    panel.appendChild(head)
    var filter = el('input', 'cov-als-filter')
    filter.type = 'search'
    filter.placeholder = 'filter tests'
    panel.appendChild(filter)
    var list = el('ul', 'cov-als-list')
    panel.appendChild(list)
    var more = el('div', 'cov-als-more quiet')
    panel.appendChild(more)
    var render = function () {
      var needle = filter.value.toLowerCase()
      list.textContent = ''
      var shown = 0
      var matching = 0
      for (var i = 0; i < entries.length; i++) {
        var name = data.tests[entries[i][0]][0]
        if (needle && name.toLowerCase().indexOf(needle) < 0) continue
        matching++
        if (shown >= LIMIT) continue
        shown++
        var href = data.tests[entries[i][0]][1]
        var li = el('li')
        var link = el(href ? 'a' : 'span', 'cov-als-test', name)
        if (href) link.href = data.base + href
        li.appendChild(link)
        li.appendChild(el('span', 'cov-als-what quiet', describe(entries[i])))
        list.appendChild(li)
      }
      more.textContent = matching > shown ? 'showing ' + shown + ' of ' + matching + ': type to narrow' : needle ? matching + ' of ' + entries.length : ''
    }
    filter.addEventListener('input', render)
    // Keys typed here are not istanbul's block navigation (n, j, b, p, k).
    filter.addEventListener('keydown', function (e) {
      e.stopPropagation()
      if (e.key === 'Escape') close()
    })
    render()
    document.body.appendChild(panel)
    filter.focus()
  }

  function close() {
    if (panel && panel.parentNode) panel.parentNode.removeChild(panel)
    panel = null
  }

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') close()
  })

  var src = script && script.getAttribute('data-tests')
  if (src) {
    var load = document.createElement('script')
    load.src = src
    document.head.appendChild(load)
  }
})()
