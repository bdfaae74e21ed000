import { useEffect } from 'react';
import { Shell } from './features/shell/Shell';
import { SignIn } from './features/signin/SignIn';
import { watchLiveness } from './stores/liveStore';
import { useSession, watchLink } from './stores/sessionStore';

export function App() {
  const status = useSession((s) => s.status);
  useEffect(() => {
    const stopLiveness = watchLiveness();
    const stop = watchLink();
    void useSession.getState().resume();
    return () => {
      stop();
      stopLiveness();
    };
  }, []);
  if (status === 'resuming') return <div className="loading loading--full">Connecting to Switchboard…</div>;
  if (status === 'signedOut') return <SignIn />;
  return <Shell />;
}
