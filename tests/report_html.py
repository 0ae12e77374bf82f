#!/usr/bin/python3
"""
Tests of the HTML report (issue 11): --report FILE.html writes one page,
self-contained, whose numbers are those of the load.

    tests/with-postgres tests/report_html.py [NAME-SUBSTRING]

Uses the harness of tests/integration.py (its database gtfs2pgsql_test_<pid>,
its psql helpers, its "N passed, N failed, N skipped" line); only the tests
registered here run.  Standard library only.

  html_<feed>         a real feed (bart-2018, and the largest,
                      mta-bus-brooklyn): the page parses with balanced
                      tags, has no script and fetches nothing, is under
                      2 MB, its rows per file are the registry report's
                      and the tables' counts, its notice counts those of
                      import_notices, and its map has one path per shape
  html_no_geometry    --no-geometry: the same numbers, no map
  html_escapes        names and values of a hostile feed come out as text
  html_by_extension   .htm and .HTML are pages; .json and other names JSON
  html_kept_when_load_fails  an existing page stays as it was
  html_budget         1,500 shapes of 80 random points, whose lines alone
                      would take 1.5 MB: the page stays under 2 MB and says
                      how many it left out
"""
import html.parser, json, os, random, re, sys

sys.dont_write_bytecode = True     # no tests/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integration as it                                     # noqa: E402

if __name__ == '__main__':
    it.TESTS[:] = []            # only the tests of this file

test, check, Skip = it.test, it.check, it.Skip
query, value, ql, rel = it.query, it.value, it.ql, it.rel
describe = it.describe

PAGE_MAX_BYTES = 2_000_000
VOID = {'meta', 'br', 'hr', 'img', 'input', 'link', 'wbr', 'col', 'area',
        'base', 'source', 'track', 'embed', 'param'}


class Page(html.parser.HTMLParser):
    """What a test needs of a page: its problems of structure, its tables by
    id (rows of cell texts), its tags, and the shape paths of its map."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.problems, self.stack, self.tags = [], [], []
        self.attrs = []                 # (tag, name, value) of every attribute
        self.tables = {}                # id -> [[cell text, ...], ...]
        self.table = self.row = self.cell = None
        self.map_paths = self.line_paths = self.svgs = 0
        self.titles, self.title = [], None
        self.text = []
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append('unclosed at the end: %s' % self.stack)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, n, v or '') for n, v in attrs]
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        self.element(tag, a)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, n, v or '') for n, v in attrs]
        self.element(tag, dict(attrs))

    def element(self, tag, a):
        if tag == 'table':
            self.table = self.tables.setdefault(a.get('id', ''), [])
        elif tag == 'tr' and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ('td', 'th') and self.row is not None:
            self.cell = []
        elif tag == 'svg':
            self.svgs += 1
        elif tag == 'path' and 'svg' in self.stack:
            self.map_paths += 1
            if 'g' in self.stack:
                self.line_paths += 1
        elif tag == 'title' and 'svg' in self.stack:
            self.title = []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append('</%s> closes %s' % (
                tag, self.stack[-1] if self.stack else 'nothing'))
            return
        self.stack.pop()
        if tag in ('td', 'th') and self.cell is not None:
            self.row.append(''.join(self.cell).strip())
            self.cell = None
        elif tag == 'table':
            self.table = self.row = None
        elif tag == 'title' and self.title is not None:
            self.titles.append(''.join(self.title))
            self.title = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)
        if self.title is not None:
            self.title.append(data)


def number(text):
    return int(text.replace(',', ''))


def make_page(path, geometry):
    """Parses the page at path, asserting what every page must be."""
    size = os.path.getsize(path)
    check(size < PAGE_MAX_BYTES, '%s is %d bytes' % (path, size))
    with open(path, encoding='utf-8') as f:
        text = f.read()
    check(text.startswith('<!DOCTYPE html>'), 'no doctype: %r' % text[:80])
    page = Page(text)
    check(not page.problems, 'tags not balanced: %s' % page.problems[:5])
    check('script' not in page.tags, 'a <script> in the page')
    fetch = [(t, n, v) for t, n, v in page.attrs
             if n in ('src', 'href', 'xlink:href', 'action', 'srcset')
             or re.search(r'(https?:|//|url\()', v) and n != 'content']
    check(not fetch, 'the page would fetch: %s' % fetch[:5])
    check(not re.search(r'url\(|@import', text), 'CSS that fetches')
    check(page.svgs == (1 if geometry else 0),
          '%d <svg> with geometry %s' % (page.svgs, geometry))
    return page


def check_numbers(page, schema):
    """The page's rows per file are the registry report's and the tables',
    its notices per code those of import_notices."""
    files = page.tables.get('files')
    check(files, 'no table "files"; tables: %s' % sorted(page.tables))
    header, body = files[0], files[1:]
    rows = {r[0]: number(r[header.index('rows')]) for r in body}
    total = rows.pop('total', None)
    report = json.loads(value(
        "SELECT report FROM gtfs2pgsql.feeds WHERE schema_name = %s" %
        ql(schema)))
    want = {f['file']: f['rows'] for f in report['files']}
    check(rows == want, 'rows per file: page %s, registry report %s' %
          (rows, want))
    check(total == sum(want.values()),
          'total %s, files %d' % (total, sum(want.values())))
    counted = {n: r for n, r in want.items() if n.endswith('.txt')}
    got = dict(query(' UNION ALL '.join(
        'SELECT %s, count(*) FROM %s' % (ql(n), rel(schema, it.table_of(n)))
        for n in sorted(counted))))
    bad = ['%s: page %d, table %s' % (n, counted[n], got[n])
           for n in counted if int(got[n]) != counted[n]]
    check(not bad, 'rows differ from the tables: %s' % bad)
    notices = dict(query('SELECT code, count(*) FROM %s GROUP BY code' %
                         rel(schema, 'import_notices')))
    # a code's cell: the code, then its description
    shown = {re.match(r'[a-z0-9_]+', r[1]).group(0): number(r[2])
             for r in page.tables.get('notices', [])[1:]}
    check(shown == {c: int(n) for c, n in notices.items()},
          'notices per code: page %s, import_notices %s' % (shown, notices))
    registry = dict(page.tables.get('registry', []))
    check(registry.get('schema_name') == schema and
          re.fullmatch('[0-9a-f]{64}', registry.get('sha256', '')),
          'registry row: %s' % registry)


def load_page(feed, schema, *options):
    page = os.path.join(it.TMP, '%s.html' % schema)
    r = it.run('-q', '-s', schema, '--report', page, *options, feed)
    check(r.returncode == 0, 'loading %s: %s' % (feed, describe(r)))
    return page


def real_feed_test(stem):
    def fn():
        path = os.path.join(it.FEEDS, stem + '.zip')
        if not os.path.isfile(path):
            raise it.absent(path)
        schema = it.schema_for(stem)
        page = make_page(load_page(path, schema), True)
        check_numbers(page, schema)
        shapes = int(value('SELECT count(*) FROM %s WHERE geom IS NOT NULL' %
                           rel(schema, 'shape_lines')))
        check(shapes > 0 and page.line_paths == shapes,
              '%d shape paths in the map, %d shape lines' %
              (page.line_paths, shapes))
        # the stops' path
        check(page.map_paths == shapes + 1,
              '%d paths in the map' % page.map_paths)
    fn.__name__ = 'html_' + stem.split('-')[0] + ('_brooklyn'
                                                   if 'brooklyn' in stem else '')
    return test()(fn)


real_feed_test('bart-2018')
real_feed_test('mta-bus-brooklyn-2026-reconstructed')


@test()
def html_no_geometry():
    schema = 'html_nogeom'
    page = make_page(load_page(it.mini_feed(), schema, '--no-geometry'), False)
    check_numbers(page, schema)
    check(page.map_paths == 0 and 'Map' not in ''.join(page.text),
          'a map without geometry')


HOSTILE = '<script>alert("x")</script>&amp;\'"'


@test()
def html_escapes():
    files = dict(it.MINI)
    files['routes.txt'] = ('route_id,agency_id,route_short_name,route_type,'
                           'route_color\nR1,A,"%s",3,"%s"\n' %
                           (HOSTILE.replace('"', '""'),
                            '"><b>'.replace('"', '""')))
    files['trips.txt'] = 'route_id,service_id,trip_id,shape_id\nR1,WK,T1,SH\n'
    files['shapes.txt'] = ('shape_id,shape_pt_lat,shape_pt_lon,'
                           'shape_pt_sequence\nSH,45.5,-73.5,1\n'
                           'SH,45.6,-73.6,2\n')
    files['stops.txt'] = ('stop_id,stop_name,stop_lat,stop_lon,bad<col>\n'
                          'S1,First,45.5,-73.5,1\nS2,Second,45.6,-73.6,"%s"\n'
                          % HOSTILE.replace('"', '""'))
    feed = it.write_feed('hostile<i>&"', files)
    schema = 'html_hostile'
    page = make_page(load_page(feed, schema), True)
    check_numbers(page, schema)
    text = ''.join(page.text)
    with open(os.path.join(it.TMP, schema + '.html'), encoding='utf-8') as f:
        raw = f.read()
    for s in ('hostile<i>&"', '<script>', '"><b>', 'bad<col>'):
        check(s not in raw, '%r is in the page unescaped' % s)
        check(s in text, '%r is not in the page\'s text' % s)
    check(any(HOSTILE in t for t in page.titles),
          'the route name is not the shape title: %s' % page.titles)
    check(page.line_paths == 1, '%d shape paths' % page.line_paths)


@test()
def html_by_extension():
    for name, is_html in (('x.htm', True), ('y.HTML', True),
                          ('z.json', False), ('w.html.txt', False)):
        path = os.path.join(it.TMP, name)
        r = it.run('-q', '-s', 'html_ext', '--no-geometry', '--report', path,
                   it.mini_feed())
        check(r.returncode == 0, describe(r))
        with open(path, encoding='utf-8') as f:
            text = f.read()
        if is_html:
            check(text.startswith('<!DOCTYPE html>'), '%s: %r' % (name, text[:60]))
        else:
            it.parse_report(text)


@test()
def html_kept_when_load_fails():
    path = os.path.join(it.TMP, 'kept.html')
    with open(path, 'w') as f:
        f.write('old')
    files = dict(it.MINI, **{'stops.txt': 'stop_id,stop_name\n"S1,First\n'})
    r = it.run('-q', '--strict', '-s', 'html_kept', '--report', path,
               it.write_feed('kept', files))
    check(r.returncode != 0, 'a broken feed loaded: %s' % describe(r))
    with open(path) as f:
        check(f.read() == 'old', 'the page was replaced')
    check(not [n for n in os.listdir(it.TMP) if n.startswith('.kept.html')],
          'a temporary file was left')


@test()
def html_budget():
    rnd = random.Random(11)
    lines = ['shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence']
    for shape in range(1500):
        lines += ['X%d,%.6f,%.6f,%d' % (shape, 45 + rnd.random(),
                                         -74 + rnd.random(), i)
                  for i in range(80)]
    files = dict(it.MINI, **{'shapes.txt': '\n'.join(lines) + '\n'})
    schema = 'html_budget'
    page = make_page(load_page(it.write_feed('budget', files), schema), True)
    check_numbers(page, schema)
    left = re.search(r'Left out to keep the page small: ([0-9,]+) shape lines',
                     ''.join(page.text))
    check(left and page.line_paths + number(left.group(1)) == 1500 and
          page.line_paths > 500,
          '%d shape paths drawn, left out: %s' % (
              page.line_paths, left and left.group(1)))


if __name__ == '__main__':
    it.main()
