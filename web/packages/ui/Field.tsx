import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

interface FieldProps {
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  /** Takes the free width of a row of fields. */
  grow?: boolean;
}

function FieldShell({ id, label, error, hint, grow, children }: FieldProps & { id: string; children: ReactNode }) {
  return (
    <div className={['field', error ? 'field-invalid' : '', grow ? 'field-grow' : ''].filter(Boolean).join(' ')}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error ? <p className="field-hint" id={`${id}-hint`}>{hint}</p> : null}
      {error ? <p className="field-error" id={`${id}-error`} role="alert">{error}</p> : null}
    </div>
  );
}

const described = (id: string, error?: string, hint?: ReactNode) => (error ? `${id}-error` : hint ? `${id}-hint` : undefined);

/** A labelled input whose error (from the form or the server's `field`) shows beneath it. */
export function TextField({ label, error, hint, grow, ref, id, ...props }: FieldProps & InputHTMLAttributes<HTMLInputElement> & { ref?: Ref<HTMLInputElement> }) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <FieldShell id={fid} label={label} error={error} hint={hint} grow={grow}>
      <input id={fid} ref={ref} aria-invalid={error ? true : undefined} aria-describedby={described(fid, error, hint)} {...props} />
    </FieldShell>
  );
}

export function TextAreaField({ label, error, hint, ref, id, ...props }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement> & { ref?: Ref<HTMLTextAreaElement> }) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <FieldShell id={fid} label={label} error={error} hint={hint}>
      <textarea id={fid} ref={ref} aria-invalid={error ? true : undefined} aria-describedby={described(fid, error, hint)} {...props} />
    </FieldShell>
  );
}

export function SelectField({ label, error, hint, ref, id, children, ...props }: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { ref?: Ref<HTMLSelectElement> }) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <FieldShell id={fid} label={label} error={error} hint={hint}>
      <select id={fid} ref={ref} aria-invalid={error ? true : undefined} aria-describedby={described(fid, error, hint)} {...props}>
        {children}
      </select>
    </FieldShell>
  );
}
