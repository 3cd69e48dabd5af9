// One form control per field type, with its label, help and the error the API gave for it.
import type { ReactNode } from 'react';
import type { Row } from '../api';
import { fieldLabel, type FieldInfo } from '../meta';
import { useSession } from '../session';
import { RefSelect } from './RefSelect';

export type FormValue = string | boolean | number | null;

// The form's representation of a stored value.
export function toForm(f: FieldInfo, v: unknown): FormValue {
  switch (f.type) {
    case 'boolean':
      return Boolean(v ?? f.default ?? false);
    case 'ref':
      return v == null ? null : Number(v);
    case 'json':
      return v === undefined || v === null ? '' : JSON.stringify(v, null, 2);
    case 'int_array':
      return Array.isArray(v) ? v.join(', ') : '';
    case 'secret':
    case 'password':
      return '';
    case 'datetime':
      return typeof v === 'string' ? v.slice(0, 16) : '';
    default:
      return v === undefined || v === null ? '' : String(v);
  }
}

export function defaultFor(f: FieldInfo): FormValue {
  return toForm(f, f.default ?? null);
}

// The API's representation of what was entered; `undefined` means "leave it out".
export function fromForm(f: FieldInfo, v: FormValue): { value?: unknown; error?: string } {
  if (f.type === 'boolean') return { value: Boolean(v) };
  if (f.type === 'ref') return { value: v === null || v === '' ? null : Number(v) };
  const s = typeof v === 'string' ? v.trim() : v == null ? '' : String(v);
  if (f.type === 'secret' || f.type === 'password') return s ? { value: v } : {};
  if (s === '') {
    if (f.type === 'json' || f.type === 'int_array') return { value: f.type === 'json' ? (f.nullable ? null : f.default ?? null) : [] };
    return { value: f.nullable || f.type === 'enum' ? null : f.type === 'string' || f.type === 'text' ? '' : null };
  }
  switch (f.type) {
    case 'integer':
      return /^-?\d+$/.test(s) ? { value: Number(s) } : { error: 'must be a whole number' };
    case 'float':
      return Number.isFinite(Number(s)) ? { value: Number(s) } : { error: 'must be a number' };
    case 'json':
      try {
        return { value: JSON.parse(s) };
      } catch (e) {
        return { error: `is not valid JSON (${(e as Error).message})` };
      }
    case 'int_array': {
      const parts = s.split(/[\s,]+/).filter(Boolean);
      return parts.every((p) => /^-?\d+$/.test(p)) ? { value: parts.map(Number) } : { error: 'must be whole numbers separated by commas' };
    }
    case 'datetime':
      return Number.isNaN(Date.parse(s)) ? { error: 'is not a date' } : { value: new Date(s).toISOString() };
    default:
      return { value: typeof v === 'string' ? v : s };
  }
}

export function FieldInput({
  name,
  field,
  value,
  onChange,
  error,
  disabled,
  disabledReason,
  row,
}: {
  name: string;
  field: FieldInfo;
  value: FormValue;
  onChange: (v: FormValue) => void;
  error?: string;
  disabled?: boolean;
  disabledReason?: string;
  row?: Row | null; // the stored row when editing
}) {
  const { byName } = useSession();
  const id = `field-${name}`;
  const helpId = `${id}-help`;
  const errId = `${id}-error`;
  const label = fieldLabel(name, field);
  const help = [
    field.help,
    field.type === 'secret' && row ? (row[`has_${name}`] ? 'Stored; leave empty to keep it.' : 'Not set.') : null,
    field.type === 'password' && row ? 'Leave empty to keep the current password.' : null,
    field.patternHelp && !field.help ? `Use ${field.patternHelp}.` : null,
    field.defaultFrom && !row ? `Leave empty for ${field.defaultFrom}.` : null,
    disabled && disabledReason ? disabledReason : null,
  ]
    .filter(Boolean)
    .join(' ');
  const describedBy = [help ? helpId : null, error ? errId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name,
    disabled,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': field.required || undefined,
  } as const;
  const str = typeof value === 'string' ? value : value == null ? '' : String(value);

  let control: ReactNode;
  switch (field.type) {
    case 'boolean':
      return (
        <div className={`field field-check${error ? ' has-error' : ''}`}>
          <input type="checkbox" {...common} checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />
          <label htmlFor={id}>{label}</label>
          {help && (
            <p id={helpId} className="help">
              {help}
            </p>
          )}
          {error && (
            <p id={errId} className="field-error">
              {error}
            </p>
          )}
        </div>
      );
    case 'ref': {
      const target = byName.get(field.ref!);
      control = target ? (
        <RefSelect
          id={id}
          target={target}
          value={value == null || value === '' ? null : Number(value)}
          onChange={(v) => onChange(v)}
          clearable={!field.required || Boolean(field.defaultFrom)}
          disabled={disabled}
          invalid={Boolean(error)}
          describedBy={describedBy}
          required={field.required && !field.defaultFrom}
        />
      ) : (
        // The caller may not list the target model: enter its id.
        <input type="number" min={1} step={1} {...common} value={str} onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))} />
      );
      break;
    }
    case 'enum':
      control = (
        <select {...common} value={str} onChange={(e) => onChange(e.target.value)}>
          {(!field.required || str === '') && <option value="">{field.nullable || !field.required ? '(none)' : 'Choose…'}</option>}
          {field.choices?.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      );
      break;
    case 'text':
    case 'json':
      control = (
        <textarea
          {...common}
          rows={field.type === 'json' ? 5 : 4}
          maxLength={field.maxLength}
          className={field.type === 'json' || name.includes('key') || name.includes('bundle') ? 'mono' : undefined}
          value={str}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'integer':
    case 'float':
      control = (
        <input
          type="number"
          inputMode={field.type === 'integer' ? 'numeric' : 'decimal'}
          step={field.type === 'integer' ? 1 : 'any'}
          min={field.min}
          max={field.max}
          {...common}
          value={str}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'secret':
    case 'password':
      control = (
        <input
          type="password"
          autoComplete="new-password"
          maxLength={field.maxLength}
          placeholder={row ? 'Unchanged' : undefined}
          {...common}
          value={str}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'datetime':
      control = <input type="datetime-local" {...common} value={str} onChange={(e) => onChange(e.target.value)} />;
      break;
    default:
      control = (
        <input
          type={field.type === 'email' ? 'email' : field.type === 'url' ? 'url' : 'text'}
          maxLength={field.maxLength}
          spellCheck={field.type === 'string' ? undefined : false}
          autoComplete="off"
          className={['ip', 'cidr', 'int_array'].includes(field.type) ? 'mono' : undefined}
          placeholder={field.type === 'int_array' ? 'e.g. 3, 7' : undefined}
          {...common}
          value={str}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {label}
        {field.required && !field.defaultFrom && (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {control}
      {help && (
        <p id={helpId} className="help">
          {help}
        </p>
      )}
      {error && (
        <p id={errId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
