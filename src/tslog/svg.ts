/**
 * A self-contained SVG flame chart of a boot: x is time (frames are not merged, as in flamechart.pl
 * -flamechart), the callers below their callees, a time axis in milliseconds (cycles when the TSC
 * frequency is unknown), a hover title on every frame, waits in blues and printing in greens as the
 * tslog palette draws them, everything else in warm colours. No external reference of any kind: it
 * opens offline. The optional inline script zooms on a clicked frame.
 */
import type { Profile } from './profile';
import type { StackTree } from './stacks';

/** Layout, in pixels; docs/formats.md and the tests rely on these. */
export const SVG_LAYOUT = { padX: 10, top: 56, frameHeight: 16, axisHeight: 34, minWidth: 0.1, charWidth: 7 } as const;

export interface SvgOptions {
  /** Width of the whole image in pixels (the chart is this less 2 × padX). */
  readonly width?: number;
  /** Include the click-to-zoom script. */
  readonly zoom?: boolean;
  readonly title?: string;
}

/** Escapes text for XML content and attribute values; control characters XML 1.0 forbids become U+FFFD. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '\ufffd');
}

/** A stable number in [0, 1) from a name, so a function has the same shade in every chart. */
function nameHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

/** The fill of a frame: its family picks the hue, its name the shade. */
export function frameColor(tree: StackTree, node: number): string {
  const v = nameHash(tree.func[node]);
  switch (tree.family[node]) {
    case 'wait':
      return `rgb(${80 + Math.floor(60 * v)},${80 + Math.floor(60 * v)},${205 + Math.floor(50 * v)})`;
    case 'print':
      return `rgb(${50 + Math.floor(60 * v)},${200 + Math.floor(55 * v)},${50 + Math.floor(60 * v)})`;
    default:
      return `rgb(${205 + Math.floor(50 * v)},${Math.floor(230 * v)},${Math.floor(55 * nameHash(tree.func[node].split('').reverse().join('')))})`;
  }
}

/** A 1-2-5 step giving about `ticks` ticks over `span`. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

function formatAxis(v: number, unit: string): string {
  return `${Number(v.toPrecision(6))} ${unit}`;
}

/** Fits a label into `px` pixels, or returns '' when not even 3 characters fit. */
export function fitLabel(label: string, px: number): string {
  const chars = Math.floor((px - 6) / SVG_LAYOUT.charWidth);
  if (chars < 3) return '';
  return label.length <= chars ? label : `${label.slice(0, chars - 2)}..`;
}

/** Renders the kernel's boot timeline as an SVG flame chart. */
export function renderSvg(p: Profile, options: SvgOptions = {}): string {
  const { padX, top, frameHeight, axisHeight, minWidth } = SVG_LAYOUT;
  const width = Math.max(200, Math.round(options.width ?? 1200));
  const { tree, spans, timeline } = p;
  const total = timeline.end - timeline.start;
  const chartWidth = width - 2 * padX;
  const scale = total > 0 ? chartWidth / total : 0;
  let maxDepth = 1;
  for (let i = 0; i < spans.count; i++) maxDepth = Math.max(maxDepth, tree.depth[spans.node[i]]);
  const chartBottom = top + maxDepth * frameHeight;
  const height = chartBottom + axisHeight;
  const freq = p.tscFreq;
  const unitScale = freq ? 1000 / freq : 1; // cycles -> axis unit
  const unit = freq ? 'ms' : 'cycles';
  const totalText = freq ? `${(total * unitScale).toFixed(2)} ms` : `${total} cycles`;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n`);
  out.push(`<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana, DejaVu Sans, sans-serif" font-size="12">\n`);
  out.push(`<style>.f text{font-family:monospace;font-size:11px;fill:#000;pointer-events:none}.f:hover rect{stroke:#000;stroke-width:0.5}.f{cursor:pointer}</style>\n`);
  out.push(`<rect id="background" x="0" y="0" width="${width}" height="${height}" fill="#f8f8f8"/>\n`);
  const title = options.title ?? `Boot profile: ${p.file}`;
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="16">${xmlEscape(title)}</text>\n`);
  const sub = `${p.os === 'netbsd' ? 'NetBSD' : 'FreeBSD'} tslog, ${p.records} records; ${p.complete ? 'kernel boot' : 'PARTIAL trace, up to its last record'}: ${totalText}${freq ? '' : ' (no TSC frequency: give --tsc-freq)'}`;
  out.push(`<text x="${width / 2}" y="38" text-anchor="middle" fill="#444">${xmlEscape(sub)}</text>\n`);
  // legend: the three colour families
  const legend: [string, string][] = [
    ['wait (DELAY, sleep)', 'rgb(110,110,230)'],
    ['printing', 'rgb(80,227,80)'],
    ['other', 'rgb(230,115,27)'],
  ];
  legend.forEach(([label, fill], i) => {
    const x = padX + i * 150;
    out.push(`<rect x="${x}" y="44" width="10" height="10" fill="${fill}"/><text x="${x + 14}" y="53" font-size="10">${label}</text>\n`);
  });
  if (options.zoom !== false) out.push(`<text id="unzoom" x="${width - padX}" y="53" text-anchor="end" font-size="10" fill="#888">click a frame to zoom, here to reset</text>\n`);
  out.push(`<g id="frames" data-t0="${timeline.start}" data-cycles="${total}" data-unit-scale="${unitScale}" data-unit="${unit}">\n`);
  for (let i = 0; i < spans.count; i++) {
    const s = spans.start[i];
    const e = spans.end[i];
    const w = (e - s) * scale;
    if (w < minWidth) continue;
    const n = spans.node[i];
    const x = padX + (s - timeline.start) * scale;
    const y = chartBottom - tree.depth[n] * frameHeight;
    const label = tree.label[n];
    const at = (s - timeline.start) * unitScale;
    const len = (e - s) * unitScale;
    const hover = freq
      ? `${label} (start ${at.toFixed(3)} ms, ${len.toFixed(3)} ms, ${((100 * (e - s)) / total).toFixed(1)}%)`
      : `${label} (start ${at} cycles, ${len} cycles, ${((100 * (e - s)) / total).toFixed(1)}%)`;
    out.push(
      `<g class="f" data-s="${s - timeline.start}" data-e="${e - timeline.start}"><title>${xmlEscape(hover)}</title><rect x="${fmt(x)}" y="${y}" width="${fmt(w)}" height="${frameHeight - 1}" rx="1" fill="${frameColor(tree, n)}"/><text x="${fmt(x + 3)}" y="${y + 11}">${xmlEscape(fitLabel(label, w))}</text></g>\n`,
    );
  }
  out.push(`</g>\n`);
  // the time axis
  const axisY = chartBottom + 4;
  out.push(`<g id="axis" font-size="10" fill="#333"><line x1="${padX}" y1="${axisY}" x2="${width - padX}" y2="${axisY}" stroke="#333"/>\n`);
  const span = total * unitScale;
  if (span > 0) {
    const step = niceStep(span, Math.max(2, Math.floor(chartWidth / 100)));
    for (let v = 0; v <= span + step * 1e-9; v += step) {
      const x = padX + (v / span) * chartWidth;
      const anchor = x < padX + 20 ? 'start' : x > width - padX - 20 ? 'end' : 'middle';
      out.push(`<line x1="${fmt(x)}" y1="${axisY}" x2="${fmt(x)}" y2="${axisY + 5}" stroke="#333"/><text x="${fmt(x)}" y="${axisY + 17}" text-anchor="${anchor}">${xmlEscape(formatAxis(v, unit))}</text>\n`);
    }
  }
  out.push(`</g>\n`);
  if (options.zoom !== false) out.push(zoomScript(padX, chartWidth));
  out.push(`</svg>\n`);
  return out.join('');
}

/** The inline click-to-zoom script: it only moves, resizes, hides and relabels the frames. */
function zoomScript(padX: number, chartWidth: number): string {
  const js = `
(function () {
  var frames = document.getElementById('frames');
  var total = +frames.getAttribute('data-cycles');
  var gs = frames.getElementsByTagName('g');
  var names = [];
  for (var i = 0; i < gs.length; i++) names.push(gs[i].getElementsByTagName('title')[0].textContent.replace(/ \\(start [^)]*\\)$/, ''));
  function fit(label, px) {
    var chars = Math.floor((px - 6) / 7);
    if (chars < 3) return '';
    return label.length <= chars ? label : label.slice(0, chars - 2) + '..';
  }
  function show(a, b) {
    var k = ${chartWidth} / (b - a);
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i], s = +g.getAttribute('data-s'), e = +g.getAttribute('data-e');
      var x0 = Math.max(s, a), x1 = Math.min(e, b), w = (x1 - x0) * k;
      if (w < 0.1) { g.style.display = 'none'; continue; }
      g.style.display = '';
      var r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];
      var x = ${padX} + (x0 - a) * k;
      r.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));
      t.setAttribute('x', (x + 3).toFixed(2)); t.textContent = fit(names[i], w);
    }
    document.getElementById('axis').style.opacity = a === 0 && b === total ? 1 : 0.25;
  }
  for (var i = 0; i < gs.length; i++) gs[i].addEventListener('click', function (ev) {
    show(+this.getAttribute('data-s'), +this.getAttribute('data-e'));
    ev.stopPropagation();
  });
  document.getElementById('unzoom').addEventListener('click', function () { show(0, total); });
  document.getElementById('background').addEventListener('click', function () { show(0, total); });
})();
`;
  return `<script type="text/ecmascript"><![CDATA[${js}]]></script>\n`;
}
