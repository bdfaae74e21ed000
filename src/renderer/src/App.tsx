import { useEffect } from 'react';
import { Shell } from './features/shell/Shell';
import { SignIn } from './features/signin/SignIn';
import { useSession, watchLink } from './stores/sessionStore';

export function App() {
  const status = useSession((s) => s.status);
  useEffect(() => {
    const stop = watchLink();
    void useSession.getState().resume();
    return stop;
  }, []);
  if (status === 'resuming') return <div className="loading loading--full">Connecting to Switchboard…</div>;
  if (status === 'signedOut') return <SignIn />;
  return <Shell />;
}
