/** Small uPlot wrappers: one line/bar series chart, redrawn in place when data changes. */
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  stroke: string;
  fill?: string;
}

export function chart(el: HTMLElement, labels: string[], series: SeriesSpec[], values: number[][], bars = false): uPlot {
  const width = Math.max(280, el.clientWidth || 600);
  const opts: uPlot.Options = {
    width,
    height: 200,
    scales: { x: { time: false } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => labels[Math.round(i)] ?? '') }, {}],
    legend: { live: false },
    series: [
      { label: '' },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        fill: s.fill,
        width: 2,
        ...(bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }) } : {}),
      })),
    ],
  };
  el.replaceChildren();
  return new uPlot(opts, [labels.map((_, i) => i), ...values], el);
}
