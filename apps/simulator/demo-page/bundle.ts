import { fileURLToPath } from 'node:url';

/** Resolved on use, not at import: inside the bundled Electron main `import.meta.url` is empty. */
function entryPoint(): string {
  return fileURLToPath(new URL('./main.ts', import.meta.url));
}

export class DemoBundleError extends Error {
  override name = 'DemoBundleError';
}

/** Compiles the Svelte demo launcher into one minified browser script, in memory. */
export async function buildLauncherBundle(): Promise<string> {
  // Loaded on first use: the Svelte compiler is heavy and most simulator users never ask for the page.
  const [{ build }, { default: sveltePlugin }] = await Promise.all([import('esbuild'), import('esbuild-svelte')]);
  try {
    const result = await build({
      entryPoints: [entryPoint()],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      mainFields: ['svelte', 'browser', 'module', 'main'],
      conditions: ['svelte', 'browser'],
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [sveltePlugin({ compilerOptions: { css: 'injected' } })],
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (!output) throw new DemoBundleError('esbuild produced no output for the demo launcher');
    return output.text;
  } catch (err) {
    if (err instanceof DemoBundleError) throw err;
    throw new DemoBundleError(
      `the demo launcher does not compile: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Builds on first use and keeps the result; a failed build is retried on the next request. */
export function lazyLauncherBundle(compile: () => Promise<string> = buildLauncherBundle): () => Promise<string> {
  let pending: Promise<string> | null = null;
  return () => {
    pending ??= compile().catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}
