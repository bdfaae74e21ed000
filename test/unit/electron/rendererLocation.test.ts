import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTrustedRendererUrl, resolveRendererLocation } from '../../../src/main/window/rendererLocation';

const mainDir = path.resolve('/opt/switchboard/out/main');
const indexPath = path.resolve('/opt/switchboard/out/renderer/index.html');
const indexUrl = pathToFileURL(indexPath).toString();

describe('where the console page comes from', () => {
  it('is the built index.html next to the main bundle when packaged, whatever the env says', () => {
    expect(resolveRendererLocation({ isPackaged: true, devServerUrl: 'http://localhost:5173', mainDir })).toEqual({
      kind: 'file',
      indexPath
    });
  });

  it('is the electron-vite dev server while developing, but only on this machine', () => {
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://localhost:5173/', mainDir })).toEqual({
      kind: 'dev',
      url: 'http://localhost:5173/'
    });
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://10.0.0.8:5173/', mainDir }).kind).toBe('file');
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: 'file:///tmp/x.html', mainDir }).kind).toBe('file');
  });
});

describe('which pages are trusted', () => {
  const built = { kind: 'file', indexPath } as const;

  it('trusts exactly the built index.html, with any route in the hash', () => {
    expect(isTrustedRendererUrl(indexUrl, built)).toBe(true);
    expect(isTrustedRendererUrl(`${indexUrl}#/dispatch/map`, built)).toBe(true);
    expect(isTrustedRendererUrl(`${indexUrl}?mode=wall`, built)).toBe(true);
  });

  it.each([
    pathToFileURL(path.resolve('/opt/switchboard/out/renderer/other.html')).toString(),
    pathToFileURL(path.resolve('/tmp/index.html')).toString(),
    `${pathToFileURL(path.resolve('/opt/switchboard/out/renderer')).toString()}/../renderer/index.html/..`,
    'file://fileserver/opt/switchboard/out/renderer/index.html',
    'https://evil.example/index.html',
    'http://127.0.0.1:8780/',
    'data:text/html,<script>1</script>',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    'not a url'
  ])('does not trust %s', (url) => {
    expect(isTrustedRendererUrl(url, built)).toBe(false);
  });

  it('trusts the dev server origin only', () => {
    const dev = { kind: 'dev', url: 'http://localhost:5173/' } as const;
    expect(isTrustedRendererUrl('http://localhost:5173/#/alerts', dev)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedRendererUrl('https://localhost:5173/', dev)).toBe(false);
  });
});
