// Changing one's own password: the current one is asked for, so that a session left open is not
// enough to lock its owner out. The other sessions and API tokens end; this one stays.
import { useState, type FormEvent } from 'react';
import { api, ApiError, type FieldError } from '../api';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { useToast } from '../components/Toasts';
import { Alert, PageTitle } from '../components/ui';

export function PasswordPage() {
  const { me } = useSession();
  const toast = useToast();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const err = (f: string) => errors.filter((e) => e.field === f).map((e) => e.message).join('; ') || undefined;
  const back = `/users/${me.user.id}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: FieldError[] = [];
    if (!current) local.push({ field: 'current_password', message: 'is required' });
    if (next.length < 8) local.push({ field: 'password', message: 'must be at least 8 characters' });
    else if (next !== again) local.push({ field: 'again', message: 'does not match the new password' });
    setErrors(local);
    if (local.length) return;
    setBusy(true);
    try {
      await api.changePassword(current, next);
      toast('Password changed; your other sessions and API tokens have ended');
      navigate(back);
    } catch (ex) {
      const ae = ex instanceof ApiError ? ex : new ApiError(0, String(ex));
      setErrors(ae.errors.length ? ae.errors : [{ field: '(form)', message: ae.detail }]);
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, label: string, value: string, set: (v: string) => void, autoComplete: string) => (
    <div className={`field${err(id) ? ' has-error' : ''}`}>
      <label htmlFor={`pw-${id}`}>{label}</label>
      <input
        id={`pw-${id}`}
        type="password"
        autoComplete={autoComplete}
        value={value}
        onChange={(e) => set(e.target.value)}
        aria-invalid={err(id) ? true : undefined}
        aria-describedby={err(id) ? `pw-${id}-error` : undefined}
      />
      {err(id) && (
        <p id={`pw-${id}-error`} className="field-error">
          {err(id)}
        </p>
      )}
    </div>
  );

  return (
    <>
      <div className="page-head">
        <PageTitle title="Change password">Change your password</PageTitle>
      </div>
      <form className="card form" onSubmit={submit} noValidate>
        {err('(form)') && <Alert>{err('(form)')}</Alert>}
        <p className="help">Your other sessions and API tokens end when the password changes; this session stays.</p>
        <div className="form-grid">
          {field('current_password', 'Current password', current, setCurrent, 'current-password')}
          {field('password', 'New password', next, setNext, 'new-password')}
          {field('again', 'New password again', again, setAgain, 'new-password')}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
          <Link to={back} className="btn">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
