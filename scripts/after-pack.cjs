// electron-builder afterPack hook: flips the Electron fuses the security checklist recommends
// (DESIGN §9). It runs before signing, which is what fuses need: flipping changes the binary.
'use strict';

const { promises: fs } = require('node:fs');
const path = require('node:path');
const { flipFuses, FuseV1Options, FuseVersion } = require('@electron/fuses');

const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ARM64 = 3; // builder-util's Arch.arm64

/** Off: every way to run the packaged binary as plain Node or load code from outside the signed asar. */
const FUSE_SETTINGS = Object.freeze({
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
});

function fuseConfigFor(platformName, arch) {
  // Flipping breaks an arm64 Mac's ad-hoc signature; unsigned dev builds must be re-signed ad hoc to launch at all.
  return {
    version: FuseVersion.V1,
    resetAdHocDarwinSignature: platformName === 'darwin' && arch === ARM64,
    ...FUSE_SETTINGS,
  };
}

/** The file that holds the fuse wire, and the path @electron/fuses expects for it. */
function electronBinaryOf(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const productFilename = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') {
    const app = path.join(appOutDir, `${productFilename}.app`);
    return {
      target: app,
      wireFile: path.join(app, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework'),
    };
  }
  const executable = electronPlatformName === 'win32' ? `${productFilename}.exe` : packager.executableName;
  const file = path.join(appOutDir, executable);
  return { target: file, wireFile: file };
}

async function hasFuseWire(file) {
  try {
    return (await fs.readFile(file)).includes(FUSE_SENTINEL);
  } catch (err) {
    if (err.code === 'ENOENT') return false;
    throw err;
  }
}

async function afterPack(context) {
  const { target, wireFile } = electronBinaryOf(context);
  if (!(await hasFuseWire(wireFile))) {
    console.log(
      `[after-pack] fuses not applied: ${wireFile} has no Electron fuse wire (a stand-in Electron distribution?)`,
    );
    return { applied: false };
  }
  await flipFuses(target, fuseConfigFor(context.electronPlatformName, context.arch));
  console.log(`[after-pack] fuses applied to ${wireFile}`);
  return { applied: true };
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSE_SETTINGS = FUSE_SETTINGS;
module.exports.fuseConfigFor = fuseConfigFor;
