/**
 * A GET as a browser sends it. A kept-alive connection can be closed by the
 * server's idle timer at the moment a new request goes out on it; on a busy
 * machine the client sees the close too late to pick another connection.
 * HTTP lets a client resend an idempotent request in that case (RFC 9112
 * section 9.3.1), and browsers do, so this helper does it once. Any answer
 * the server actually gave stands.
 */
export async function getJson<T>(url: string, token: string): Promise<T> {
  const send = () => fetch(url, { headers: { authorization: `Bearer ${token}` } });
  let res: Response;
  try {
    res = await send();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
    res = await send();
  }
  if (!res.ok) throw new Error(`GET ${new URL(url).pathname} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
