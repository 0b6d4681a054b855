// Preloaded with NODE_OPTIONS=--require by install.sh to run the installed launcher as if on
// another machine: FAKE_PLATFORM, FAKE_ARCH, FAKE_LIBC (musl or gnu). npm and npx load this too, so it
// only acts inside the launcher's own process (its script is `distill` or `distill.js`).
'use strict';

if (/[\\/]distill(\.js)?$/.test(process.argv[1] || '')) {
  if (process.env.FAKE_PLATFORM) Object.defineProperty(process, 'platform', { value: process.env.FAKE_PLATFORM });
  if (process.env.FAKE_ARCH) Object.defineProperty(process, 'arch', { value: process.env.FAKE_ARCH });
  if (process.env.FAKE_LIBC) {
    const real = process.report.getReport.bind(process.report);
    process.report.getReport = (...args) => {
      const report = real(...args);
      if (process.env.FAKE_LIBC === 'musl') delete report.header.glibcVersionRuntime;
      else report.header.glibcVersionRuntime = '2.99';
      return report;
    };
  }
}
