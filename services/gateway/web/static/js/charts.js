// Bar charts with plotly.js (the bundle the `plotly` Python package ships, served by the gateway), loaded
// only on pages that draw charts. Each chart is paired with a list of links to the same data, so keyboard
// and screen-reader users reach what a click on a bar reaches.

import { h } from './dom.js';
import { t, formatNumber } from './i18n.js';

let loading = null;
const MAX_LABEL = 38;
const MAX_LABEL_NARROW = 16;
const NARROW = 500;

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/static/vendor/plotly/plotly.min.js';
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        loading = null;
        reject(new Error('plotly.js could not be loaded'));
      };
      document.head.append(script);
    });
  }
  return loading;
}

const PALETTE = ['#0a4a80', '#1b6e20', '#a4161a', '#7a4b00', '#5b2a86', '#00616e', '#374151'];

// bars: [{label, value, href?, color?, hover?}]; a click on a bar follows its href.
export function barChart(container, bars, { title, valueLabel, horizontal = false, extra } = {}) {
  const plot = h('div', { class: 'chart', role: 'img', 'aria-label': title || t('charts.chart') });
  const list = h(
    'ul',
    { class: 'bar-list' },
    bars.map((bar) =>
      h(
        'li',
        {},
        bar.href ? h('a', { href: bar.href }, bar.label) : bar.label,
        `: ${formatNumber(bar.value, Number.isInteger(bar.value) ? 0 : 2)}`,
        bar.note ? ` (${bar.note})` : '',
      ),
    ),
  );
  const fallback = h('details', { class: 'chart-fallback' }, h('summary', {}, t('charts.as_list')), list);
  container.append(plot, fallback);
  if (bars.length === 0 || bars.every((bar) => !bar.value)) {
    plot.replaceWith(h('p', { class: 'muted' }, t('common.empty')));
    fallback.remove();
    return;
  }
  loadPlotly()
    .then((Plotly) => {
      // Category labels: unique (plotly merges equal ones into one bar) and short enough to leave room
      // for the bars; the full text is in the hover and in the list.
      const seen = new Map();
      const max = plot.clientWidth && plot.clientWidth < NARROW ? MAX_LABEL_NARROW : MAX_LABEL;
      const labels = bars.map((b) => {
        const short = b.label.length > max ? `${b.label.slice(0, max - 1)}…` : b.label;
        const n = (seen.get(short) || 0) + 1;
        seen.set(short, n);
        return n > 1 ? `${short} (${n})` : short;
      });
      const values = bars.map((b) => b.value);
      const trace = {
        type: 'bar',
        x: horizontal ? values : labels,
        y: horizontal ? labels : values,
        orientation: horizontal ? 'h' : 'v',
        marker: { color: bars.map((b) => b.color || PALETTE[0]) },
        text: bars.map((b) => b.label),
        textposition: 'none',
        hovertemplate: `%{text}: %{${horizontal ? 'x' : 'y'}}<extra></extra>`,
        customdata: bars.map((b) => b.href || ''),
      };
      const layout = {
        margin: { l: horizontal ? 40 : 50, r: 20, t: 10, b: horizontal ? 40 : 90 },
        height: horizontal ? Math.max(260, 28 * bars.length + 60) : 300,
        // No zooming or panning: on a phone a drag should scroll the page, and a tap should follow a bar.
        dragmode: false,
        xaxis: { fixedrange: true, automargin: true, title: horizontal ? valueLabel || '' : '', ...(horizontal ? {} : { type: 'category' }) },
        yaxis: { fixedrange: true, automargin: true, title: horizontal ? '' : valueLabel || '', ...(horizontal ? { type: 'category', autorange: 'reversed' } : {}) },
        font: { family: 'system-ui, sans-serif', size: 13, color: '#1b1f24' },
        paper_bgcolor: '#ffffff',
        plot_bgcolor: '#ffffff',
        ...(extra || {}),
      };
      Plotly.newPlot(plot, [trace], layout, { displayModeBar: false, responsive: true });
      plot.on('plotly_click', (event) => {
        const href = event.points && event.points[0] && event.points[0].customdata;
        if (href) location.hash = href.replace(/^#/, '');
      });
    })
    .catch(() => {
      plot.replaceWith(h('p', { class: 'muted' }, t('charts.unavailable')));
      fallback.open = true;
    });
}

export { PALETTE };
