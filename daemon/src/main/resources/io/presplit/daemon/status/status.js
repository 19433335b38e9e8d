// Presplit status page: fetches /api/v1/status and draws the partitions' load, forecast and capacity, the recent
// load per partition, and the recent decisions. Plain canvas drawing; no libraries. After drawing, each canvas
// records how many marks it drew (data-marks) and how many pixels carry ink (data-ink), which the headless browser
// test reads.
'use strict';

const COLORS = ['#4878d0', '#ee854a', '#6acc64', '#d65f5f', '#956cb4', '#8c613c', '#dc7ec0', '#797979',
  '#d5bb67', '#82c6e2'];

function fmt(n) {
  if (!isFinite(n)) { return '–'; }
  if (Math.abs(n) >= 1e6) { return (n / 1e6).toFixed(2) + 'M'; }
  if (Math.abs(n) >= 1e3) { return (n / 1e3).toFixed(1) + 'k'; }
  return n.toFixed(n % 1 === 0 ? 0 : 2);
}

// Keys are 63-bit; JavaScript numbers keep 53 bits, enough to show a range as a share of the key space.
function keyShare(key) {
  return (100 * key / 9223372036854775807).toFixed(2) + ' %';
}

function inkOf(canvas) {
  const ctx = canvas.getContext('2d');
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 0) { ink++; }
  }
  return ink;
}

function axes(ctx, w, h, pad, max, label) {
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad, 10);
  ctx.lineTo(pad, h - pad);
  ctx.lineTo(w - 10, h - pad);
  ctx.stroke();
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    const y = h - pad - (h - pad - 10) * i / 4;
    ctx.fillText(fmt(v), 4, y + 4);
  }
  ctx.fillText(label, pad + 4, 20);
}

function drawPartitions(canvas, status) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  const pad = 48;
  ctx.clearRect(0, 0, w, h);
  const parts = status.partitions;
  let max = status.capacityPerTick;
  for (const p of parts) { max = Math.max(max, p.load, isFinite(p.forecastPeak) ? p.forecastPeak : 0); }
  max *= 1.1;
  axes(ctx, w, h, pad, max, 'points per tick');
  const y = v => h - pad - (h - pad - 10) * v / max;
  const slot = (w - pad - 20) / Math.max(1, parts.length);
  const bar = Math.min(40, Math.max(2, slot * 0.35));
  let marks = 0;
  parts.forEach((p, i) => {
    const x = pad + 10 + i * slot;
    ctx.fillStyle = '#4878d0';
    ctx.fillRect(x, y(p.load), bar, h - pad - y(p.load));
    marks++;
    if (isFinite(p.forecastPeak)) {
      ctx.fillStyle = '#ee854a';
      ctx.fillRect(x + bar, y(p.forecastPeak), bar, h - pad - y(p.forecastPeak));
      marks++;
    }
    ctx.fillStyle = '#555';
    ctx.fillText('#' + p.id, x, h - pad + 14);
  });
  ctx.strokeStyle = '#222';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(pad, y(status.capacityPerTick));
  ctx.lineTo(w - 10, y(status.capacityPerTick));
  ctx.stroke();
  ctx.strokeStyle = '#d65f5f';
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(pad, y(status.capacityPerTick * status.splitThreshold));
  ctx.lineTo(w - 10, y(status.capacityPerTick * status.splitThreshold));
  ctx.stroke();
  ctx.setLineDash([]);
  return marks;
}

function drawHistory(canvas, status) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  const pad = 48;
  ctx.clearRect(0, 0, w, h);
  let max = status.capacityPerTick;
  let length = 1;
  for (const p of status.partitions) {
    for (const v of p.recentLoad) { max = Math.max(max, v); }
    length = Math.max(length, p.recentLoad.length);
  }
  max *= 1.1;
  axes(ctx, w, h, pad, max, 'points per tick, last ' + length + ' ticks');
  const y = v => h - pad - (h - pad - 10) * v / max;
  const x = i => pad + (w - pad - 10) * i / Math.max(1, length - 1);
  let marks = 0;
  status.partitions.forEach((p, k) => {
    const series = p.recentLoad;
    if (series.length === 0) { return; }
    const offset = length - series.length;
    ctx.strokeStyle = COLORS[k % COLORS.length];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    series.forEach((v, i) => {
      if (i === 0) { ctx.moveTo(x(offset + i), y(v)); } else { ctx.lineTo(x(offset + i), y(v)); }
      marks++;
    });
    if (series.length === 1) { ctx.arc(x(offset), y(series[0]), 2, 0, 2 * Math.PI); }
    ctx.stroke();
  });
  ctx.strokeStyle = '#222';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(pad, y(status.capacityPerTick));
  ctx.lineTo(w - 10, y(status.capacityPerTick));
  ctx.stroke();
  return marks;
}

function fillTables(status) {
  const rows = status.partitions.map(p => {
    const util = p.load / status.capacityPerTick;
    return '<tr><td>' + p.id + '</td><td>' + keyShare(p.keyLo) + '–' + keyShare(p.keyHi) + '</td><td>'
      + fmt(p.load) + '</td><td>' + fmt(p.forecastPeak) + '</td><td class="' + (util > 1 ? 'over' : '') + '">'
      + (100 * util).toFixed(1) + ' %</td><td>' + (p.holdReason === 'NONE' ? '' : p.holdReason) + '</td></tr>';
  });
  document.querySelector('#partitions-table tbody').innerHTML = rows.join('');
  const decisions = status.decisions.slice().reverse().map(d => '<tr><td>'
    + new Date(d.timeNs / 1e6).toISOString() + '</td><td>' + d.tick + '</td><td>' + d.kind + '</td><td>'
    + d.removed.join(', ') + '</td><td>' + d.added.join(', ') + '</td></tr>');
  document.querySelector('#decisions-table tbody').innerHTML = decisions.length > 0 ? decisions.join('')
    : '<tr><td colspan="5">none yet</td></tr>';
  document.getElementById('summary').textContent = status.partitions.length + ' live partitions, '
    + status.ticks + ' ticks of ' + (status.tickNs / 1e9) + ' s, forecaster ' + status.forecaster
    + ', horizon ' + status.horizonTicks + ' ticks, capacity ' + fmt(status.capacityPerTick)
    + ' points per tick per partition, split above ' + (100 * status.splitThreshold).toFixed(0) + ' %';
}

function render(status) {
  fillTables(status);
  for (const [id, draw] of [['partitions-chart', drawPartitions], ['history-chart', drawHistory]]) {
    const canvas = document.getElementById(id);
    const marks = draw(canvas, status);
    canvas.dataset.marks = String(marks);
    canvas.dataset.ink = String(inkOf(canvas));
    canvas.dataset.drawn = String(marks > 0);
  }
}

async function refresh() {
  try {
    const response = await fetch('/api/v1/status', {cache: 'no-store'});
    if (!response.ok) { throw new Error('HTTP ' + response.status); }
    render(await response.json());
  } catch (e) {
    document.getElementById('summary').textContent = 'cannot load status: ' + e.message;
  }
}

refresh();
setInterval(refresh, 5000);
