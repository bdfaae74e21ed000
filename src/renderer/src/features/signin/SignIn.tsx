import { useState, type FormEvent } from 'react';
import { useSession } from '../../stores/sessionStore';

export function SignIn() {
  const { signIn, busy, error, link } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await signIn(username.trim(), password)) setPassword('');
  };

  return (
    <main className="signin">
      <form className="signin__card" onSubmit={submit} aria-label="Sign in">
        <h1>Switchboard</h1>
        <p className="signin__sub">Dispatch console — sign in to start your shift</p>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error ? (
          <p className="signin__error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy || !username || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className={`signin__link signin__link--${link}`}>Core: {link === 'up' ? 'connected' : link === 'connecting' ? 'connecting…' : 'unreachable, retrying'}</p>
      </form>
    </main>
  );
}
