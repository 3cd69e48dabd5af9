// drizzle-kit collects the tables a schema module exports by name; ours are built in a loop from
// the model definitions, so this shim hands it the whole table map as the module's exports.
module.exports = require('./schema.ts').schema;
