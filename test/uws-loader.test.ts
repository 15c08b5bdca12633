/** The uWS loader picks the build the runtime policy names, and it is the native binary. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import uWS, { assertNativeUws, uwsBuild } from '../src/rest/http/uws.ts';

const major = Number(process.versions.node.split('.')[0]);

describe('uWS loader', () => {
  it('loads a native binary for this Node ABI, never a JavaScript fallback', () => {
    assertNativeUws();
    assert.ok(uwsBuild, 'a uWS build loaded');
    assert.ok(uwsBuild.binary.endsWith(`_${process.platform}_${process.arch}_${process.versions.modules}.node`), uwsBuild.binary);
    // the module in use is the one process.dlopen made from that file
    assert.equal(createRequire(import.meta.url)(uwsBuild.binary), uWS);
    assert.equal(typeof uWS.App, 'function');
  });

  it('uses the current build on Node 22 and later, and says so when it is on the development fallback', () => {
    assert.ok(uwsBuild, 'a uWS build loaded');
    if (major >= 22) {
      assert.equal(uwsBuild.package, 'uwebsockets');
      assert.equal(uwsBuild.fallback, undefined);
    } else {
      assert.equal(uwsBuild.package, '@trufflesuite/uws-js-unofficial');
      assert.match(uwsBuild.fallback ?? '', /^development fallback: .* because .*Not for production: run Node 24 LTS/);
      assert.doesNotMatch(uwsBuild.fallback ?? '', /\n/);
    }
  });
});
