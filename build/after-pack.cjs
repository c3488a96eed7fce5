// electron-builder afterPack hook (build/electron-builder.yml): flips Electron's fuses in the packaged
// binary before it is signed. Off: running the app binary as plain Node (ELECTRON_RUN_AS_NODE),
// NODE_OPTIONS and --inspect arguments — each would let anything that can start the app run code with
// its privileges. On: the embedded asar integrity check and loading the app only from app.asar, so the
// code on disk is the code that was shipped. Tested in tests/unit/main/fuses.test.ts against a
// stand-in binary with Electron's fuse sentinel.
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

const WIRELAB_FUSES = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
};

/** Where the packaged Electron binary is, per platform (the .app bundle on macOS). */
function electronBinaryPath(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(context.appOutDir, `${name}.app`);
    case 'win32':
      return path.join(context.appOutDir, `${name}.exe`);
    default:
      return path.join(context.appOutDir, context.packager.executableName ?? name);
  }
}

async function afterPack(context) {
  const binary = electronBinaryPath(context);
  await flipFuses(binary, WIRELAB_FUSES);
  console.log(`wirelab dist: fuses flipped in ${binary}`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.WIRELAB_FUSES = WIRELAB_FUSES;
module.exports.electronBinaryPath = electronBinaryPath;
