"use client";

/** The "Speed" picker of a replay or a live simulation: one option per speed, shown as `0.5×`. */
export function SpeedSelect({ speeds, value, onChange, label, testId }: { speeds: readonly number[]; value: number; onChange: (speed: number) => void; label: string; testId?: string }) {
  return (
    <label className="inline">
      <span className="small">Speed</span>
      <select value={value} onChange={(e) => onChange(Number(e.target.value))} aria-label={label} data-testid={testId}>
        {speeds.map((s) => (
          <option key={s} value={s}>
            {s}×
          </option>
        ))}
      </select>
    </label>
  );
}
