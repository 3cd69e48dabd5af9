// Create and edit forms, generated from the model definition. The API's per-field errors appear
// at their fields (and in a summary that links to them); a change made meanwhile by someone else
// is caught by If-Match.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type FieldError, type Row } from '../api';
import { fieldLabel, formFields, lower, rowTitle, type ModelInfo } from '../meta';
import { useQuery } from '../hooks';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { defaultFor, FieldInput, fromForm, toForm, type FormValue } from '../components/FieldInput';
import { useToast } from '../components/Toasts';
import { Alert, ErrorAlert, Loading, PageTitle } from '../components/ui';
import { rememberTitle } from '../titles';

export function CreatePage({ model }: { model: ModelInfo }) {
  return <ModelForm model={model} row={null} />;
}

export function EditPage({ model, id }: { model: ModelInfo; id: number }) {
  const { data, error } = useQuery(`${model.plural}/${id}`, () => api.get(model.plural, id));
  if (error) return <ErrorAlert error={error} what={`see this ${lower(model.label)}`} />;
  if (!data) return <Loading />;
  return <ModelForm model={model} row={data} key={id} />;
}

function ModelForm({ model, row }: { model: ModelInfo; row: Row | null }) {
  const { isAdmin, readOnly, me } = useSession();
  const { query } = useLocation();
  const toast = useToast();
  const mode = row ? 'edit' : 'create';
  // A stored password is changed by an administrator, or by its owner on the password page.
  const isSelf = Boolean(row && model.name === 'User' && row.id === me.user.id);
  const passwordNote = (f: { type: string }) =>
    row && f.type === 'password' && (isSelf || !isAdmin) ? (isSelf ? 'self' : 'admin-only') : null;
  const fields = formFields(model, mode, isAdmin).filter(([, f]) => !passwordNote(f));
  const hiddenPassword = formFields(model, mode, isAdmin).find(([, f]) => passwordNote(f));
  const [values, setValues] = useState<Record<string, FormValue>>(() => {
    const v: Record<string, FormValue> = {};
    for (const [name, f] of fields) {
      if (row) v[name] = toForm(f, row[name]);
      else {
        // Prefilled from the link that led here (e.g. "Add instance" on a slice's page).
        const given = query.get(name);
        v[name] = given !== null ? toForm(f, f.type === 'ref' || f.type === 'integer' ? Number(given) : f.type === 'boolean' ? given === 'true' : given) : defaultFor(f);
      }
    }
    return v;
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const title = row ? `Edit ${rowTitle(model, row)}` : `New ${lower(model.label)}`;

  useEffect(() => {
    if (errors.length || problem) summaryRef.current?.focus();
  }, [errors, problem]);

  if (readOnly) return <Alert kind="info">You have read-only access: you cannot create or change objects.</Alert>;

  const main = fields.filter(([, f]) => !f.adminOnly);
  const admin = fields.filter(([, f]) => f.adminOnly);
  const fieldErr = (name: string) => errors.filter((e) => e.field === name).map((e) => e.message).join('; ') || undefined;
  const shownFields = new Set(fields.map(([n]) => n));
  const otherErrors = errors.filter((e) => !shownFields.has(e.field));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    const local: FieldError[] = [];
    for (const [name, f] of fields) {
      if (row && f.createOnly) continue;
      if (row && JSON.stringify(values[name]) === JSON.stringify(toForm(f, row[name])) && f.type !== 'secret' && f.type !== 'password') continue;
      if (!row && f.type !== 'boolean' && (values[name] === '' || values[name] === null) && (!f.required || f.defaultFrom)) continue;
      if (!row && f.type === 'boolean' && values[name] === Boolean(f.default ?? false)) continue;
      const r = fromForm(f, values[name]);
      if (r.error) local.push({ field: name, message: r.error });
      else if (r.value !== undefined) body[name] = r.value;
    }
    if (!row)
      for (const [name, f] of fields)
        if (f.required && !f.defaultFrom && (!(name in body) || body[name] === null) && f.type !== 'boolean' && !local.some((l) => l.field === name))
          local.push({ field: name, message: 'is required' });
    setProblem(null);
    if (local.length) {
      setErrors(local);
      return;
    }
    if (row && !Object.keys(body).length) {
      navigate(`/${model.plural}/${row.id}`);
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      const saved = row ? await api.update(model.plural, row.id, body, row.version) : await api.create(model.plural, body);
      rememberTitle(model, saved);
      toast(`${model.label} ${rowTitle(model, saved)} ${row ? 'saved' : 'created'}`);
      navigate(`/${model.plural}/${saved.id}`, { replace: !row });
    } catch (err) {
      const ae = err instanceof ApiError ? err : new ApiError(0, String(err));
      setErrors(ae.errors);
      setProblem(ae);
    } finally {
      setBusy(false);
    }
  };

  const input = ([name, f]: [string, (typeof fields)[number][1]]) => (
    <FieldInput
      key={name}
      name={name}
      field={f}
      value={values[name]}
      onChange={(v) => {
        setValues((old) => ({ ...old, [name]: v }));
        if (fieldErr(name)) setErrors((es) => es.filter((x) => x.field !== name));
      }}
      error={fieldErr(name)}
      disabled={Boolean(row && f.createOnly)}
      disabledReason="Set when the object is created; it cannot change."
      row={row}
    />
  );

  return (
    <>
      <div className="page-head">
        <PageTitle title={title}>{title}</PageTitle>
      </div>
      <form className="card form" onSubmit={submit} noValidate aria-labelledby="form-legend">
        <p id="form-legend" className="sr-only">
          {title}
        </p>
        <div ref={summaryRef} tabIndex={-1} className="form-summary">
          {(problem || errors.length > 0) && (
            <Alert title={problem?.status === 412 ? 'Someone else changed this object' : errors.length ? 'Please correct the fields below' : 'Not saved'}>
              {problem?.status === 412 ? (
                <p>
                  Your changes were not saved. <a href={location.pathname}>Reload the latest version</a> and make them again.
                </p>
              ) : (
                <>
                  {problem && !errors.length && <p>{problem.detail}</p>}
                  {errors.length > 0 && (
                    <ul>
                      {errors.map((er, i) => (
                        <li key={i}>
                          {shownFields.has(er.field) ? (
                            <a href={`#field-${er.field}`}>
                              {fieldLabel(er.field, model.fields[er.field])}: {er.message}
                            </a>
                          ) : (
                            `${er.field === '(body)' ? '' : fieldLabel(er.field, model.fields[er.field]) + ': '}${er.message}`
                          )}
                        </li>
                      ))}
                    </ul>
                  )}
                  {otherErrors.length > 0 && problem && errors.length > 0 && <p className="small">{problem.detail}</p>}
                </>
              )}
            </Alert>
          )}
        </div>
        <div className="form-grid">{main.map(input)}</div>
        {hiddenPassword && (
          <p className="help">
            {passwordNote(hiddenPassword[1]) === 'self' ? (
              <>
                Password: <Link to="/account/password">change your password</Link> (it asks for the current one).
              </>
            ) : (
              "Password: only an administrator may set another user's password."
            )}
          </p>
        )}
        {admin.length > 0 && (
          <fieldset className="admin-fields">
            <legend>Administrator settings</legend>
            <div className="form-grid">{admin.map(input)}</div>
          </fieldset>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : row ? 'Save changes' : `Create ${lower(model.label)}`}
          </button>
          <Link to={row ? `/${model.plural}/${row.id}` : `/${model.plural}`} className="btn">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
