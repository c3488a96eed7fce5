// The version shown by `wirelab --version` and the app's About; injected from package.json at build.
declare const __WIRELAB_VERSION__: string | undefined;
export const version: string = typeof __WIRELAB_VERSION__ === 'string' ? __WIRELAB_VERSION__ : '0.0.0-dev';
