/** Heatmap cells: white to indigo by share of the largest value, with black or white text, whichever reads better (WCAG contrast). */
const BASE = [55, 48, 163];

const channel = (c: number) => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};

export function heatStyle(value: number, max: number): { background: string; color: string } {
  const a = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  const rgb = BASE.map((b) => Math.round(255 + (b - 255) * a));
  const l = 0.2126 * channel(rgb[0]!) + 0.7152 * channel(rgb[1]!) + 0.0722 * channel(rgb[2]!);
  return { background: `rgb(${rgb.join(' ')})`, color: l > 0.179 ? '#000' : '#fff' };
}
