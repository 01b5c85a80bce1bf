/**
 * The flame chart: well-formed XML (fast-xml-parser), one rectangle per frame wider than 0.1 px,
 * placed and sized by the frame's start and length in cycles, coloured by family, no external
 * reference; and rendered once by a real renderer (rsvg-convert), whose pixels are checked.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { generateTrace } from '../support/tslog-trace';
import { readPng } from '../support/png';
import { parseTrace } from '../../src/tslog/trace';
import { profileTrace } from '../../src/tslog/profile';
import { renderSvg, SVG_LAYOUT } from '../../src/tslog/svg';
import { SCENARIOS } from './scenarios';

interface Frame {
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  label: string;
}

/** The frames of a chart, as an XML parser sees them. */
function framesOf(svg: string): { root: Record<string, string>; frames: Frame[] } {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'g' || name === 'rect' || name === 'text' }).parse(svg) as {
    svg: Record<string, string> & { g: { id?: string; g?: { class: string; title: string | number; rect: Record<string, string>[]; text: (string | { '#text'?: string })[] }[] }[] };
  };
  const group = doc.svg.g.find((g) => g.id === 'frames')!;
  const frames = (group.g ?? []).map((g) => ({
    title: String(g.title),
    x: Number(g.rect[0].x),
    y: Number(g.rect[0].y),
    width: Number(g.rect[0].width),
    height: Number(g.rect[0].height),
    fill: g.rect[0].fill,
    label: typeof g.text[0] === 'string' ? g.text[0] : String(g.text[0]['#text'] ?? ''),
  }));
  return { root: doc.svg, frames };
}

const rgb = (fill: string) => /^rgb\((\d+),(\d+),(\d+)\)$/.exec(fill)!.slice(1).map(Number);

describe.each(SCENARIOS)('%s', (_name, scenario) => {
  const want = generateTrace(scenario);
  const p = profileTrace(parseTrace(want.text, 'boot.txt'));
  const width = 1000;
  const svg = renderSvg(p, { width });
  const { root, frames } = framesOf(svg);
  const { padX, top, frameHeight, minWidth } = SVG_LAYOUT;
  const scale = (width - 2 * padX) / want.total;
  const depth = (stack: string) => stack.split(';').length;
  const maxDepth = Math.max(...want.spans.map((s) => depth(s.stack)));
  const drawn = want.spans.filter((s) => (s.end - s.start) * scale >= minWidth);

  it('is as wide as asked and as tall as the deepest stack', () => {
    expect(Number(root.width)).toBe(width);
    expect(Number(root.height)).toBe(top + maxDepth * frameHeight + SVG_LAYOUT.axisHeight);
  });

  it('has one rectangle per frame, where and as long as it ran', () => {
    expect(frames.length).toBe(drawn.length);
    frames.forEach((f, i) => {
      const s = drawn[i];
      const label = s.stack.split(';').pop()!;
      expect(f.title.startsWith(`${label} (start `)).toBe(true);
      expect(Math.abs(f.x - (padX + (s.start - want.start) * scale))).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(f.width - (s.end - s.start) * scale)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(f.y).toBe(top + maxDepth * frameHeight - depth(s.stack) * frameHeight);
      expect(f.height).toBe(frameHeight - 1);
    });
  });

  it('gives start and length in the hover title', () => {
    frames.forEach((f, i) => {
      const s = drawn[i];
      if (scenario.tscFreq) {
        const ms = (c: number) => ((c * 1000) / scenario.tscFreq!).toFixed(3);
        expect(f.title).toContain(`(start ${ms(s.start - want.start)} ms, ${ms(s.end - s.start)} ms, `);
      } else expect(f.title).toContain(`(start ${s.start - want.start} cycles, ${s.end - s.start} cycles, `);
    });
  });

  it('draws waits in blues, printing in greens, the rest in warm colours', () => {
    for (const f of frames) {
      const [r, g, b] = rgb(f.fill);
      const fn = f.title.split(' ')[0];
      if (['DELAY', 'delay', 'tsleep', 'kpause'].includes(fn)) expect(b > r && b > g).toBe(true);
      else if (fn.includes('printf') || fn.startsWith('aprint_')) expect(g > r && g > b).toBe(true);
      else expect(r).toBeGreaterThanOrEqual(205);
    }
  });

  it('labels a frame only with what fits', () => {
    for (const f of frames) {
      const name = f.title.replace(/ \(start [^)]*\)$/, '');
      expect(f.label === '' || f.label === name || (f.label.endsWith('..') && name.startsWith(f.label.slice(0, -2)))).toBe(true);
      expect(f.label.length * SVG_LAYOUT.charWidth).toBeLessThanOrEqual(f.width);
    }
  });

  it('refers to nothing outside itself', () => {
    expect(svg.match(/https?:\/\/[^"]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(svg).not.toMatch(/href|@import|url\(/);
  });
});

describe('names that are not plain identifiers', () => {
  it('are escaped, and come back intact from the XML', () => {
    const text = '0x1 100 ENTER main\n0x1 200 ENTER weird<&>"\'\n0x1 900 EXIT weird<&>"\'\n0x1 950 ENTER start_init\n0x1 1000 EXIT start_init\n';
    const { frames } = framesOf(renderSvg(profileTrace(parseTrace(text, 'x')), { width: 400 }));
    expect(frames.map((f) => f.title.replace(/ \(start [^)]*\)$/, ''))).toContain('weird<&>"\'');
  });
});

describe('the zoom script', () => {
  const p = profileTrace(parseTrace(generateTrace(SCENARIOS[0][1]).text, 'boot.txt'));
  it('is inline, in CDATA, by default', () => {
    const svg = renderSvg(p);
    expect(svg).toMatch(/<script type="text\/ecmascript"><!\[CDATA\[[^]*\]\]><\/script>/);
    expect(svg.split(']]>').length).toBe(2);
  });
  it('zooms on a clicked frame and back, in a stand-in DOM', () => {
    const svg = renderSvg(p, { width: 1000 });
    const code = /<!\[CDATA\[([^]*)\]\]>/.exec(svg)![1];
    const { frames } = framesOf(svg);
    const data = [...svg.matchAll(/<g class="f" data-s="(\d+)" data-e="(\d+)">/g)].map((m) => [Number(m[1]), Number(m[2])]);
    type El = { attrs: Record<string, string>; style: Record<string, string>; textContent: string; listeners: (() => void)[]; children: Record<string, El[]> };
    const el = (attrs: Record<string, string> = {}, textContent = '', children: Record<string, El[]> = {}): El => ({ attrs, style: {}, textContent, listeners: [], children });
    const gs = frames.map((f, i) =>
      el({ 'data-s': String(data[i][0]), 'data-e': String(data[i][1]) }, '', { title: [el({}, f.title)], rect: [el({ x: String(f.x), width: String(f.width) })], text: [el({}, f.label)] }),
    );
    const byId: Record<string, El> = { frames: el({ 'data-cycles': /data-cycles="(\d+)"/.exec(svg)![1] }, '', { g: gs }), unzoom: el(), background: el(), axis: el() };
    const dom = (e: El) => ({
      getAttribute: (k: string) => e.attrs[k],
      setAttribute: (k: string, v: string) => (e.attrs[k] = v),
      getElementsByTagName: (t: string) => (e.children[t] ?? []).map(dom),
      addEventListener: (_: string, f: (ev: { stopPropagation(): void }) => void) => e.listeners.push(() => f.call(dom(e), { stopPropagation() {} })),
      get style() {
        return e.style;
      },
      get textContent() {
        return e.textContent;
      },
      set textContent(v: string) {
        e.textContent = v;
      },
    });
    new Function('document', code)({ getElementById: (id: string) => dom(byId[id]) });
    // click the widest frame that does not already fill the chart, and is not at its left edge: it comes to fill it
    const target = frames
      .map((f, i) => [f, i] as const)
      .filter(([f]) => f.width < 0.9 * (1000 - 2 * SVG_LAYOUT.padX) && f.x > SVG_LAYOUT.padX + 1)
      .sort((a, b) => b[0].width - a[0].width)[0][1];
    expect(frames[target].width).toBeGreaterThan(10);
    gs[target].listeners[0]();
    expect(Number(gs[target].children.rect[0].attrs.x)).toBeCloseTo(SVG_LAYOUT.padX, 2);
    expect(Number(gs[target].children.rect[0].attrs.width)).toBeCloseTo(1000 - 2 * SVG_LAYOUT.padX, 2);
    const [s0, e0] = data[target];
    gs.forEach((g, i) => expect(g.style.display === 'none').toBe(data[i][1] <= s0 || data[i][0] >= e0 || ((Math.min(data[i][1], e0) - Math.max(data[i][0], s0)) * (1000 - 2 * SVG_LAYOUT.padX)) / (e0 - s0) < 0.1));
    // and back
    byId.unzoom.listeners[0]();
    gs.forEach((g, i) => expect(Number(g.children.rect[0].attrs.width)).toBeCloseTo(frames[i].width, 1));
  });

  it('is left out on request', () => {
    expect(renderSvg(p, { zoom: false })).not.toMatch(/<script/);
  });
});

const rsvg = spawnSync('sh', ['-c', 'command -v rsvg-convert'], { encoding: 'utf8' }).stdout.trim();
const required = process.env.KPATCH_REQUIRE_RSVG === '1';
if (!rsvg && required) throw new Error('KPATCH_REQUIRE_RSVG=1 but rsvg-convert is not installed (Debian librsvg2-bin)');
(rsvg ? describe : describe.skip)(`rendered by rsvg-convert${rsvg ? '' : ' (not installed: skipped; Debian librsvg2-bin)'}`, () => {
  it('paints each wide frame in its colour, at its place', () => {
    const want = generateTrace(SCENARIOS[1][1]);
    const svg = renderSvg(profileTrace(parseTrace(want.text, 'boot.txt')), { width: 800, zoom: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-tslog-'));
    try {
      fs.writeFileSync(path.join(dir, 'boot.svg'), svg);
      const r = spawnSync(rsvg, ['-o', path.join(dir, 'boot.png'), path.join(dir, 'boot.svg')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const png = readPng(fs.readFileSync(path.join(dir, 'boot.png')));
      const { root, frames } = framesOf(svg);
      expect([png.width, png.height]).toEqual([Number(root.width), Number(root.height)]);
      const wide = frames.filter((f) => f.width >= 4);
      expect(wide.length).toBeGreaterThanOrEqual(5);
      for (const f of wide) {
        // a point inside the rectangle, clear of its label text (which starts at x + 3, baseline y + 11)
        const x = Math.floor(f.x + f.width - 2);
        const y = Math.floor(f.y + 13);
        expect(png.pixel(x, y).slice(0, 3)).toEqual(rgb(f.fill));
      }
      // and the background between the title and the frames
      expect(png.pixel(5, 30)).toEqual([0xf8, 0xf8, 0xf8, 255]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
