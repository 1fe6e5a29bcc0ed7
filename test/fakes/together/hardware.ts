/**
 * Hardware for dedicated endpoints (`GET /v1/hardware`), with per-minute prices so a caller can
 * show what an endpoint costs. Ids follow Together's `<count>x_nvidia_<gpu>_<memory>_<link>`
 * pattern; the prices are illustrative, in the spec's unit (`cents_per_minute`).
 */

export interface Hardware {
  id: string;
  gpuType: string;
  gpuLink: string;
  gpuMemoryGb: number;
  gpuCount: number;
  centsPerMinute: number;
}

const gpu = (count: number, type: string, memory: number, link: string, centsPerGpuMinute: number): Hardware => ({
  id: `${count}x_nvidia_${type}_${memory}gb_${link}`,
  gpuType: `${type}-${memory}gb`,
  gpuLink: link,
  gpuMemoryGb: memory,
  gpuCount: count,
  centsPerMinute: Math.round(count * centsPerGpuMinute * 100) / 100,
});

export const HARDWARE: Hardware[] = [
  gpu(1, 'l40s', 48, 'pcie', 3.5),
  gpu(1, 'a100', 80, 'sxm', 4.27),
  gpu(2, 'a100', 80, 'sxm', 4.27),
  gpu(1, 'h100', 80, 'sxm', 5.6),
  gpu(2, 'h100', 80, 'sxm', 5.6),
  gpu(4, 'h100', 80, 'sxm', 5.6),
  gpu(8, 'h100', 80, 'sxm', 5.6),
];

export const findHardware = (id: string): Hardware | undefined => HARDWARE.find((hardware) => hardware.id === id);

/** Weights in 16 bits plus a fifth for the KV cache: what a model of `paramsB` billion parameters needs. */
export const fits = (hardware: Hardware, paramsB: number): boolean =>
  hardware.gpuMemoryGb * hardware.gpuCount >= paramsB * 2 * 1.2;

export function hardwareObject(
  hardware: Hardware,
  updatedAtMs: number,
  availability?: 'available' | 'unavailable' | 'insufficient',
) {
  return {
    object: 'hardware' as const,
    id: hardware.id,
    pricing: { cents_per_minute: hardware.centsPerMinute },
    specs: {
      gpu_type: hardware.gpuType,
      gpu_link: hardware.gpuLink,
      gpu_memory: hardware.gpuMemoryGb,
      gpu_count: hardware.gpuCount,
    },
    ...(availability ? { availability: { status: availability } } : {}),
    updated_at: new Date(updatedAtMs).toISOString(),
  };
}
