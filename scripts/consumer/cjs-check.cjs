// The packages load through require() too (their CJS builds), as an older toolchain uses them.
const core = require('@nself/client-core')
const contracts = require('@nself/contracts')
const assert = require('node:assert')
assert.equal(typeof core.HttpClient, 'function')
assert.ok(core.isNselfError(new core.NselfError('NOT_FOUND', 'x')))
assert.ok(contracts.ERROR_CODES.includes('NOT_FOUND'))
console.log('cjs ok')
