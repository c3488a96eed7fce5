import { describe, expect, it } from 'vitest';
import {
  isAppUrl,
  isTrustedSender,
  mainWindowOptions,
  navigationAllowed,
  windowOpenDecision,
  chatWindowTarget,
  APP_INDEX_URL,
} from '../../../src/main/app/electron-policy';
import { isSafeExternalUrl } from '../../../src/main/app/url-policy';
import { contentSecurityPolicy } from '../../../src/main/app/csp';
import { resolveInside } from '../../../src/main/app/paths';
import { allowedOrigins, originAllowed, tokenMatches } from '../../../src/server/origin-policy';

describe('Electron window policy', () => {
  it('secure webPreferences', () => {
    const o = mainWindowOptions('/p/index.cjs', false);
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/p/index.cjs',
    });
    expect(o.show).toBe(false);
  });
  it('never navigates; window.open denied, http(s) opened externally only', () => {
    expect(navigationAllowed('https://example.com')).toBe(false);
    expect(navigationAllowed(APP_INDEX_URL)).toBe(false);
    expect(windowOpenDecision('https://example.com/x')).toEqual({ action: 'deny', openExternally: true });
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://wirelab/index.html',
      'smb://host/share',
      'http://user:pw@host/',
      'not a url',
    ]) {
      expect(windowOpenDecision(bad)).toEqual({ action: 'deny', openExternally: false });
    }
  });
  it('a chat window: one room session or one messenger conversation, nothing else', () => {
    const allow = { action: 'allow', openExternally: false };
    const conv = 'g:0123456789abcdef';
    const dm = 'dm:0123456789abcdef:fedcba9876543210';
    expect(windowOpenDecision('app://wirelab/index.html#/chat?chat=s1')).toEqual(allow);
    expect(windowOpenDecision(`app://wirelab/index.html#/chat?conversation=${conv}`)).toEqual(allow);
    expect(
      windowOpenDecision(`app://wirelab/index.html#/chat?conversation=${encodeURIComponent(dm)}`),
    ).toEqual(allow);
    expect(chatWindowTarget(`app://wirelab/index.html#/chat?conversation=${dm}`)).toEqual({
      kind: 'conversation',
      conversation: dm,
    });
    expect(chatWindowTarget('app://wirelab/index.html#/chat?chat=s1')).toEqual({
      kind: 'room',
      session: 's1',
    });
    for (const bad of [
      'app://wirelab/index.html#/chat',
      'app://wirelab/index.html#/chat?conversation=g:xyz',
      `app://wirelab/index.html#/chat?conversation=${conv}&chat=s1`,
      'app://wirelab/index.html#/chat?chat=',
      'app://wirelab/index.html#/chat?chat=%3Cscript%3E',
      `app://wirelab/index.html#/tcp?conversation=${conv}`,
      `app://other/index.html#/chat?conversation=${conv}`,
      `http://localhost/index.html#/chat?conversation=${conv}`,
    ]) {
      expect(chatWindowTarget(bad), bad).toBeUndefined();
      expect(windowOpenDecision(bad).action, bad).toBe('deny');
    }
  });
  it('IPC only from the app main frame', () => {
    expect(isTrustedSender({ url: 'app://wirelab/index.html#/tcp', parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'app://wirelab/index.html', parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'app://other/index.html', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', parent: null }, 'http://localhost:5173')).toBe(
      true,
    );
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
  it('external URLs: http(s) with a host, no credentials', () => {
    expect(isSafeExternalUrl('https://github.com/wirelab')).toBe(true);
    expect(isSafeExternalUrl('http://127.0.0.1:8080/')).toBe(true);
    expect(isSafeExternalUrl('ftp://x')).toBe(false);
    expect(isSafeExternalUrl('https://a:b@x')).toBe(false);
  });
});

describe('CSP', () => {
  it('no inline or eval scripts, no remote code, no objects, no framing', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy({ connectSrc: 'ws://127.0.0.1:1' })).toContain(
      "connect-src 'self' ws://127.0.0.1:1",
    );
  });
});

describe('paths', () => {
  it('resolves inside the root and refuses escapes', () => {
    expect(resolveInside('/r', '/index.html')).toBe('/r/index.html');
    expect(resolveInside('/r', '/assets/a.js?x=1')).toBe('/r/assets/a.js');
    for (const bad of [
      '/../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/..%2fetc',
      '/a/../../x',
      '/%00',
      '/%E0%A4%A',
      '/..\\..\\x',
    ]) {
      const r = resolveInside('/r', bad);
      expect(r === undefined || r.startsWith('/r/')).toBe(true);
    }
    expect(resolveInside('/r', '/%2e%2e/etc/passwd')).toBeUndefined();
  });
});

describe('browser shell access', () => {
  it('token compare', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'ab')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });
  it('origin must be the shell itself', () => {
    expect(allowedOrigins(8)).toContain('http://127.0.0.1:8');
    expect(originAllowed('http://127.0.0.1:8', 8)).toBe(true);
    expect(originAllowed('http://localhost:8', 8)).toBe(true);
    expect(originAllowed('http://127.0.0.1:9', 8)).toBe(false);
    expect(originAllowed('https://evil.example', 8)).toBe(false);
    expect(originAllowed(undefined, 8)).toBe(false);
    expect(originAllowed('null', 8)).toBe(false);
  });
});
