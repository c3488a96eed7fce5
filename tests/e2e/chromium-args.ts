// How the e2e run and `scripts/screenshot.ts` start Debian's Chromium (Playwright's own browser download
// is not available here).
//
// Chromium reads `--disable-features` once, the last occurrence winning, and Playwright puts its own list
// before the arguments given here. A list of ours therefore has to carry Playwright's too, or every
// feature Playwright turns off for stable automation (PaintHolding, HttpsUpgrades…) comes back on.
// tests/unit/e2e/chromium-args.test.ts starts Playwright against a stand-in executable and fails when
// an upgrade of Playwright disables a feature this copy lacks.

/** The features Playwright 1.65 disables (its `chromiumSwitches`), kept in its order. */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
] as const;

/**
 * Features of the browser's own window that a headless test never shows. Chromium 156 builds the
 * omnibox popup as two WebUI pages, preloaded in a renderer of their own for every window, and a
 * Playwright context is a window: tcp.spec.ts and lb.spec.ts took 68 CPU seconds with them and 48.5
 * without (the popups' renderers 12, the browser process 4 of the difference).
 */
export const WIRELAB_DISABLED_FEATURES = [
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
] as const;

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...WIRELAB_DISABLED_FEATURES].join(',')}`,
];
