import { createContext, useContext, useState, type ReactNode } from 'react';
import { SelectField, TextField } from '../../../../packages/ui';
import { parseList, toMajor, toMinor, type Kind, type Scalar } from '../../lib/ruleDraft';

/** The server's refusal of the rule being edited: its field path (`effects.0.points`) and message. */
export interface RuleProblem {
  field?: string;
  message: string;
}

const ProblemContext = createContext<RuleProblem | null>(null);

export function RuleProblemProvider({ problem, children }: { problem: RuleProblem | null; children: ReactNode }) {
  return <ProblemContext.Provider value={problem}>{children}</ProblemContext.Provider>;
}

/** The server's message when it names one of these fields (or a field inside the last, when `within`). */
export function useProblemAt() {
  const p = useContext(ProblemContext);
  return (paths: string[], within?: string): string | undefined => {
    if (!p?.field) return undefined;
    if (paths.includes(p.field)) return p.message;
    if (within && p.field.startsWith(`${within}.`)) return p.message;
    return undefined;
  };
}

/**
 * A text kept as typed while it means the value it shows; when the value changes from elsewhere (the JSON
 * view), the text follows it.
 */
function useText<T>(value: T, format: (v: T) => string, means: (text: string, v: T) => boolean) {
  const [text, setText] = useState(() => format(value));
  return [means(text, value) ? text : format(value), setText] as const;
}

interface Common {
  label: string;
  error?: string;
  hint?: string;
  disabled?: boolean;
}

/** A whole number; empty is undefined. */
export function NumberInput({ value, onChange, min, max, ...rest }: Common & { value: number | undefined; onChange: (v: number | undefined) => void; min?: number; max?: number }) {
  const [text, setText] = useText(
    value,
    (v) => (v === undefined ? '' : String(v)),
    (s, v) => (s.trim() === '' ? v === undefined : Number(s) === v),
  );
  return (
    <TextField
      {...rest}
      inputMode="numeric"
      value={text}
      min={min}
      max={max}
      onChange={(e) => {
        setText(e.target.value);
        const s = e.target.value.trim();
        onChange(s === '' ? undefined : /^-?\d+$/.test(s) ? Number(s) : undefined);
      }}
    />
  );
}

/** Money typed in major units (50 or 12.50) and kept in minor units, as the API counts it. */
export function MoneyInput({ value, onChange, currency, ...rest }: Common & { value: number | undefined; onChange: (v: number | undefined) => void; currency: string }) {
  const [text, setText] = useText(
    value,
    (v) => (v === undefined ? '' : toMajor(v, currency)),
    (s, v) => (s.trim() === '' ? v === undefined : toMinor(s, currency) === v),
  );
  return (
    <TextField
      {...rest}
      label={`${rest.label} (${currency})`}
      inputMode="decimal"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value.trim() === '' ? undefined : toMinor(e.target.value, currency));
      }}
    />
  );
}

/** A list typed as comma-separated values. */
export function ListInput({ value, onChange, kind = 'string', ...rest }: Common & { value: Scalar[] | undefined; onChange: (v: Scalar[]) => void; kind?: Kind }) {
  const [text, setText] = useText(
    value,
    (v) => (v ?? []).join(', '),
    (s, v) => JSON.stringify(parseList(s, kind)) === JSON.stringify(v ?? []),
  );
  return (
    <TextField
      {...rest}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseList(e.target.value, kind));
      }}
    />
  );
}

export function TextInput({ value, onChange, ...rest }: Common & { value: string | undefined; onChange: (v: string) => void; grow?: boolean; type?: string }) {
  return <TextField {...rest} value={value ?? ''} onChange={(e) => onChange(e.target.value)} />;
}

export function Choice<T extends string>({ value, onChange, options, ...rest }: Common & { value: T; onChange: (v: T) => void; options: { value: T; label: string }[] }) {
  return (
    <SelectField {...rest} value={value} onChange={(e) => onChange(e.target.value as T)}>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </SelectField>
  );
}
