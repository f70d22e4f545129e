/** Chromium's launch flags, shared by the end-to-end tests (playwright.config.ts) and the browser benchmark. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // WebGPU needs this flag (and a secure context: 127.0.0.1); without a GPU it runs on SwiftShader.
  '--enable-unsafe-webgpu',
  // WebGL on a machine without a GPU: SwiftShader through ANGLE.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];
