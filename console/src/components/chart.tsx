import { Chart, type ChartConfiguration, registerables } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(...registerables);
// Charts redraw when data arrives; animating every refresh only makes figures harder to read.
Chart.defaults.animation = false;

/** A Chart.js chart that redraws when its configuration changes and is destroyed with the page. */
export function ChartView({
  config,
  label,
  height = 220,
}: {
  config: ChartConfiguration;
  label: string;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current?.destroy();
    chart.current = new Chart(canvas.current, {
      ...config,
      options: { maintainAspectRatio: false, ...config.options },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [config]);
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
