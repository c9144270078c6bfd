// `spv toy-net --html FILE`: one self-contained page (inline styles and script, no request of
// any kind): the topology graph, each block's spread animated over time (who got it when and
// over which link, duplicates flashing as they are dropped), the per-block propagation chart
// and the numbers `spv toy-net` prints. The graph and chart are drawn in the HTML itself, so the
// page shows them even with scripts off; the script only animates.
import type { ToyNetworkReport } from '../../toy/network.js';
import { blockSeries, layoutNodes } from './layout.js';
import { chartSvg, escapeXml, GRAPH_SIZE, toyNetLines, topologySvg } from './svg.js';

/** JSON inside <script>: nothing in it may close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; }
.sub { color: #666; margin: 0 0 16px; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px; }
.graph .edge.dup { stroke: #d62728; stroke-dasharray: 5 4; stroke-width: 3; }
.graph .node.miner circle { stroke: #000; stroke-width: 3; }
.controls { margin: 8px 0; display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.controls button { font: inherit; padding: 3px 9px; border: 1px solid #aaa; border-radius: 4px; background: #fff; cursor: pointer; }
.controls button.on { color: #fff; border-color: transparent; }
#status { font-family: ui-monospace, monospace; font-size: 13px; min-height: 1.4em; }
input[type=range] { width: 260px; }
pre { font-size: 12px; margin: 0; }
`;

/** The animation: plain browser JavaScript over the embedded data, no libraries. */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('toy-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var svg = document.querySelector('svg.graph');
  var hops = svg.querySelector('g.arrows');
  var nodes = Array.prototype.slice.call(svg.querySelectorAll('g.node'));
  var edges = Array.prototype.slice.call(svg.querySelectorAll('line.edge'));
  var status = document.getElementById('status');
  var slider = document.getElementById('time');
  var playButton = document.getElementById('play');
  var ANIMATION_MS = 3500, PAUSE_MS = 900;
  var current = 0, playing = data.series.length > 0, start = performance.now(), frames = 0;
  function edgeBetween(a, b) {
    for (var i = 0; i < edges.length; i++) {
      var e = edges[i], x = +e.getAttribute('data-a'), y = +e.getAttribute('data-b');
      if ((x === a && y === b) || (x === b && y === a)) return e;
    }
    return null;
  }
  function line(a, b, colour, frac) {
    var p = data.positions[a], q = data.positions[b];
    var l = document.createElementNS(NS, 'line');
    l.setAttribute('x1', p.x); l.setAttribute('y1', p.y);
    l.setAttribute('x2', p.x + (q.x - p.x) * frac); l.setAttribute('y2', p.y + (q.y - p.y) * frac);
    l.setAttribute('stroke', colour); l.setAttribute('stroke-width', '4'); l.setAttribute('stroke-linecap', 'round');
    hops.appendChild(l);
  }
  function show(k, frac) {
    var s = data.series[k];
    if (!s) { status.textContent = 'no blocks were mined'; return; }
    // The clock runs until a little after the last node accepted the block; duplicates still in
    // flight then are counted at the end.
    var maxMs = 0.001;
    s.arrivals.forEach(function (a) { if (a.ms > maxMs) maxMs = a.ms; });
    maxMs *= 1.25;
    var now = frac * maxMs, have = 0, dropped = 0, at = {};
    s.arrivals.forEach(function (a) { at[a.node] = a.ms; });
    while (hops.firstChild) hops.removeChild(hops.firstChild);
    edges.forEach(function (e) { e.classList.remove('dup'); });
    s.arrivals.forEach(function (a) {
      if (a.ms <= now) have++;
      if (a.from === null || at[a.from] === undefined) return;
      var from = at[a.from], span = Math.max(a.ms - from, maxMs * 0.02);
      if (now >= a.ms) line(a.from, a.node, s.colour, 1);
      else if (now > a.ms - span) line(a.from, a.node, s.colour, 1 - (a.ms - now) / span);
    });
    s.duplicates.forEach(function (d) {
      if (d.ms > now && frac < 1) return;
      dropped++;
      if (d.from !== null && now - d.ms < maxMs * 0.15) { var e = edgeBetween(d.from, d.node); if (e) e.classList.add('dup'); }
    });
    nodes.forEach(function (g) {
      var i = +g.getAttribute('data-node'), has = at[i] !== undefined && at[i] <= now;
      g.querySelector('circle').setAttribute('fill', has ? s.colour : '#ffffff');
      g.querySelector('text').setAttribute('fill', has ? '#ffffff' : '#222222');
      if (i === s.miner) g.classList.add('miner'); else g.classList.remove('miner');
    });
    status.textContent = 'block #' + s.height + ' ' + s.hash.slice(0, 12) + '\\u2026 mined at node ' + s.miner + ': ' + have + '/' + data.nodes +
      ' nodes after ' + now.toFixed(2) + ' ms, ' + dropped + ' duplicate(s) dropped';
    var buttons = document.querySelectorAll('.controls button.block');
    for (var b = 0; b < buttons.length; b++) {
      var on = +buttons[b].getAttribute('data-k') === k;
      buttons[b].classList.toggle('on', on);
      buttons[b].style.background = on ? s.colour : '';
    }
  }
  function tick(t) {
    frames++;
    window.__toyNet.frames = frames;
    if (playing) {
      var e = t - start;
      if (e > ANIMATION_MS + PAUSE_MS) { current = (current + 1) % data.series.length; start = t; e = 0; }
      var frac = Math.min(1, e / ANIMATION_MS);
      slider.value = String(Math.round(frac * 1000));
      show(current, frac);
    }
    requestAnimationFrame(tick);
  }
  document.querySelectorAll('.controls button.block').forEach(function (b) {
    b.addEventListener('click', function () { current = +b.getAttribute('data-k'); start = performance.now(); playing = true; playButton.textContent = 'pause'; });
  });
  playButton.addEventListener('click', function () {
    playing = !playing;
    playButton.textContent = playing ? 'pause' : 'play';
    if (playing) start = performance.now() - (+slider.value / 1000) * ANIMATION_MS;
  });
  slider.addEventListener('input', function () { playing = false; playButton.textContent = 'play'; show(current, +slider.value / 1000); });
  window.__toyNet = { ready: true, frames: 0, show: show };
  show(0, data.series.length ? 1 : 0);
  requestAnimationFrame(tick);
})();
`;

export function toyNetHtml(report: ToyNetworkReport): string {
  const series = blockSeries(report);
  const positions = layoutNodes(report.topology, report.nodes, GRAPH_SIZE).map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }));
  const data = { nodes: report.nodes, topology: report.topology, edges: report.edges, positions, series };
  const buttons = series.map((s, k) => `<button class="block" data-k="${k}" title="${escapeXml(s.hash)}">#${s.height}</button>`).join('');
  const title = `Toy network: ${report.nodes} nodes, ${report.topology}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="sub">${report.edges.length} connections, difficulty ${report.difficulty}, ${report.blocks.length} block(s) mined at random nodes; ${report.converged ? 'converged' : 'NOT converged'}. Written by <code>spv toy-net</code>.</p>
<div class="row">
  <div class="panel">
    <div class="controls"><button id="play">pause</button>${buttons}<input id="time" type="range" min="0" max="1000" value="1000" aria-label="time"></div>
    <div id="status"></div>
    ${topologySvg(report)}
  </div>
  <div class="panel">
    <h2 style="font-size:15px;margin:0 0 8px">Propagation per block</h2>
    ${chartSvg(series, report.nodes)}
  </div>
</div>
<div class="panel" style="margin-top:24px"><pre>${escapeXml(toyNetLines(report).join('\n'))}</pre></div>
<script id="toy-data" type="application/json">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
